# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_policy_global_optspecs
    string join \n backend= h/help V/version
end

function __fish_sigil_policy_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_policy_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_policy_using_subcommand
    set -l cmd (__fish_sigil_policy_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -s V -l version -d 'Print version'
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -f -a "set" -d 'Set rules on an account (rules not given are kept)'
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -f -a "show" -d 'Print an account\'s policy'
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -f -a "clear" -d 'Remove an account\'s policy'
complete -c sigil-policy -n "__fish_sigil_policy_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand set" -l not-before -d 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)' -r
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand set" -l not-after -d 'Refuse after WHEN' -r
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand set" -l max-uses -d 'Hand it out at most N times (setting it starts a new count)' -r
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand set" -l allow -d 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip (comma-separated)' -r
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand set" -s h -l help -d 'Print help'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand show" -l json -d 'Print a JSON object'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand show" -s h -l help -d 'Print help'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand clear" -s h -l help -d 'Print help'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand help; and not __fish_seen_subcommand_from set show clear help" -f -a "set" -d 'Set rules on an account (rules not given are kept)'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand help; and not __fish_seen_subcommand_from set show clear help" -f -a "show" -d 'Print an account\'s policy'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand help; and not __fish_seen_subcommand_from set show clear help" -f -a "clear" -d 'Remove an account\'s policy'
complete -c sigil-policy -n "__fish_sigil_policy_using_subcommand help; and not __fish_seen_subcommand_from set show clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
