
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-clip' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-clip'
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
        'sigil-clip' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
