complete -c sigil-find -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-find -l tree -d 'Print the matches as a tree (service, account, fields), as `pass find` does'
complete -c sigil-find -l json -d 'Print a JSON array, as `sigil list --json` does'
complete -c sigil-find -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-find -s V -l version -d 'Print version'
