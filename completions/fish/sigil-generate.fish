complete -c sigil-generate -l field -d 'The field to store (default: api_key)' -r
complete -c sigil-generate -s l -l length -d 'How many characters (default: 24)' -r
complete -c sigil-generate -l charset -d 'The characters to draw from: classes joined by commas (alnum, alpha, upper, lower, digits, hex, symbols), then optionally chars:SET for characters of your own (default: alnum,symbols)' -r
complete -c sigil-generate -l require -d 'Classes the password must contain, joined by commas: upper, lower, digit, symbol' -r
complete -c sigil-generate -s w -l words -d 'A passphrase of N words from the EFF large word list instead of a password' -r
complete -c sigil-generate -l separator -d 'With --words: what goes between the words' -r
complete -c sigil-generate -l timeout -d 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)' -r
complete -c sigil-generate -l expires -d 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d' -r
complete -c sigil-generate -l note -d 'A note kept with the metadata (not secret)' -r
complete -c sigil-generate -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-generate -s n -l no-symbols -d 'Leave the symbols out of the character set, as `pass generate --no-symbols` does'
complete -c sigil-generate -s p -l print -d 'Print the value on stdout once stored'
complete -c sigil-generate -s c -l clip -d 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
complete -c sigil-generate -s f -l force -d 'Replace an existing secret'
complete -c sigil-generate -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-generate -s V -l version -d 'Print version'
