
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sigil-migrate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sigil-migrate'
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
        'sigil-migrate' {
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
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
