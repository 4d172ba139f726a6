
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-run' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-run'
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
        'sigil-run' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
