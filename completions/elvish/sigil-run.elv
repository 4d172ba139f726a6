
use builtin;
use str;

set edit:completion:arg-completer[sigil-run] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-run'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-run'= {
            cand --env-file 'A dotenv file to add to the environment (repeatable)'
            cand --env 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)'
            cand --netrc 'Give the command a .netrc for the hosts mapped in config.toml (or these), in a private temporary file named by NETRC and CURL_HOME'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --no-mask 'Pass the command''s output through untouched'
            cand -t 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal'
            cand --pty 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal'
            cand -T 'Give the command pipes even on a terminal (its stdin is sigil''s own)'
            cand --no-pty 'Give the command pipes even on a terminal (its stdin is sigil''s own)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
