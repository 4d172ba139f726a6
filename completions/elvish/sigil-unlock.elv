
use builtin;
use str;

set edit:completion:arg-completer[sigil-unlock] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-unlock'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-unlock'= {
            cand --for 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)'
            cand --user-keyring 'Without a session keyring of this login''s own (no pam_keyinit: su, containers, some SSH setups), keep the identity in the user-session keyring anyway, where every process of your user in any session can use it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
