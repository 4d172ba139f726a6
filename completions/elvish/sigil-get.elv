
use builtin;
use str;

set edit:completion:arg-completer[sigil-get] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-get'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-get'= {
            cand --timeout 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Do not print a newline after the secret'
            cand --no-newline 'Do not print a newline after the secret'
            cand --json 'Print a JSON object with the address and the value'
            cand --no-refresh 'Print an OAuth token as stored, even when it is about to expire'
            cand -c 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
            cand --clip 'Copy the value to the clipboard instead of printing it, cleared after the timeout (`sigil clip`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
