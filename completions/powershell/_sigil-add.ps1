
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-add' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-add'
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
        'sigil-add' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
