complete -c sigil-otp -l timeout -d 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)' -r
complete -c sigil-otp -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-otp -l json -d 'Print the code, the seconds it has left and its parameters as JSON'
complete -c sigil-otp -l qr -d 'Draw the otpauth:// URI as a QR code (it holds the secret: clear the screen after)'
complete -c sigil-otp -s c -l clip -d 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
complete -c sigil-otp -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-otp -s V -l version -d 'Print version'
