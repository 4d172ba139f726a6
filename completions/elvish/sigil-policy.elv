
use builtin;
use str;

set edit:completion:arg-completer[sigil-policy] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-policy'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-policy'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Set rules on an account (rules not given are kept)'
            cand show 'Print an account''s policy'
            cand clear 'Remove an account''s policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-policy;set'= {
            cand --not-before 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)'
            cand --not-after 'Refuse after WHEN'
            cand --max-uses 'Hand it out at most N times (setting it starts a new count)'
            cand --allow 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip (comma-separated)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-policy;show'= {
            cand --json 'Print a JSON object'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-policy;clear'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-policy;help'= {
            cand set 'Set rules on an account (rules not given are kept)'
            cand show 'Print an account''s policy'
            cand clear 'Remove an account''s policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-policy;help;set'= {
        }
        &'sigil-policy;help;show'= {
        }
        &'sigil-policy;help;clear'= {
        }
        &'sigil-policy;help;help'= {
        }
    ]
    $completions[$command]
}
