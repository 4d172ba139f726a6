
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-recipients' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-recipients'
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
        'sigil-recipients' {
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
        'sigil-recipients;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print them as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-recipients;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for the key, kept as a `# name:` comment above it')
            [CompletionResult]::new('--ssh-keys', '--ssh-keys', [CompletionResultType]::ParameterName, 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person''s before sharing secrets with them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-recipients;rm' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sigil-recipients;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Print the public keys a folder''s secrets are encrypted to')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an age or SSH public key to a folder and re-encrypt its secrets')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sigil-recipients;help;list' {
            break
        }
        'sigil-recipients;help;add' {
            break
        }
        'sigil-recipients;help;rm' {
            break
        }
        'sigil-recipients;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
