
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-login' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-login'
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
        'sigil-login' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
