complete -c sigil-export -s o -l output -d 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)' -r -F
complete -c sigil-export -s r -l recipient -d 'Encrypt to this age public key instead of your own (repeatable)' -r
complete -c sigil-export -s R -l recipients-file -d 'Encrypt to the public keys listed in this file (one per line, # comments)' -r -F
complete -c sigil-export -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-export -l passphrase -d 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
complete -c sigil-export -s a -l armor -d 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
complete -c sigil-export -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-export -s V -l version -d 'Print version'
