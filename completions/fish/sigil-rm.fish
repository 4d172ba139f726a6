complete -c sigil-rm -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-rm -l all -d 'Delete every secret and all metadata'
complete -c sigil-rm -l purge-identity -d 'With --all, also delete the identity wherever it is kept (file, OS keyring, passphrase file, unlocked copy, old identities) and every other file of sigil\'s: nothing stored before can be read again'
complete -c sigil-rm -s y -l yes -d 'Do not ask for confirmation'
complete -c sigil-rm -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-rm -s V -l version -d 'Print version'
