
use builtin;
use str;

set edit:completion:arg-completer[sigil-add] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-add'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-add'= {
            cand --field 'The field to store (default: api_key)'
            cand --expires 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d'
            cand --note 'A note kept with the metadata (not secret)'
            cand --qr-image 'With --totp: read the otpauth:// URI from a screenshot of its QR code (PNG or JPEG)'
            cand --provider 'With --oauth: the provider (default: the service name)'
            cand --flow 'With --oauth: pkce, device or client-credentials'
            cand --scope 'With --oauth: a scope to ask for (repeatable)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -f 'Replace an existing secret'
            cand --force 'Replace an existing secret'
            cand --totp 'Store a TOTP seed (field totp): an otpauth://totp/ URI or a base32 secret, read like any secret; `sigil otp` then prints the codes'
            cand --oauth 'Run an OAuth login and store the token set, as `sigil login` does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
