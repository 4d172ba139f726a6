complete -c sigil-mv -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-mv -s f -l force -d 'Replace what is at the destination (a whole account is replaced by the source\'s)'
complete -c sigil-mv -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-mv -s V -l version -d 'Print version'
