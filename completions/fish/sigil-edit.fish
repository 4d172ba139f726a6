complete -c sigil-edit -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-edit -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-edit -s V -l version -d 'Print version'
