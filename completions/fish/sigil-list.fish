complete -c sigil-list -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-list -l json -d 'Print a JSON array'
complete -c sigil-list -l tree -d 'Print the store as a tree (service, account, fields), as `pass ls` does'
complete -c sigil-list -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-list -s V -l version -d 'Print version'
