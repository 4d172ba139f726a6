complete -c sigil-resolve -s i -l input -d 'The template to render (`-` for stdin, the default without REF)' -r -F
complete -c sigil-resolve -s o -l output -d 'Where to write the rendered template (default: stdout)' -r -F
complete -c sigil-resolve -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-resolve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-resolve -s V -l version -d 'Print version'
