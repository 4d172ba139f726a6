complete -c sigil-init -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-init -s V -l version -d 'Print version'
