
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
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth and store the token set')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored credentials (never their values)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete secrets and their metadata')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the backend, identity, counts and problems')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve auth:// references, or render a template that holds them')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with auth:// references in its environment resolved')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print resolved environment variables (for CI and `eval`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;init' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
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
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'With --oauth: the provider (default: the service name)')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'With --oauth: pkce, device or client-credentials')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'With --oauth: a scope to ask for (repeatable)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing secret')
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Run an OAuth login and store the token set, as `sigil login` does')
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
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
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
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Do not print a newline after the secret')
            [CompletionResult]::new('--no-newline', '--no-newline', [CompletionResultType]::ParameterName, 'Do not print a newline after the secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object with the address and the value')
            [CompletionResult]::new('--no-refresh', '--no-refresh', [CompletionResultType]::ParameterName, 'Print an OAuth token as stored, even when it is about to expire')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;list' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;rm' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Delete every secret and all metadata')
            [CompletionResult]::new('--purge-identity', '--purge-identity', [CompletionResultType]::ParameterName, 'With --all, also delete the identity file (nothing stored before can be read again)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;status' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
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
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;run' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'A dotenv file to add to the environment (repeatable)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('--no-mask', '--no-mask', [CompletionResultType]::ParameterName, 'Pass the command''s output through untouched')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;env' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'A dotenv file whose variables to print (repeatable)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sigil;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create sigil''s home, identity and config (idempotent)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Store a secret')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in with OAuth and store the token set')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stored credentials (never their values)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete secrets and their metadata')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the backend, identity, counts and problems')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve auth:// references, or render a template that holds them')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with auth:// references in its environment resolved')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print resolved environment variables (for CI and `eval`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil;help;init' {
            break
        }
        'sigil;help;add' {
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
        'sigil;help;rm' {
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
        'sigil;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
