complete -c sigil-add -l field -d 'The field to store (default: api_key)' -r
complete -c sigil-add -l expires -d 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d' -r
complete -c sigil-add -l note -d 'A note kept with the metadata (not secret)' -r
complete -c sigil-add -l qr-image -d 'With --totp: read the otpauth:// URI from a screenshot of its QR code (PNG or JPEG)' -r -F
complete -c sigil-add -l provider -d 'With --oauth: the provider (default: the service name)' -r
complete -c sigil-add -l flow -d 'With --oauth: pkce, device or client-credentials' -r
complete -c sigil-add -l scope -d 'With --oauth: a scope to ask for (repeatable)' -r
complete -c sigil-add -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-add -s f -l force -d 'Replace an existing secret'
complete -c sigil-add -l totp -d 'Store a TOTP seed (field totp): an otpauth://totp/ URI or a base32 secret, read like any secret; `sigil otp` then prints the codes'
complete -c sigil-add -l oauth -d 'Run an OAuth login and store the token set, as `sigil login` does'
complete -c sigil-add -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-add -s V -l version -d 'Print version'
