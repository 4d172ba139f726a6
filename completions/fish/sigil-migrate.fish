complete -c sigil-migrate -l rollback -d 'Undo a migration (the latest by default)' -r
complete -c sigil-migrate -l key-pattern -d 'Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)' -r
complete -c sigil-migrate -l prefix -d 'Prefix for derived services (PREFIX-SERVICE)' -r
complete -c sigil-migrate -l service -d 'One service for every dotenv/JSON/TOML entry' -r
complete -c sigil-migrate -l account -d 'The account instead of the source\'s directory name' -r
complete -c sigil-migrate -l on-conflict -d 'When an address already holds a different value (skip leaves that entry in its source, in plaintext; overwrite keeps the old value for --rollback)' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil-migrate -l to -d 'Store into this backend (as --backend)' -r
complete -c sigil-migrate -l from-backend -d 'Move every credential of this backend (file or keyring) to --to' -r
complete -c sigil-migrate -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-migrate -s n -l dry-run -d 'Print the plan and change nothing'
complete -c sigil-migrate -l scan -d 'Report plaintext credentials in the known locations and SOURCEs, masked; change nothing'
complete -c sigil-migrate -l list -d 'Show the migrations'
complete -c sigil-migrate -l force -d 'With --rollback: restore sources changed since the migration (the current version is kept beside as NAME.sigil-ID), leaving credentials changed since as they are'
complete -c sigil-migrate -l all -d 'Take every dotenv value, not only credential-looking names'
complete -c sigil-migrate -l json -d 'Print records as JSON'
complete -c sigil-migrate -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-migrate -s V -l version -d 'Print version'
