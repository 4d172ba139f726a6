complete -c sigil-run -l env-file -d 'A dotenv file to add to the environment (repeatable)' -r -F
complete -c sigil-run -l env -d 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)' -r
complete -c sigil-run -l netrc -d 'Give the command a .netrc for the hosts mapped in config.toml (or these), in a private temporary file named by NETRC and CURL_HOME' -r
complete -c sigil-run -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-run -l no-mask -d 'Pass the command\'s output through untouched'
complete -c sigil-run -s t -l pty -d 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal'
complete -c sigil-run -s T -l no-pty -d 'Give the command pipes even on a terminal (its stdin is sigil\'s own)'
complete -c sigil-run -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-run -s V -l version -d 'Print version'
