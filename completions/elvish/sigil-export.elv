
use builtin;
use str;

set edit:completion:arg-completer[sigil-export] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-export'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-export'= {
            cand -o 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)'
            cand --output 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)'
            cand -r 'Encrypt to this age public key instead of your own (repeatable)'
            cand --recipient 'Encrypt to this age public key instead of your own (repeatable)'
            cand -R 'Encrypt to the public keys listed in this file (one per line, # comments)'
            cand --recipients-file 'Encrypt to the public keys listed in this file (one per line, # comments)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --passphrase 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
            cand -a 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
            cand --armor 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
