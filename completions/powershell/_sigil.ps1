
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sigil' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create sigil''s home, identity and config (idempotent)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Store a secret')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Store a new random password or passphrase')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a secret in an editor')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth and store the token set')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored credentials (never their values)')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Find stored credentials by name, note or provider (never their values)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete secrets and their metadata')
            [CompletionResult]::new('mv', 'mv', [CompletionResultType]::ParameterValue, 'Move a credential, an account or a service to another address')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a credential, an account or a service to another address')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the backend, identity, counts and problems')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve auth:// references, or render a template that holds them')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with auth:// references in its environment resolved')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print resolved environment variables (for CI and `eval`)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move plaintext credentials into the store; undo it byte for byte')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Create, verify and restore encrypted backups of every secret')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show and verify the tamper-evident audit log')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health check for cron and CI')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Set, show and clear per-credential usage policies')
            [CompletionResult]::new('otp', 'otp', [CompletionResultType]::ParameterValue, 'Print the current TOTP code of an account')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'Protect the identity with a passphrase, or remove or change it')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Keep the decrypted identity in the kernel keyring for a while')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Forget the identity cached by sigil unlock')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Rotate the identity and re-encrypt every file-store secret')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add and remove the recipients of a shared folder')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write one credential to a standard age file')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read a credential written by sigil export')
            [CompletionResult]::new('netrc', 'netrc', [CompletionResultType]::ParameterValue, 'Print a .netrc for hosts mapped in config.toml')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'AWS credential_process backed by sigil')
            [CompletionResult]::new('keyring', 'keyring', [CompletionResultType]::ParameterValue, 'Python keyring command for pip and uv, backed by sigil')
            [CompletionResult]::new('askpass', 'askpass', [CompletionResultType]::ParameterValue, 'ASKPASS program for git, ssh and sudo, backed by sigil')
            [CompletionResult]::new('clip', 'clip', [CompletionResultType]::ParameterValue, 'Copy a secret to the clipboard, cleared after a while')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Share the store through a git repository')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;init' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Protect the identity with a passphrase (as `sigil identity protect` does)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;add' {
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'The field to store (default: api_key)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A note kept with the metadata (not secret)')
            [CompletionResult]::new('--qr-image', '--qr-image', [CompletionResultType]::ParameterName, 'With --totp: read the otpauth:// URI from a screenshot of its QR code (PNG or JPEG)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'With --oauth: the provider (default: the service name)')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'With --oauth: pkce, device or client-credentials')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'With --oauth: a scope to ask for (repeatable)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('--totp', '--totp', [CompletionResultType]::ParameterName, 'Store a TOTP seed (field totp): an otpauth://totp/ URI or a base32 secret, read like any secret; `sigil otp` then prints the codes')
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Run an OAuth login and store the token set, as `sigil login` does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;generate' {
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'The field to store (default: api_key)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'How many characters (default: 24)')
            [CompletionResult]::new('--length', '--length', [CompletionResultType]::ParameterName, 'How many characters (default: 24)')
            [CompletionResult]::new('--charset', '--charset', [CompletionResultType]::ParameterName, 'The characters to draw from: classes joined by commas (alnum, alpha, upper, lower, digits, hex, symbols), then optionally chars:SET for characters of your own (default: alnum,symbols)')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'Classes the password must contain, joined by commas: upper, lower, digit, symbol')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'A passphrase of N words from the EFF large word list instead of a password')
            [CompletionResult]::new('--words', '--words', [CompletionResultType]::ParameterName, 'A passphrase of N words from the EFF large word list instead of a password')
            [CompletionResult]::new('--separator', '--separator', [CompletionResultType]::ParameterName, 'With --words: what goes between the words')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A note kept with the metadata (not secret)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Leave the symbols out of the character set, as `pass generate --no-symbols` does')
            [CompletionResult]::new('--no-symbols', '--no-symbols', [CompletionResultType]::ParameterName, 'Leave the symbols out of the character set, as `pass generate --no-symbols` does')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Print the value on stdout once stored')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the value on stdout once stored')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('--clip', '--clip', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;edit' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;login' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'The OAuth provider (default: the service name)')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'The flow: pkce, device or client-credentials (default: the provider''s first)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A scope to ask for (repeatable; default: the provider''s scopes)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The registered client''s id (default: client_id in config.toml)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the login in the browser or on the other device')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the client secret from stdin (else SIGIL_CLIENT_SECRET, else config.toml)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; only print the URL')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace the tokens of an account that is already logged in')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the tokens of an account that is already logged in')
            [CompletionResult]::new('--list-providers', '--list-providers', [CompletionResultType]::ParameterName, 'List the providers sigil knows (built in and from config.toml) and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --list-providers, print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;get' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Do not print a newline after the secret')
            [CompletionResult]::new('--no-newline', '--no-newline', [CompletionResultType]::ParameterName, 'Do not print a newline after the secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object with the address and the value')
            [CompletionResult]::new('--no-refresh', '--no-refresh', [CompletionResultType]::ParameterName, 'Print an OAuth token as stored, even when it is about to expire')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('--clip', '--clip', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;list' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Print the store as a tree (service, account, fields), as `pass ls` does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;find' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Print the matches as a tree (service, account, fields), as `pass find` does')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array, as `sigil list --json` does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;rm' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Delete every secret and all metadata')
            [CompletionResult]::new('--purge-identity', '--purge-identity', [CompletionResultType]::ParameterName, 'With --all, also delete the identity wherever it is kept (file, OS keyring, passphrase file, unlocked copy, old identities) and every other file of sigil''s: nothing stored before can be read again')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;mv' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace what is at the destination (a whole account is replaced by the source''s)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace what is at the destination (a whole account is replaced by the source''s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;cp' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace what is at the destination (a whole account is replaced by the source''s)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace what is at the destination (a whole account is replaced by the source''s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;status' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show how the backend was chosen, step by step')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show how the backend was chosen, step by step')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;resolve' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'The template to render (`-` for stdin, the default without REF)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'The template to render (`-` for stdin, the default without REF)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the rendered template (default: stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the rendered template (default: stdout)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;run' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'A dotenv file to add to the environment (repeatable)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)')
            [CompletionResult]::new('--netrc', '--netrc', [CompletionResultType]::ParameterName, 'Give the command a .netrc for the hosts mapped in config.toml (or these), in a private temporary file named by NETRC and CURL_HOME')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--no-mask', '--no-mask', [CompletionResultType]::ParameterName, 'Pass the command''s output through untouched')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal')
            [CompletionResult]::new('--pty', '--pty', [CompletionResultType]::ParameterName, 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'Give the command pipes even on a terminal (its stdin is sigil''s own)')
            [CompletionResult]::new('--no-pty', '--no-pty', [CompletionResultType]::ParameterName, 'Give the command pipes even on a terminal (its stdin is sigil''s own)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;env' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'A dotenv file whose variables to print (repeatable)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;migrate' {
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Undo a migration (the latest by default)')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Prefix for derived services (PREFIX-SERVICE)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'One service for every dotenv/JSON/TOML entry')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The account instead of the source''s directory name')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'When an address already holds a different value (skip leaves that entry in its source, in plaintext; overwrite keeps the old value for --rollback)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Store into this backend (as --backend)')
            [CompletionResult]::new('--from-backend', '--from-backend', [CompletionResultType]::ParameterName, 'Move every credential of this backend (file, keyring or vault) to --to')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--scan', '--scan', [CompletionResultType]::ParameterName, 'Report plaintext credentials in the known locations and SOURCEs, masked; change nothing')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Show the migrations')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --rollback: restore sources changed since the migration (the current version is kept beside as NAME.sigil-ID), leaving credentials changed since as they are')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Take every dotenv value, not only credential-looking names')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print records as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;backup' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a backup of every secret, the metadata and the config')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup from end to end and say what it holds')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into this sigil, all or nothing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;backup;create' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Encrypt to this age public key instead of the store''s recipients (repeatable)')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Encrypt to this age public key instead of the store''s recipients (repeatable)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Encrypt to the public keys listed in this file')
            [CompletionResult]::new('--recipients-file', '--recipients-file', [CompletionResultType]::ParameterName, 'Encrypt to the public keys listed in this file')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write into a directory that others can read')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;backup;verify' {
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;backup;restore' {
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do with secrets that already exist')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be restored and change nothing')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --dry-run, print the plan as JSON')
            [CompletionResult]::new('--with-config', '--with-config', [CompletionResultType]::ParameterName, 'Also replace config.toml with the backup''s (its changes are shown first); without it, config.toml is never touched')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sigil;backup;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a backup of every secret, the metadata and the config')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup from end to end and say what it holds')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into this sigil, all or nothing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;backup;help;create' {
            break
        }
        'sigil;backup;help;verify' {
            break
        }
        'sigil;backup;help;restore' {
            break
        }
        'sigil;backup;help;help' {
            break
        }
        'sigil;audit' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;audit;show' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Only entries about this credential (service/account[/field])')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line (for a SIEM)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;audit;verify' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;audit;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;audit;help;show' {
            break
        }
        'sigil;audit;help;verify' {
            break
        }
        'sigil;audit;help;help' {
            break
        }
        'sigil;check' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;policy' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set rules on an account (rules not given are kept)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an account''s policy')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove an account''s policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;policy;set' {
            [CompletionResult]::new('--not-before', '--not-before', [CompletionResultType]::ParameterName, 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)')
            [CompletionResult]::new('--not-after', '--not-after', [CompletionResultType]::ParameterName, 'Refuse after WHEN')
            [CompletionResult]::new('--max-uses', '--max-uses', [CompletionResultType]::ParameterName, 'Hand it out at most N times (setting it starts a new count)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip (comma-separated)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;policy;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;policy;clear' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;policy;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set rules on an account (rules not given are kept)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an account''s policy')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove an account''s policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;policy;help;set' {
            break
        }
        'sigil;policy;help;show' {
            break
        }
        'sigil;policy;help;clear' {
            break
        }
        'sigil;policy;help;help' {
            break
        }
        'sigil;otp' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the code, the seconds it has left and its parameters as JSON')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Draw the otpauth:// URI as a QR code (it holds the secret: clear the screen after)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('--clip', '--clip', [CompletionResultType]::ParameterName, 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;identity' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('protect', 'protect', [CompletionResultType]::ParameterValue, 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)')
            [CompletionResult]::new('unprotect', 'unprotect', [CompletionResultType]::ParameterValue, 'Store the identity as a plain 0600 identity.txt again')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Change the passphrase')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;identity;protect' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;identity;unprotect' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;identity;passwd' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;identity;help' {
            [CompletionResult]::new('protect', 'protect', [CompletionResultType]::ParameterValue, 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)')
            [CompletionResult]::new('unprotect', 'unprotect', [CompletionResultType]::ParameterValue, 'Store the identity as a plain 0600 identity.txt again')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Change the passphrase')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;identity;help;protect' {
            break
        }
        'sigil;identity;help;unprotect' {
            break
        }
        'sigil;identity;help;passwd' {
            break
        }
        'sigil;identity;help;help' {
            break
        }
        'sigil;unlock' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)')
            [CompletionResult]::new('--user-keyring', '--user-keyring', [CompletionResultType]::ParameterName, 'Without a session keyring of this login''s own (no pam_keyinit: su, containers, some SSH setups), keep the identity in the user-session keyring anyway, where every process of your user in any session can use it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;lock' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;rekey' {
            [CompletionResult]::new('--purge-old', '--purge-old', [CompletionResultType]::ParameterName, 'Do not rotate: delete the old identities kept by earlier rotations')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;recipients' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print the public keys a folder''s secrets are encrypted to')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an age or SSH public key to a folder and re-encrypt its secrets')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;recipients;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print them as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;recipients;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for the key, kept as a `# name:` comment above it')
            [CompletionResult]::new('--ssh-keys', '--ssh-keys', [CompletionResultType]::ParameterName, 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person''s before sharing secrets with them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;recipients;rm' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;recipients;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print the public keys a folder''s secrets are encrypted to')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an age or SSH public key to a folder and re-encrypt its secrets')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;recipients;help;list' {
            break
        }
        'sigil;recipients;help;add' {
            break
        }
        'sigil;recipients;help;rm' {
            break
        }
        'sigil;recipients;help;help' {
            break
        }
        'sigil;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Encrypt to this age public key instead of your own (repeatable)')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Encrypt to this age public key instead of your own (repeatable)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Encrypt to the public keys listed in this file (one per line, # comments)')
            [CompletionResult]::new('--recipients-file', '--recipients-file', [CompletionResultType]::ParameterName, 'Encrypt to the public keys listed in this file (one per line, # comments)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message')
            [CompletionResult]::new('--armor', '--armor', [CompletionResultType]::ParameterName, 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;import' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Store it under this address instead: service/account, or service/account/field for an export of one field')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do with fields that already exist')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;netrc' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;aws' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;aws;credential-process' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sigil;aws;help' {
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;aws;help;credential-process' {
            break
        }
        'sigil;aws;help;help' {
            break
        }
        'sigil;keyring' {
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'What to print for a found credential: password, or creds (username, then password)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'How to print it: plain (one value a line) or json ({"username","password"})')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;askpass' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;clip' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--no-refresh', '--no-refresh', [CompletionResultType]::ParameterName, 'Copy an OAuth token as stored, even when it is about to expire')
            [CompletionResult]::new('--restore', '--restore', [CompletionResultType]::ParameterName, 'Started by sigil itself: wait, then restore what the hand-over on stdin says')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;sync' {
            [CompletionResult]::new('--merge-driver', '--merge-driver', [CompletionResultType]::ParameterName, 'Merge accounts.toml as git''s merge driver (git runs this, not people)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Make this home''s store a git repository and set its remote')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Take a shared store onto this machine')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'End a conflict: keep this machine''s value or the other one')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;sync;init' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;sync;clone' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil;sync;resolve' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'mine: the value in this store; theirs: the copy kept under conflicts/')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sigil;sync;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Make this home''s store a git repository and set its remote')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Take a shared store onto this machine')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'End a conflict: keep this machine''s value or the other one')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;sync;help;init' {
            break
        }
        'sigil;sync;help;clone' {
            break
        }
        'sigil;sync;help;resolve' {
            break
        }
        'sigil;sync;help;help' {
            break
        }
        'sigil;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create sigil''s home, identity and config (idempotent)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Store a secret')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Store a new random password or passphrase')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a secret in an editor')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth and store the token set')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored credentials (never their values)')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Find stored credentials by name, note or provider (never their values)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete secrets and their metadata')
            [CompletionResult]::new('mv', 'mv', [CompletionResultType]::ParameterValue, 'Move a credential, an account or a service to another address')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a credential, an account or a service to another address')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the backend, identity, counts and problems')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve auth:// references, or render a template that holds them')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with auth:// references in its environment resolved')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print resolved environment variables (for CI and `eval`)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move plaintext credentials into the store; undo it byte for byte')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Create, verify and restore encrypted backups of every secret')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show and verify the tamper-evident audit log')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health check for cron and CI')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Set, show and clear per-credential usage policies')
            [CompletionResult]::new('otp', 'otp', [CompletionResultType]::ParameterValue, 'Print the current TOTP code of an account')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'Protect the identity with a passphrase, or remove or change it')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Keep the decrypted identity in the kernel keyring for a while')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Forget the identity cached by sigil unlock')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Rotate the identity and re-encrypt every file-store secret')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add and remove the recipients of a shared folder')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write one credential to a standard age file')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read a credential written by sigil export')
            [CompletionResult]::new('netrc', 'netrc', [CompletionResultType]::ParameterValue, 'Print a .netrc for hosts mapped in config.toml')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'AWS credential_process backed by sigil')
            [CompletionResult]::new('keyring', 'keyring', [CompletionResultType]::ParameterValue, 'Python keyring command for pip and uv, backed by sigil')
            [CompletionResult]::new('askpass', 'askpass', [CompletionResultType]::ParameterValue, 'ASKPASS program for git, ssh and sudo, backed by sigil')
            [CompletionResult]::new('clip', 'clip', [CompletionResultType]::ParameterValue, 'Copy a secret to the clipboard, cleared after a while')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Share the store through a git repository')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;help;init' {
            break
        }
        'sigil;help;add' {
            break
        }
        'sigil;help;generate' {
            break
        }
        'sigil;help;edit' {
            break
        }
        'sigil;help;login' {
            break
        }
        'sigil;help;get' {
            break
        }
        'sigil;help;list' {
            break
        }
        'sigil;help;find' {
            break
        }
        'sigil;help;rm' {
            break
        }
        'sigil;help;mv' {
            break
        }
        'sigil;help;cp' {
            break
        }
        'sigil;help;status' {
            break
        }
        'sigil;help;resolve' {
            break
        }
        'sigil;help;run' {
            break
        }
        'sigil;help;env' {
            break
        }
        'sigil;help;migrate' {
            break
        }
        'sigil;help;backup' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a backup of every secret, the metadata and the config')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a backup from end to end and say what it holds')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into this sigil, all or nothing')
            break
        }
        'sigil;help;backup;create' {
            break
        }
        'sigil;help;backup;verify' {
            break
        }
        'sigil;help;backup;restore' {
            break
        }
        'sigil;help;audit' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not')
            break
        }
        'sigil;help;audit;show' {
            break
        }
        'sigil;help;audit;verify' {
            break
        }
        'sigil;help;check' {
            break
        }
        'sigil;help;policy' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set rules on an account (rules not given are kept)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an account''s policy')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove an account''s policy')
            break
        }
        'sigil;help;policy;set' {
            break
        }
        'sigil;help;policy;show' {
            break
        }
        'sigil;help;policy;clear' {
            break
        }
        'sigil;help;otp' {
            break
        }
        'sigil;help;identity' {
            [CompletionResult]::new('protect', 'protect', [CompletionResultType]::ParameterValue, 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)')
            [CompletionResult]::new('unprotect', 'unprotect', [CompletionResultType]::ParameterValue, 'Store the identity as a plain 0600 identity.txt again')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Change the passphrase')
            break
        }
        'sigil;help;identity;protect' {
            break
        }
        'sigil;help;identity;unprotect' {
            break
        }
        'sigil;help;identity;passwd' {
            break
        }
        'sigil;help;unlock' {
            break
        }
        'sigil;help;lock' {
            break
        }
        'sigil;help;rekey' {
            break
        }
        'sigil;help;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print the public keys a folder''s secrets are encrypted to')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an age or SSH public key to a folder and re-encrypt its secrets')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets')
            break
        }
        'sigil;help;recipients;list' {
            break
        }
        'sigil;help;recipients;add' {
            break
        }
        'sigil;help;recipients;rm' {
            break
        }
        'sigil;help;export' {
            break
        }
        'sigil;help;import' {
            break
        }
        'sigil;help;netrc' {
            break
        }
        'sigil;help;aws' {
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)')
            break
        }
        'sigil;help;aws;credential-process' {
            break
        }
        'sigil;help;keyring' {
            break
        }
        'sigil;help;askpass' {
            break
        }
        'sigil;help;clip' {
            break
        }
        'sigil;help;sync' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Make this home''s store a git repository and set its remote')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Take a shared store onto this machine')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'End a conflict: keep this machine''s value or the other one')
            break
        }
        'sigil;help;sync;init' {
            break
        }
        'sigil;help;sync;clone' {
            break
        }
        'sigil;help;sync;resolve' {
            break
        }
        'sigil;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
