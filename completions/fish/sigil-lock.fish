complete -c sigil-lock -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-lock -s V -l version -d 'Print version'
