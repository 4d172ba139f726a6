
use builtin;
use str;

set edit:completion:arg-completer[sigil] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create sigil''s home, identity and config (idempotent)'
            cand add 'Store a secret'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand status 'Show the backend, identity, counts and problems'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;init'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;add'= {
            cand --field 'The field to store (default: api_key)'
            cand --expires 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d'
            cand --note 'A note kept with the metadata (not secret)'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -f 'Replace an existing secret'
            cand --force 'Replace an existing secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;get'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Do not print a newline after the secret'
            cand --no-newline 'Do not print a newline after the secret'
            cand --json 'Print a JSON object with the address and the value'
            cand --no-refresh 'Print an OAuth token as stored, even when it is about to expire'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;list'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --json 'Print a JSON array'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;rm'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --all 'Delete every secret and all metadata'
            cand --purge-identity 'With --all, also delete the identity file (nothing stored before can be read again)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;status'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -v 'Also show how the backend was chosen, step by step'
            cand --verbose 'Also show how the backend was chosen, step by step'
            cand --json 'Print a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;help'= {
            cand init 'Create sigil''s home, identity and config (idempotent)'
            cand add 'Store a secret'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand status 'Show the backend, identity, counts and problems'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;help;init'= {
        }
        &'sigil;help;add'= {
        }
        &'sigil;help;get'= {
        }
        &'sigil;help;list'= {
        }
        &'sigil;help;rm'= {
        }
        &'sigil;help;status'= {
        }
        &'sigil;help;help'= {
        }
    ]
    $completions[$command]
}
