
use builtin;
use str;

set edit:completion:arg-completer[sigil-otp] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-otp'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-otp'= {
            cand --timeout 'With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears (default: SIGIL_CLIP_TIME, then 45s)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --json 'Print the code, the seconds it has left and its parameters as JSON'
            cand --qr 'Draw the otpauth:// URI as a QR code (it holds the secret: clear the screen after)'
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
