complete -c sigil-import -l as -d 'Store it under this address instead: service/account, or service/account/field for an export of one field' -r
complete -c sigil-import -l on-conflict -d 'What to do with fields that already exist' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil-import -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-import -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil-import -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-import -s V -l version -d 'Print version'
