complete -c sigil-unlock -l for -d 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)' -r
complete -c sigil-unlock -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-unlock -s V -l version -d 'Print version'
