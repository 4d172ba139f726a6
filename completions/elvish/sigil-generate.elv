
use builtin;
use str;

set edit:completion:arg-completer[sigil-generate] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-generate'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-generate'= {
            cand --field 'The field to store (default: api_key)'
            cand -l 'How many characters (default: 24)'
            cand --length 'How many characters (default: 24)'
            cand --charset 'The characters to draw from: classes joined by commas (alnum, alpha, upper, lower, digits, hex, symbols), then optionally chars:SET for characters of your own (default: alnum,symbols)'
            cand --require 'Classes the password must contain, joined by commas: upper, lower, digit, symbol'
            cand -w 'A passphrase of N words from the EFF large word list instead of a password'
            cand --words 'A passphrase of N words from the EFF large word list instead of a password'
            cand --separator 'With --words: what goes between the words'
            cand --timeout 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)'
            cand --expires 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d'
            cand --note 'A note kept with the metadata (not secret)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Leave the symbols out of the character set, as `pass generate --no-symbols` does'
            cand --no-symbols 'Leave the symbols out of the character set, as `pass generate --no-symbols` does'
            cand -p 'Print the value on stdout once stored'
            cand --print 'Print the value on stdout once stored'
            cand -c 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
            cand --clip 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
            cand -f 'Replace an existing secret'
            cand --force 'Replace an existing secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
