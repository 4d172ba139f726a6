# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_aws_global_optspecs
    string join \n h/help V/version
end

function __fish_sigil_aws_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_aws_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_aws_using_subcommand
    set -l cmd (__fish_sigil_aws_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-aws -n "__fish_sigil_aws_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-aws -n "__fish_sigil_aws_needs_command" -s V -l version -d 'Print version'
complete -c sigil-aws -n "__fish_sigil_aws_needs_command" -f -a "credential-process" -d 'Print an account\'s keys as credential_process JSON (run by the AWS SDKs)'
complete -c sigil-aws -n "__fish_sigil_aws_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-aws -n "__fish_sigil_aws_using_subcommand credential-process" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-aws -n "__fish_sigil_aws_using_subcommand credential-process" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-aws -n "__fish_sigil_aws_using_subcommand help; and not __fish_seen_subcommand_from credential-process help" -f -a "credential-process" -d 'Print an account\'s keys as credential_process JSON (run by the AWS SDKs)'
complete -c sigil-aws -n "__fish_sigil_aws_using_subcommand help; and not __fish_seen_subcommand_from credential-process help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
