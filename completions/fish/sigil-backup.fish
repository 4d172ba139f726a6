# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_backup_global_optspecs
    string join \n backend= h/help V/version
end

function __fish_sigil_backup_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_backup_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_backup_using_subcommand
    set -l cmd (__fish_sigil_backup_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -s V -l version -d 'Print version'
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -f -a "create" -d 'Write a backup of every secret, the metadata and the config'
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -f -a "verify" -d 'Check a backup from end to end and say what it holds'
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -f -a "restore" -d 'Restore a backup into this sigil, all or nothing'
complete -c sigil-backup -n "__fish_sigil_backup_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -s o -l output -d 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)' -r -F
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -s r -l recipient -d 'Encrypt to this age public key instead of the store\'s recipients (repeatable)' -r
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -s R -l recipients-file -d 'Encrypt to the public keys listed in this file' -r -F
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -l passphrase -d 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -l force -d 'Write into a directory that others can read'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand create" -s h -l help -d 'Print help'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand verify" -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand verify" -l json -d 'Print the report as JSON'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand verify" -s h -l help -d 'Print help'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -l on-conflict -d 'What to do with secrets that already exist' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -l dry-run -d 'Print what would be restored and change nothing'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -l json -d 'With --dry-run, print the plan as JSON'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -l with-config -d 'Also replace config.toml with the backup\'s (its changes are shown first); without it, config.toml is never touched'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand help; and not __fish_seen_subcommand_from create verify restore help" -f -a "create" -d 'Write a backup of every secret, the metadata and the config'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand help; and not __fish_seen_subcommand_from create verify restore help" -f -a "verify" -d 'Check a backup from end to end and say what it holds'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand help; and not __fish_seen_subcommand_from create verify restore help" -f -a "restore" -d 'Restore a backup into this sigil, all or nothing'
complete -c sigil-backup -n "__fish_sigil_backup_using_subcommand help; and not __fish_seen_subcommand_from create verify restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
