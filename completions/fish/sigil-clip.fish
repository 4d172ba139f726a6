complete -c sigil-clip -s t -l timeout -d 'How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)' -r
complete -c sigil-clip -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-clip -l no-refresh -d 'Copy an OAuth token as stored, even when it is about to expire'
complete -c sigil-clip -l restore -d 'Started by sigil itself: wait, then restore what the hand-over on stdin says'
complete -c sigil-clip -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-clip -s V -l version -d 'Print version'
