complete -c sigil-env -l format -d 'The output format' -r -f -a "shell\t'`export NAME=\'value\'` lines for `eval`'
dotenv\t'`NAME=value` lines, quoted where needed'
json\t'One JSON object'
github\t'GitHub Actions: `::add-mask::` lines, and the variables appended to $GITHUB_ENV'"
complete -c sigil-env -l env-file -d 'A dotenv file whose variables to print (repeatable)' -r -F
complete -c sigil-env -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-env -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-env -s V -l version -d 'Print version'
