
use builtin;
use str;

set edit:completion:arg-completer[sigil-sync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-sync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-sync'= {
            cand --merge-driver 'Merge accounts.toml as git''s merge driver (git runs this, not people)'
            cand --json 'Print a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Make this home''s store a git repository and set its remote'
            cand clone 'Take a shared store onto this machine'
            cand resolve 'End a conflict: keep this machine''s value or the other one'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-sync;init'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-sync;clone'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-sync;resolve'= {
            cand --keep 'mine: the value in this store; theirs: the copy kept under conflicts/'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil-sync;help'= {
            cand init 'Make this home''s store a git repository and set its remote'
            cand clone 'Take a shared store onto this machine'
            cand resolve 'End a conflict: keep this machine''s value or the other one'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-sync;help;init'= {
        }
        &'sigil-sync;help;clone'= {
        }
        &'sigil-sync;help;resolve'= {
        }
        &'sigil-sync;help;help'= {
        }
    ]
    $completions[$command]
}
