# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_recipients_global_optspecs
    string join \n backend= h/help V/version
end

function __fish_sigil_recipients_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_recipients_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_recipients_using_subcommand
    set -l cmd (__fish_sigil_recipients_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -s V -l version -d 'Print version'
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -f -a "list" -d 'Print the public keys a folder\'s secrets are encrypted to'
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -f -a "add" -d 'Add an age or SSH public key to a folder and re-encrypt its secrets'
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -f -a "rm" -d 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
complete -c sigil-recipients -n "__fish_sigil_recipients_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand list" -l json -d 'Print them as JSON'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand list" -s h -l help -d 'Print help'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand add" -l name -d 'A name for the key, kept as a `# name:` comment above it' -r
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand add" -l ssh-keys -d 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person\'s before sharing secrets with them' -r -F
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand add" -l force -d 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand add" -s h -l help -d 'Print help'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand rm" -s h -l help -d 'Print help'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand help; and not __fish_seen_subcommand_from list add rm help" -f -a "list" -d 'Print the public keys a folder\'s secrets are encrypted to'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand help; and not __fish_seen_subcommand_from list add rm help" -f -a "add" -d 'Add an age or SSH public key to a folder and re-encrypt its secrets'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand help; and not __fish_seen_subcommand_from list add rm help" -f -a "rm" -d 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
complete -c sigil-recipients -n "__fish_sigil_recipients_using_subcommand help; and not __fish_seen_subcommand_from list add rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
