
use builtin;
use str;

set edit:completion:arg-completer[sigil-recipients] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil-recipients'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil-recipients'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'Print the public keys a folder''s secrets are encrypted to'
            cand add 'Add an age or SSH public key to a folder and re-encrypt its secrets'
            cand rm 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-recipients;list'= {
            cand --json 'Print them as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-recipients;add'= {
            cand --name 'A name for the key, kept as a `# name:` comment above it'
            cand --ssh-keys 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person''s before sharing secrets with them'
            cand --force 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-recipients;rm'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil-recipients;help'= {
            cand list 'Print the public keys a folder''s secrets are encrypted to'
            cand add 'Add an age or SSH public key to a folder and re-encrypt its secrets'
            cand rm 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil-recipients;help;list'= {
        }
        &'sigil-recipients;help;add'= {
        }
        &'sigil-recipients;help;rm'= {
        }
        &'sigil-recipients;help;help'= {
        }
    ]
    $completions[$command]
}
