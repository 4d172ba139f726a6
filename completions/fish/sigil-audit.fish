# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_audit_global_optspecs
    string join \n backend= h/help V/version
end

function __fish_sigil_audit_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_audit_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_audit_using_subcommand
    set -l cmd (__fish_sigil_audit_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -s V -l version -d 'Print version'
complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -f -a "show" -d 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -f -a "verify" -d 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
complete -c sigil-audit -n "__fish_sigil_audit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand show" -l since -d 'Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)' -r
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand show" -l address -d 'Only entries about this credential (service/account[/field])' -r
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand show" -l event -d 'Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)' -r
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand show" -l json -d 'Print one JSON object per line (for a SIEM)'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand show" -s h -l help -d 'Print help'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand verify" -s h -l help -d 'Print help'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand help; and not __fish_seen_subcommand_from show verify help" -f -a "show" -d 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand help; and not __fish_seen_subcommand_from show verify help" -f -a "verify" -d 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
complete -c sigil-audit -n "__fish_sigil_audit_using_subcommand help; and not __fish_seen_subcommand_from show verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
