
use builtin;
use str;

set edit:completion:arg-completer[sigil-migrate] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-migrate'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-migrate'= {
            cand --rollback 'Undo a migration (the latest by default)'
            cand --key-pattern 'Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)'
            cand --prefix 'Prefix for derived services (PREFIX-SERVICE)'
            cand --service 'One service for every dotenv/JSON/TOML entry'
            cand --account 'The account instead of the source''s directory name'
            cand --on-conflict 'When an address already holds a different value (skip leaves that entry in its source, in plaintext; overwrite keeps the old value for --rollback)'
            cand --to 'Store into this backend (as --backend)'
            cand --from-backend 'Move every credential of this backend (file, keyring or vault) to --to'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Print the plan and change nothing'
            cand --dry-run 'Print the plan and change nothing'
            cand --scan 'Report plaintext credentials in the known locations and SOURCEs, masked; change nothing'
            cand --list 'Show the migrations'
            cand --force 'With --rollback: restore sources changed since the migration (the current version is kept beside as NAME.sigil-ID), leaving credentials changed since as they are'
            cand --all 'Take every dotenv value, not only credential-looking names'
            cand --json 'Print records as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
