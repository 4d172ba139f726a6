
use builtin;
use str;

set edit:completion:arg-completer[sigil-login] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-login'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-login'= {
            cand --provider 'The OAuth provider (default: the service name)'
            cand --flow 'The flow: pkce, device or client-credentials (default: the provider''s first)'
            cand --scope 'A scope to ask for (repeatable; default: the provider''s scopes)'
            cand --client-id 'The registered client''s id (default: client_id in config.toml)'
            cand --timeout 'How long to wait for the login in the browser or on the other device'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --client-secret-stdin 'Read the client secret from stdin (else SIGIL_CLIENT_SECRET, else config.toml)'
            cand --no-browser 'Do not open a browser; only print the URL'
            cand -f 'Replace the tokens of an account that is already logged in'
            cand --force 'Replace the tokens of an account that is already logged in'
            cand --list-providers 'List the providers sigil knows (built in and from config.toml) and exit'
            cand --json 'With --list-providers, print JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
