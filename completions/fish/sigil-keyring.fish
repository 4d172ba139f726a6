complete -c sigil-keyring -l mode -d 'What to print for a found credential: password, or creds (username, then password)' -r -f -a "password\t''
creds\t''"
complete -c sigil-keyring -l output -d 'How to print it: plain (one value a line) or json ({"username","password"})' -r -f -a "plain\t''
json\t''"
complete -c sigil-keyring -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-keyring -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-keyring -s V -l version -d 'Print version'
