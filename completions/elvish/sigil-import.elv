
use builtin;
use str;

set edit:completion:arg-completer[sigil-import] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-import'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-import'= {
            cand --as 'Store it under this address instead: service/account, or service/account/field for an export of one field'
            cand --on-conflict 'What to do with fields that already exist'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
