
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-policy' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-policy'
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
        'sigil-policy' {
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
        'sigil-policy;set' {
            [CompletionResult]::new('--not-before', '--not-before', [CompletionResultType]::ParameterName, 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)')
            [CompletionResult]::new('--not-after', '--not-after', [CompletionResultType]::ParameterName, 'Refuse after WHEN')
            [CompletionResult]::new('--max-uses', '--max-uses', [CompletionResultType]::ParameterName, 'Hand it out at most N times (setting it starts a new count)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip (comma-separated)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-policy;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-policy;clear' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-policy;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set rules on an account (rules not given are kept)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an account''s policy')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove an account''s policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil-policy;help;set' {
            break
        }
        'sigil-policy;help;show' {
            break
        }
        'sigil-policy;help;clear' {
            break
        }
        'sigil-policy;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
