
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-generate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-generate'
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
        'sigil-generate' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
