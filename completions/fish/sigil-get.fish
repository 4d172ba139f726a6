complete -c sigil-get -l timeout -d 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)' -r
complete -c sigil-get -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-get -s n -l no-newline -d 'Do not print a newline after the secret'
complete -c sigil-get -l json -d 'Print a JSON object with the address and the value'
complete -c sigil-get -l no-refresh -d 'Print an OAuth token as stored, even when it is about to expire'
complete -c sigil-get -s c -l clip -d 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
complete -c sigil-get -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-get -s V -l version -d 'Print version'
