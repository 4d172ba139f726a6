# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_global_optspecs
    string join \n h/help V/version
end

function __fish_sigil_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_using_subcommand
    set -l cmd (__fish_sigil_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil -n "__fish_sigil_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_needs_command" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "init" -d 'Create sigil\'s home, identity and config (idempotent)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "add" -d 'Store a secret'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "generate" -d 'Store a new random password or passphrase'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "edit" -d 'Change a secret in an editor'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "login" -d 'Log in with OAuth and store the token set'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "get" -d 'Print a secret on stdout'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "list" -d 'List stored credentials (never their values)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "find" -d 'Find stored credentials by name, note or provider (never their values)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "rm" -d 'Delete secrets and their metadata'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "mv" -d 'Move a credential, an account or a service to another address'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "cp" -d 'Copy a credential, an account or a service to another address'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "status" -d 'Show the backend, identity, counts and problems'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "resolve" -d 'Resolve auth:// references, or render a template that holds them'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "run" -d 'Run a command with auth:// references in its environment resolved'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "env" -d 'Print resolved environment variables (for CI and `eval`)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "migrate" -d 'Move plaintext credentials into the store; undo it byte for byte'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "backup" -d 'Create, verify and restore encrypted backups of every secret'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "audit" -d 'Show and verify the tamper-evident audit log'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "check" -d 'Health check for cron and CI'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "policy" -d 'Set, show and clear per-credential usage policies'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "otp" -d 'Print the current TOTP code of an account'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "identity" -d 'Protect the identity with a passphrase, or remove or change it'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "unlock" -d 'Keep the decrypted identity in the kernel keyring for a while'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "lock" -d 'Forget the identity cached by sigil unlock'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "rekey" -d 'Rotate the identity and re-encrypt every file-store secret'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "recipients" -d 'List, add and remove the recipients of a shared folder'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "export" -d 'Write one credential to a standard age file'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "import" -d 'Read a credential written by sigil export'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "netrc" -d 'Print a .netrc for hosts mapped in config.toml'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "aws" -d 'AWS credential_process backed by sigil'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "keyring" -d 'Python keyring command for pip and uv, backed by sigil'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "askpass" -d 'ASKPASS program for git, ssh and sudo, backed by sigil'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand init" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand init" -l passphrase -d 'Protect the identity with a passphrase (as `sigil identity protect` does)'
complete -c sigil -n "__fish_sigil_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand init" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand add" -l field -d 'The field to store (default: api_key)' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l expires -d 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l note -d 'A note kept with the metadata (not secret)' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l qr-image -d 'With --totp: read the otpauth:// URI from a screenshot of its QR code (PNG or JPEG)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand add" -l provider -d 'With --oauth: the provider (default: the service name)' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l flow -d 'With --oauth: pkce, device or client-credentials' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l scope -d 'With --oauth: a scope to ask for (repeatable)' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand add" -s f -l force -d 'Replace an existing secret'
complete -c sigil -n "__fish_sigil_using_subcommand add" -l totp -d 'Store a TOTP seed (field totp): an otpauth://totp/ URI or a base32 secret, read like any secret; `sigil otp` then prints the codes'
complete -c sigil -n "__fish_sigil_using_subcommand add" -l oauth -d 'Run an OAuth login and store the token set, as `sigil login` does'
complete -c sigil -n "__fish_sigil_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand add" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l field -d 'The field to store (default: api_key)' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s l -l length -d 'How many characters (default: 24)' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l charset -d 'The characters to draw from: classes joined by commas (alnum, alpha, upper, lower, digits, hex, symbols), then optionally chars:SET for characters of your own (default: alnum,symbols)' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l require -d 'Classes the password must contain, joined by commas: upper, lower, digit, symbol' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s w -l words -d 'A passphrase of N words from the EFF large word list instead of a password' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l separator -d 'With --words: what goes between the words' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l expires -d 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l note -d 'A note kept with the metadata (not secret)' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s n -l no-symbols -d 'Leave the symbols out of the character set, as `pass generate --no-symbols` does'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s p -l print -d 'Print the value on stdout once stored'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s f -l force -d 'Replace an existing secret'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand edit" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand edit" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand login" -l provider -d 'The OAuth provider (default: the service name)' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l flow -d 'The flow: pkce, device or client-credentials (default: the provider\'s first)' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l scope -d 'A scope to ask for (repeatable; default: the provider\'s scopes)' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l client-id -d 'The registered client\'s id (default: client_id in config.toml)' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l timeout -d 'How long to wait for the login in the browser or on the other device' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand login" -l client-secret-stdin -d 'Read the client secret from stdin (else SIGIL_CLIENT_SECRET, else config.toml)'
complete -c sigil -n "__fish_sigil_using_subcommand login" -l no-browser -d 'Do not open a browser; only print the URL'
complete -c sigil -n "__fish_sigil_using_subcommand login" -s f -l force -d 'Replace the tokens of an account that is already logged in'
complete -c sigil -n "__fish_sigil_using_subcommand login" -l list-providers -d 'List the providers sigil knows (built in and from config.toml) and exit'
complete -c sigil -n "__fish_sigil_using_subcommand login" -l json -d 'With --list-providers, print JSON'
complete -c sigil -n "__fish_sigil_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand login" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand get" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand get" -s n -l no-newline -d 'Do not print a newline after the secret'
complete -c sigil -n "__fish_sigil_using_subcommand get" -l json -d 'Print a JSON object with the address and the value'
complete -c sigil -n "__fish_sigil_using_subcommand get" -l no-refresh -d 'Print an OAuth token as stored, even when it is about to expire'
complete -c sigil -n "__fish_sigil_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand get" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand list" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand list" -l json -d 'Print a JSON array'
complete -c sigil -n "__fish_sigil_using_subcommand list" -l tree -d 'Print the store as a tree (service, account, fields), as `pass ls` does'
complete -c sigil -n "__fish_sigil_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand list" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand find" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand find" -l tree -d 'Print the matches as a tree (service, account, fields), as `pass find` does'
complete -c sigil -n "__fish_sigil_using_subcommand find" -l json -d 'Print a JSON array, as `sigil list --json` does'
complete -c sigil -n "__fish_sigil_using_subcommand find" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand find" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand rm" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand rm" -l all -d 'Delete every secret and all metadata'
complete -c sigil -n "__fish_sigil_using_subcommand rm" -l purge-identity -d 'With --all, also delete the identity wherever it is kept (file, OS keyring, passphrase file, unlocked copy, old identities) and every other file of sigil\'s: nothing stored before can be read again'
complete -c sigil -n "__fish_sigil_using_subcommand rm" -s y -l yes -d 'Do not ask for confirmation'
complete -c sigil -n "__fish_sigil_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand rm" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand mv" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand mv" -s f -l force -d 'Replace what is at the destination (a whole account is replaced by the source\'s)'
complete -c sigil -n "__fish_sigil_using_subcommand mv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand mv" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand cp" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand cp" -s f -l force -d 'Replace what is at the destination (a whole account is replaced by the source\'s)'
complete -c sigil -n "__fish_sigil_using_subcommand cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand cp" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand status" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand status" -s v -l verbose -d 'Also show how the backend was chosen, step by step'
complete -c sigil -n "__fish_sigil_using_subcommand status" -l json -d 'Print a JSON object'
complete -c sigil -n "__fish_sigil_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand status" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand resolve" -s i -l input -d 'The template to render (`-` for stdin, the default without REF)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand resolve" -s o -l output -d 'Where to write the rendered template (default: stdout)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand resolve" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand resolve" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand run" -l env-file -d 'A dotenv file to add to the environment (repeatable)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand run" -l env -d 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)' -r
complete -c sigil -n "__fish_sigil_using_subcommand run" -l netrc -d 'Give the command a .netrc for the hosts mapped in config.toml (or these), in a private temporary file named by NETRC and CURL_HOME' -r
complete -c sigil -n "__fish_sigil_using_subcommand run" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand run" -l no-mask -d 'Pass the command\'s output through untouched'
complete -c sigil -n "__fish_sigil_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand run" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand env" -l format -d 'The output format' -r -f -a "shell\t'`export NAME=\'value\'` lines for `eval`'
dotenv\t'`NAME=value` lines, quoted where needed'
json\t'One JSON object'
github\t'GitHub Actions: `::add-mask::` lines, and the variables appended to $GITHUB_ENV'"
complete -c sigil -n "__fish_sigil_using_subcommand env" -l env-file -d 'A dotenv file whose variables to print (repeatable)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand env" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand env" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l rollback -d 'Undo a migration (the latest by default)' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l key-pattern -d 'Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l prefix -d 'Prefix for derived services (PREFIX-SERVICE)' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l service -d 'One service for every dotenv/JSON/TOML entry' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l account -d 'The account instead of the source\'s directory name' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l on-conflict -d 'When an address already holds a different value (skip leaves that entry in its source, in plaintext; overwrite keeps the old value for --rollback)' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l to -d 'Store into this backend (as --backend)' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l from-backend -d 'Move every credential of this backend (file or keyring) to --to' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -s n -l dry-run -d 'Print the plan and change nothing'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l scan -d 'Report plaintext credentials in the known locations and SOURCEs, masked; change nothing'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l list -d 'Show the migrations'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l force -d 'With --rollback: restore sources changed since the migration (the current version is kept beside as NAME.sigil-ID), leaving credentials changed since as they are'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l all -d 'Take every dotenv value, not only credential-looking names'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -l json -d 'Print records as JSON'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -f -a "create" -d 'Write a backup of every secret, the metadata and the config'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -f -a "verify" -d 'Check a backup from end to end and say what it holds'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -f -a "restore" -d 'Restore a backup into this sigil, all or nothing'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and not __fish_seen_subcommand_from create verify restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -s o -l output -d 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -s r -l recipient -d 'Encrypt to this age public key instead of the store\'s recipients (repeatable)' -r
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -s R -l recipients-file -d 'Encrypt to the public keys listed in this file' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -l passphrase -d 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -l force -d 'Write into a directory that others can read'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from verify" -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from verify" -l json -d 'Print the report as JSON'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -l on-conflict -d 'What to do with secrets that already exist' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -l dry-run -d 'Print what would be restored and change nothing'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -l json -d 'With --dry-run, print the plan as JSON'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -l with-config -d 'Also replace config.toml with the backup\'s (its changes are shown first); without it, config.toml is never touched'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "create" -d 'Write a backup of every secret, the metadata and the config'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a backup from end to end and say what it holds'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restore a backup into this sigil, all or nothing'
complete -c sigil -n "__fish_sigil_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -f -a "show" -d 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -f -a "verify" -d 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and not __fish_seen_subcommand_from show verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from show" -l since -d 'Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)' -r
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from show" -l address -d 'Only entries about this credential (service/account[/field])' -r
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from show" -l event -d 'Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)' -r
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON object per line (for a SIEM)'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
complete -c sigil -n "__fish_sigil_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand check" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand check" -l json -d 'Print a JSON object'
complete -c sigil -n "__fish_sigil_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand check" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -f -a "set" -d 'Set rules on an account (rules not given are kept)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -f -a "show" -d 'Print an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -f -a "clear" -d 'Remove an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from set show clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from set" -l not-before -d 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)' -r
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from set" -l not-after -d 'Refuse after WHEN' -r
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from set" -l max-uses -d 'Hand it out at most N times (setting it starts a new count)' -r
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from set" -l allow -d 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass (comma-separated)' -r
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from show" -l json -d 'Print a JSON object'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set rules on an account (rules not given are kept)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand otp" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand otp" -l json -d 'Print the code, the seconds it has left and its parameters as JSON'
complete -c sigil -n "__fish_sigil_using_subcommand otp" -l qr -d 'Draw the otpauth:// URI as a QR code (it holds the secret: clear the screen after)'
complete -c sigil -n "__fish_sigil_using_subcommand otp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand otp" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "protect" -d 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "unprotect" -d 'Store the identity as a plain 0600 identity.txt again'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "passwd" -d 'Change the passphrase'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and not __fish_seen_subcommand_from protect unprotect passwd help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from protect" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from unprotect" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "protect" -d 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "unprotect" -d 'Store the identity as a plain 0600 identity.txt again'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Change the passphrase'
complete -c sigil -n "__fish_sigil_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand unlock" -l for -d 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)' -r
complete -c sigil -n "__fish_sigil_using_subcommand unlock" -l user-keyring -d 'Without a session keyring of this login\'s own (no pam_keyinit: su, containers, some SSH setups), keep the identity in the user-session keyring anyway, where every process of your user in any session can use it'
complete -c sigil -n "__fish_sigil_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand unlock" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand lock" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand rekey" -l purge-old -d 'Do not rotate: delete the old identities kept by earlier rotations'
complete -c sigil -n "__fish_sigil_using_subcommand rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand rekey" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -f -a "list" -d 'Print the public keys a folder\'s secrets are encrypted to'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -f -a "add" -d 'Add an age or SSH public key to a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -f -a "rm" -d 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and not __fish_seen_subcommand_from list add rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from list" -l json -d 'Print them as JSON'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from add" -l name -d 'A name for the key, kept as a `# name:` comment above it' -r
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from add" -l ssh-keys -d 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person\'s before sharing secrets with them' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from add" -l force -d 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "list" -d 'Print the public keys a folder\'s secrets are encrypted to'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an age or SSH public key to a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand export" -s o -l output -d 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand export" -s r -l recipient -d 'Encrypt to this age public key instead of your own (repeatable)' -r
complete -c sigil -n "__fish_sigil_using_subcommand export" -s R -l recipients-file -d 'Encrypt to the public keys listed in this file (one per line, # comments)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand export" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand export" -l passphrase -d 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
complete -c sigil -n "__fish_sigil_using_subcommand export" -s a -l armor -d 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
complete -c sigil -n "__fish_sigil_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand export" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand import" -l as -d 'Store it under this address instead: service/account, or service/account/field for an export of one field' -r
complete -c sigil -n "__fish_sigil_using_subcommand import" -l on-conflict -d 'What to do with fields that already exist' -r -f -a "fail\t'Refuse the whole command before writing anything, listing the conflicts'
skip\t'Keep what is there'
overwrite\t'Replace it'"
complete -c sigil -n "__fish_sigil_using_subcommand import" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand import" -l passphrase -d 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
complete -c sigil -n "__fish_sigil_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand import" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand netrc" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand netrc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand netrc" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and not __fish_seen_subcommand_from credential-process help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and not __fish_seen_subcommand_from credential-process help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and not __fish_seen_subcommand_from credential-process help" -f -a "credential-process" -d 'Print an account\'s keys as credential_process JSON (run by the AWS SDKs)'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and not __fish_seen_subcommand_from credential-process help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and __fish_seen_subcommand_from credential-process" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand aws; and __fish_seen_subcommand_from credential-process" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and __fish_seen_subcommand_from help" -f -a "credential-process" -d 'Print an account\'s keys as credential_process JSON (run by the AWS SDKs)'
complete -c sigil -n "__fish_sigil_using_subcommand aws; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand keyring" -l mode -d 'What to print for a found credential: password, or creds (username, then password)' -r -f -a "password\t''
creds\t''"
complete -c sigil -n "__fish_sigil_using_subcommand keyring" -l output -d 'How to print it: plain (one value a line) or json ({"username","password"})' -r -f -a "plain\t''
json\t''"
complete -c sigil -n "__fish_sigil_using_subcommand keyring" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand keyring" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand keyring" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand askpass" -l backend -d 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)' -r
complete -c sigil -n "__fish_sigil_using_subcommand askpass" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand askpass" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "init" -d 'Create sigil\'s home, identity and config (idempotent)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "add" -d 'Store a secret'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "generate" -d 'Store a new random password or passphrase'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "edit" -d 'Change a secret in an editor'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "login" -d 'Log in with OAuth and store the token set'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "get" -d 'Print a secret on stdout'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "list" -d 'List stored credentials (never their values)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "find" -d 'Find stored credentials by name, note or provider (never their values)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "rm" -d 'Delete secrets and their metadata'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "mv" -d 'Move a credential, an account or a service to another address'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "cp" -d 'Copy a credential, an account or a service to another address'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "status" -d 'Show the backend, identity, counts and problems'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "resolve" -d 'Resolve auth:// references, or render a template that holds them'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "run" -d 'Run a command with auth:// references in its environment resolved'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "env" -d 'Print resolved environment variables (for CI and `eval`)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "migrate" -d 'Move plaintext credentials into the store; undo it byte for byte'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "backup" -d 'Create, verify and restore encrypted backups of every secret'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "audit" -d 'Show and verify the tamper-evident audit log'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "check" -d 'Health check for cron and CI'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "policy" -d 'Set, show and clear per-credential usage policies'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "otp" -d 'Print the current TOTP code of an account'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "identity" -d 'Protect the identity with a passphrase, or remove or change it'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "unlock" -d 'Keep the decrypted identity in the kernel keyring for a while'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "lock" -d 'Forget the identity cached by sigil unlock'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "rekey" -d 'Rotate the identity and re-encrypt every file-store secret'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "recipients" -d 'List, add and remove the recipients of a shared folder'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "export" -d 'Write one credential to a standard age file'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "import" -d 'Read a credential written by sigil export'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "netrc" -d 'Print a .netrc for hosts mapped in config.toml'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "aws" -d 'AWS credential_process backed by sigil'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "keyring" -d 'Python keyring command for pip and uv, backed by sigil'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "askpass" -d 'ASKPASS program for git, ssh and sudo, backed by sigil'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from init add generate edit login get list find rm mv cp status resolve run env migrate backup audit check policy otp identity unlock lock rekey recipients export import netrc aws keyring askpass help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "create" -d 'Write a backup of every secret, the metadata and the config'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "verify" -d 'Check a backup from end to end and say what it holds'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "restore" -d 'Restore a backup into this sigil, all or nothing'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "show" -d 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "set" -d 'Set rules on an account (rules not given are kept)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "show" -d 'Print an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "clear" -d 'Remove an account\'s policy'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "protect" -d 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "unprotect" -d 'Store the identity as a plain 0600 identity.txt again'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "passwd" -d 'Change the passphrase'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "list" -d 'Print the public keys a folder\'s secrets are encrypted to'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "add" -d 'Add an age or SSH public key to a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "rm" -d 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from aws" -f -a "credential-process" -d 'Print an account\'s keys as credential_process JSON (run by the AWS SDKs)'
