# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_identity_global_optspecs
    string join \n h/help V/version
end

function __fish_sigil_identity_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_identity_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_identity_using_subcommand
    set -l cmd (__fish_sigil_identity_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -s V -l version -d 'Print version'
complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -f -a "protect" -d 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -f -a "unprotect" -d 'Store the identity as a plain 0600 identity.txt again'
complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -f -a "passwd" -d 'Change the passphrase'
complete -c sigil-identity -n "__fish_sigil_identity_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand protect" -s h -l help -d 'Print help'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand unprotect" -s h -l help -d 'Print help'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand passwd" -s h -l help -d 'Print help'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand help; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "protect" -d 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand help; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "unprotect" -d 'Store the identity as a plain 0600 identity.txt again'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand help; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "passwd" -d 'Change the passphrase'
complete -c sigil-identity -n "__fish_sigil_identity_using_subcommand help; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
