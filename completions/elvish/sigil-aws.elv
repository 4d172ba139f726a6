
use builtin;
use str;

set edit:completion:arg-completer[sigil-aws] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-aws'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-aws'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand credential-process 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-aws;credential-process'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil-aws;help'= {
            cand credential-process 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-aws;help;credential-process'= {
        }
        &'sigil-aws;help;help'= {
        }
    ]
    $completions[$command]
}
