
use builtin;
use str;

set edit:completion:arg-completer[sigil-backup] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-backup'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-backup'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Write a backup of every secret, the metadata and the config'
            cand verify 'Check a backup from end to end and say what it holds'
            cand restore 'Restore a backup into this sigil, all or nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-backup;create'= {
            cand -o 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)'
            cand --output 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)'
            cand -r 'Encrypt to this age public key instead of the store''s recipients (repeatable)'
            cand --recipient 'Encrypt to this age public key instead of the store''s recipients (repeatable)'
            cand -R 'Encrypt to the public keys listed in this file'
            cand --recipients-file 'Encrypt to the public keys listed in this file'
            cand --passphrase 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
            cand --force 'Write into a directory that others can read'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-backup;verify'= {
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand --json 'Print the report as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-backup;restore'= {
            cand --on-conflict 'What to do with secrets that already exist'
            cand --dry-run 'Print what would be restored and change nothing'
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand --json 'With --dry-run, print the plan as JSON'
            cand --with-config 'Also replace config.toml with the backup''s (its changes are shown first); without it, config.toml is never touched'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil-backup;help'= {
            cand create 'Write a backup of every secret, the metadata and the config'
            cand verify 'Check a backup from end to end and say what it holds'
            cand restore 'Restore a backup into this sigil, all or nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-backup;help;create'= {
        }
        &'sigil-backup;help;verify'= {
        }
        &'sigil-backup;help;restore'= {
        }
        &'sigil-backup;help;help'= {
        }
    ]
    $completions[$command]
}
