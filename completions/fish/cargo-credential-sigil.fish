complete -c cargo-credential-sigil -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c cargo-credential-sigil -l cargo-plugin -d 'How cargo runs a credential provider; required'
complete -c cargo-credential-sigil -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-credential-sigil -s V -l version -d 'Print version'
