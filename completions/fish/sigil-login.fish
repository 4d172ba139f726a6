complete -c sigil-login -l provider -d 'The OAuth provider (default: the service name)' -r
complete -c sigil-login -l flow -d 'The flow: pkce, device or client-credentials (default: the provider\'s first)' -r
complete -c sigil-login -l scope -d 'A scope to ask for (repeatable; default: the provider\'s scopes)' -r
complete -c sigil-login -l client-id -d 'The registered client\'s id (default: client_id in config.toml)' -r
complete -c sigil-login -l timeout -d 'How long to wait for the login in the browser or on the other device' -r
complete -c sigil-login -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-login -l client-secret-stdin -d 'Read the client secret from stdin (else SIGIL_CLIENT_SECRET, else config.toml)'
complete -c sigil-login -l no-browser -d 'Do not open a browser; only print the URL'
complete -c sigil-login -s f -l force -d 'Replace the tokens of an account that is already logged in'
complete -c sigil-login -l list-providers -d 'List the providers sigil knows (built in and from config.toml) and exit'
complete -c sigil-login -l json -d 'With --list-providers, print JSON'
complete -c sigil-login -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-login -s V -l version -d 'Print version'
