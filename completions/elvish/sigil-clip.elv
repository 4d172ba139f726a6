
use builtin;
use str;

set edit:completion:arg-completer[sigil-clip] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-clip'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-clip'= {
            cand -t 'How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)'
            cand --timeout 'How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --no-refresh 'Copy an OAuth token as stored, even when it is about to expire'
            cand --restore 'Started by sigil itself: wait, then restore what the hand-over on stdin says'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
