complete -c sigil-status -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-status -s v -l verbose -d 'Also show how the backend was chosen, step by step'
complete -c sigil-status -l json -d 'Print a JSON object'
complete -c sigil-status -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-status -s V -l version -d 'Print version'
