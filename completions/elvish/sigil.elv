
use builtin;
use str;

set edit:completion:arg-completer[sigil] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sigil'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sigil'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create sigil''s home, identity and config (idempotent)'
            cand add 'Store a secret'
            cand login 'Log in with OAuth and store the token set'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand status 'Show the backend, identity, counts and problems'
            cand resolve 'Resolve auth:// references, or render a template that holds them'
            cand run 'Run a command with auth:// references in its environment resolved'
            cand env 'Print resolved environment variables (for CI and `eval`)'
            cand migrate 'Move plaintext credentials into the store; undo it byte for byte'
            cand backup 'Create, verify and restore encrypted backups of every secret'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;init'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;add'= {
            cand --field 'The field to store (default: api_key)'
            cand --expires 'When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d'
            cand --note 'A note kept with the metadata (not secret)'
            cand --provider 'With --oauth: the provider (default: the service name)'
            cand --flow 'With --oauth: pkce, device or client-credentials'
            cand --scope 'With --oauth: a scope to ask for (repeatable)'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -f 'Replace an existing secret'
            cand --force 'Replace an existing secret'
            cand --oauth 'Run an OAuth login and store the token set, as `sigil login` does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;login'= {
            cand --provider 'The OAuth provider (default: the service name)'
            cand --flow 'The flow: pkce, device or client-credentials (default: the provider''s first)'
            cand --scope 'A scope to ask for (repeatable; default: the provider''s scopes)'
            cand --client-id 'The registered client''s id (default: client_id in config.toml)'
            cand --timeout 'How long to wait for the login in the browser or on the other device'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
        &'sigil;get'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Do not print a newline after the secret'
            cand --no-newline 'Do not print a newline after the secret'
            cand --json 'Print a JSON object with the address and the value'
            cand --no-refresh 'Print an OAuth token as stored, even when it is about to expire'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;list'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --json 'Print a JSON array'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;rm'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --all 'Delete every secret and all metadata'
            cand --purge-identity 'With --all, also delete the identity file (nothing stored before can be read again)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;status'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -v 'Also show how the backend was chosen, step by step'
            cand --verbose 'Also show how the backend was chosen, step by step'
            cand --json 'Print a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;resolve'= {
            cand -i 'The template to render (`-` for stdin, the default without REF)'
            cand --input 'The template to render (`-` for stdin, the default without REF)'
            cand -o 'Where to write the rendered template (default: stdout)'
            cand --output 'Where to write the rendered template (default: stdout)'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;run'= {
            cand --env-file 'A dotenv file to add to the environment (repeatable)'
            cand --env 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --no-mask 'Pass the command''s output through untouched'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;env'= {
            cand --format 'The output format'
            cand --env-file 'A dotenv file whose variables to print (repeatable)'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;migrate'= {
            cand --rollback 'Undo a migration (the latest by default)'
            cand --key-pattern 'Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)'
            cand --prefix 'Prefix for derived services (PREFIX-SERVICE)'
            cand --service 'One service for every dotenv/JSON/TOML entry'
            cand --account 'The account instead of the source''s directory name'
            cand --on-conflict 'When an address already holds a different value: fail (default), skip (leave that entry in the source) or overwrite (the old value is restored on rollback)'
            cand --to 'Store into this backend (as --backend)'
            cand --from-backend 'Move every credential of this backend (file or keyring) to --to'
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -n 'Print the plan and change nothing'
            cand --dry-run 'Print the plan and change nothing'
            cand --scan 'Report plaintext credentials in the known locations and SOURCEs, masked; change nothing'
            cand --list 'Show the migrations'
            cand --force 'With --rollback: restore sources changed since the migration (the current version is kept beside as NAME.sigil-ID), leaving credentials changed since as they are'
            cand --all 'Take every dotenv value, not only credential-looking names'
            cand --json 'Print records as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;backup'= {
            cand --backend 'Use this backend: auto, file, keyring or env (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Write a backup of every secret, the metadata and the config'
            cand verify 'Check a backup from end to end and say what it holds'
            cand restore 'Restore a backup into this sigil, all or nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;backup;create'= {
            cand -o 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)'
            cand --output 'Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)'
            cand -r 'Encrypt to this age public key instead of the store''s recipients (repeatable)'
            cand --recipient 'Encrypt to this age public key instead of the store''s recipients (repeatable)'
            cand -R 'Encrypt to the public keys listed in this file'
            cand --recipients-file 'Encrypt to the public keys listed in this file'
            cand --passphrase 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
            cand --force 'Write into a directory that others can read'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;backup;verify'= {
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand --json 'Print the report as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;backup;restore'= {
            cand --on-conflict 'What to do with secrets that already exist'
            cand --dry-run 'Print what would be restored and change nothing'
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand --json 'With --dry-run, print the plan as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil;backup;help'= {
            cand create 'Write a backup of every secret, the metadata and the config'
            cand verify 'Check a backup from end to end and say what it holds'
            cand restore 'Restore a backup into this sigil, all or nothing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;backup;help;create'= {
        }
        &'sigil;backup;help;verify'= {
        }
        &'sigil;backup;help;restore'= {
        }
        &'sigil;backup;help;help'= {
        }
        &'sigil;help'= {
            cand init 'Create sigil''s home, identity and config (idempotent)'
            cand add 'Store a secret'
            cand login 'Log in with OAuth and store the token set'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand status 'Show the backend, identity, counts and problems'
            cand resolve 'Resolve auth:// references, or render a template that holds them'
            cand run 'Run a command with auth:// references in its environment resolved'
            cand env 'Print resolved environment variables (for CI and `eval`)'
            cand migrate 'Move plaintext credentials into the store; undo it byte for byte'
            cand backup 'Create, verify and restore encrypted backups of every secret'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;help;init'= {
        }
        &'sigil;help;add'= {
        }
        &'sigil;help;login'= {
        }
        &'sigil;help;get'= {
        }
        &'sigil;help;list'= {
        }
        &'sigil;help;rm'= {
        }
        &'sigil;help;status'= {
        }
        &'sigil;help;resolve'= {
        }
        &'sigil;help;run'= {
        }
        &'sigil;help;env'= {
        }
        &'sigil;help;migrate'= {
        }
        &'sigil;help;backup'= {
            cand create 'Write a backup of every secret, the metadata and the config'
            cand verify 'Check a backup from end to end and say what it holds'
            cand restore 'Restore a backup into this sigil, all or nothing'
        }
        &'sigil;help;backup;create'= {
        }
        &'sigil;help;backup;verify'= {
        }
        &'sigil;help;backup;restore'= {
        }
        &'sigil;help;help'= {
        }
    ]
    $completions[$command]
}
