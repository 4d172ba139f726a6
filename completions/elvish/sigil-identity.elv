
use builtin;
use str;

set edit:completion:arg-completer[sigil-identity] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-identity'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-identity'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand protect 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
            cand unprotect 'Store the identity as a plain 0600 identity.txt again'
            cand passwd 'Change the passphrase'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-identity;protect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-identity;unprotect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-identity;passwd'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-identity;help'= {
            cand protect 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
            cand unprotect 'Store the identity as a plain 0600 identity.txt again'
            cand passwd 'Change the passphrase'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-identity;help;protect'= {
        }
        &'sigil-identity;help;unprotect'= {
        }
        &'sigil-identity;help;passwd'= {
        }
        &'sigil-identity;help;help'= {
        }
    ]
    $completions[$command]
}
