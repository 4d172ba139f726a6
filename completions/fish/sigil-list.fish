complete -c sigil-list -l json -d 'Print a JSON array'
complete -c sigil-list -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-list -s V -l version -d 'Print version'
