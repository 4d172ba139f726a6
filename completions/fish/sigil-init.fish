complete -c sigil-init -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-init -l passphrase -d 'Protect the identity with a passphrase (as `sigil identity protect` does)'
complete -c sigil-init -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-init -s V -l version -d 'Print version'
