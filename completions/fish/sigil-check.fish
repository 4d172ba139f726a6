complete -c sigil-check -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-check -l json -d 'Print a JSON object'
complete -c sigil-check -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-check -s V -l version -d 'Print version'
