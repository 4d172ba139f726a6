
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
            cand generate 'Store a new random password or passphrase'
            cand edit 'Change a secret in an editor'
            cand login 'Log in with OAuth and store the token set'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand find 'Find stored credentials by name, note or provider (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand mv 'Move a credential, an account or a service to another address'
            cand cp 'Copy a credential, an account or a service to another address'
            cand status 'Show the backend, identity, counts and problems'
            cand resolve 'Resolve auth:// references, or render a template that holds them'
            cand run 'Run a command with auth:// references in its environment resolved'
            cand env 'Print resolved environment variables (for CI and `eval`)'
            cand migrate 'Move plaintext credentials into the store; undo it byte for byte'
            cand backup 'Create, verify and restore encrypted backups of every secret'
            cand audit 'Show and verify the tamper-evident audit log'
            cand check 'Health check for cron and CI'
            cand policy 'Set, show and clear per-credential usage policies'
            cand otp 'Print the current TOTP code of an account'
            cand identity 'Protect the identity with a passphrase, or remove or change it'
            cand unlock 'Keep the decrypted identity in the kernel keyring for a while'
            cand lock 'Forget the identity cached by sigil unlock'
            cand rekey 'Rotate the identity and re-encrypt every file-store secret'
            cand recipients 'List, add and remove the recipients of a shared folder'
            cand export 'Write one credential to a standard age file'
            cand import 'Read a credential written by sigil export'
            cand netrc 'Print a .netrc for hosts mapped in config.toml'
            cand aws 'AWS credential_process backed by sigil'
            cand keyring 'Python keyring command for pip and uv, backed by sigil'
            cand askpass 'ASKPASS program for git, ssh and sudo, backed by sigil'
            cand clip 'Copy a secret to the clipboard, cleared after a while'
            cand sync 'Share the store through a git repository'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;init'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --passphrase 'Protect the identity with a passphrase (as `sigil identity protect` does)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;add'= {
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
        &'sigil;generate'= {
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
        &'sigil;edit'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
        &'sigil;get'= {
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
        &'sigil;list'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --json 'Print a JSON array'
            cand --tree 'Print the store as a tree (service, account, fields), as `pass ls` does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;find'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --tree 'Print the matches as a tree (service, account, fields), as `pass find` does'
            cand --json 'Print a JSON array, as `sigil list --json` does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;rm'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --all 'Delete every secret and all metadata'
            cand --purge-identity 'With --all, also delete the identity wherever it is kept (file, OS keyring, passphrase file, unlocked copy, old identities) and every other file of sigil''s: nothing stored before can be read again'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;mv'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -f 'Replace what is at the destination (a whole account is replaced by the source''s)'
            cand --force 'Replace what is at the destination (a whole account is replaced by the source''s)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;cp'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -f 'Replace what is at the destination (a whole account is replaced by the source''s)'
            cand --force 'Replace what is at the destination (a whole account is replaced by the source''s)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;status'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;run'= {
            cand --env-file 'A dotenv file to add to the environment (repeatable)'
            cand --env 'A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)'
            cand --netrc 'Give the command a .netrc for the hosts mapped in config.toml (or these), in a private temporary file named by NETRC and CURL_HOME'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --no-mask 'Pass the command''s output through untouched'
            cand -t 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal'
            cand --pty 'Give the command a pseudo-terminal even when stdin or stdout is not a terminal'
            cand -T 'Give the command pipes even on a terminal (its stdin is sigil''s own)'
            cand --no-pty 'Give the command pipes even on a terminal (its stdin is sigil''s own)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;env'= {
            cand --format 'The output format'
            cand --env-file 'A dotenv file whose variables to print (repeatable)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
            cand --on-conflict 'When an address already holds a different value (skip leaves that entry in its source, in plaintext; overwrite keeps the old value for --rollback)'
            cand --to 'Store into this backend (as --backend)'
            cand --from-backend 'Move every credential of this backend (file, keyring or vault) to --to'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
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
            cand --with-config 'Also replace config.toml with the backup''s (its changes are shown first); without it, config.toml is never touched'
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
        &'sigil;audit'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
            cand verify 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;audit;show'= {
            cand --since 'Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)'
            cand --address 'Only entries about this credential (service/account[/field])'
            cand --event 'Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)'
            cand --json 'Print one JSON object per line (for a SIEM)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;audit;verify'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;audit;help'= {
            cand show 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
            cand verify 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;audit;help;show'= {
        }
        &'sigil;audit;help;verify'= {
        }
        &'sigil;audit;help;help'= {
        }
        &'sigil;check'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --json 'Print a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;policy'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Set rules on an account (rules not given are kept)'
            cand show 'Print an account''s policy'
            cand clear 'Remove an account''s policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;policy;set'= {
            cand --not-before 'Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)'
            cand --not-after 'Refuse after WHEN'
            cand --max-uses 'Hand it out at most N times (setting it starts a new count)'
            cand --allow 'Only these commands may hand it out: get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip (comma-separated)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;policy;show'= {
            cand --json 'Print a JSON object'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;policy;clear'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;policy;help'= {
            cand set 'Set rules on an account (rules not given are kept)'
            cand show 'Print an account''s policy'
            cand clear 'Remove an account''s policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;policy;help;set'= {
        }
        &'sigil;policy;help;show'= {
        }
        &'sigil;policy;help;clear'= {
        }
        &'sigil;policy;help;help'= {
        }
        &'sigil;otp'= {
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
        &'sigil;identity'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand protect 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
            cand unprotect 'Store the identity as a plain 0600 identity.txt again'
            cand passwd 'Change the passphrase'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;identity;protect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;identity;unprotect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;identity;passwd'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;identity;help'= {
            cand protect 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
            cand unprotect 'Store the identity as a plain 0600 identity.txt again'
            cand passwd 'Change the passphrase'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;identity;help;protect'= {
        }
        &'sigil;identity;help;unprotect'= {
        }
        &'sigil;identity;help;passwd'= {
        }
        &'sigil;identity;help;help'= {
        }
        &'sigil;unlock'= {
            cand --for 'How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)'
            cand --user-keyring 'Without a session keyring of this login''s own (no pam_keyinit: su, containers, some SSH setups), keep the identity in the user-session keyring anyway, where every process of your user in any session can use it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;lock'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;rekey'= {
            cand --purge-old 'Do not rotate: delete the old identities kept by earlier rotations'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;recipients'= {
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
        &'sigil;recipients;list'= {
            cand --json 'Print them as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;recipients;add'= {
            cand --name 'A name for the key, kept as a `# name:` comment above it'
            cand --ssh-keys 'Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves them (`-`: standard input); lines age cannot encrypt to are reported and skipped. Check the keys are the person''s before sharing secrets with them'
            cand --force 'Hand the new recipient secrets whose usage policy forbids copies (a run-only secret, say); recorded in the audit log'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;recipients;rm'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;recipients;help'= {
            cand list 'Print the public keys a folder''s secrets are encrypted to'
            cand add 'Add an age or SSH public key to a folder and re-encrypt its secrets'
            cand rm 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;recipients;help;list'= {
        }
        &'sigil;recipients;help;add'= {
        }
        &'sigil;recipients;help;rm'= {
        }
        &'sigil;recipients;help;help'= {
        }
        &'sigil;export'= {
            cand -o 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)'
            cand --output 'Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)'
            cand -r 'Encrypt to this age public key instead of your own (repeatable)'
            cand --recipient 'Encrypt to this age public key instead of your own (repeatable)'
            cand -R 'Encrypt to the public keys listed in this file (one per line, # comments)'
            cand --recipients-file 'Encrypt to the public keys listed in this file (one per line, # comments)'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --passphrase 'Encrypt with a passphrase (asked twice on a terminal, else read from stdin)'
            cand -a 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
            cand --armor 'Write ASCII armor (PEM-style text) instead of binary, to paste into a message'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;import'= {
            cand --as 'Store it under this address instead: service/account, or service/account/field for an export of one field'
            cand --on-conflict 'What to do with fields that already exist'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand --passphrase 'Open it with a passphrase (detected by itself; asked on a terminal, else stdin)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;netrc'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;aws'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand credential-process 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;aws;credential-process'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil;aws;help'= {
            cand credential-process 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;aws;help;credential-process'= {
        }
        &'sigil;aws;help;help'= {
        }
        &'sigil;keyring'= {
            cand --mode 'What to print for a found credential: password, or creds (username, then password)'
            cand --output 'How to print it: plain (one value a line) or json ({"username","password"})'
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;askpass'= {
            cand --backend 'Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in config.toml, then auto)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sigil;clip'= {
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
        &'sigil;sync'= {
            cand --merge-driver 'Merge accounts.toml as git''s merge driver (git runs this, not people)'
            cand --json 'Print a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Make this home''s store a git repository and set its remote'
            cand clone 'Take a shared store onto this machine'
            cand resolve 'End a conflict: keep this machine''s value or the other one'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;sync;init'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;sync;clone'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sigil;sync;resolve'= {
            cand --keep 'mine: the value in this store; theirs: the copy kept under conflicts/'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sigil;sync;help'= {
            cand init 'Make this home''s store a git repository and set its remote'
            cand clone 'Take a shared store onto this machine'
            cand resolve 'End a conflict: keep this machine''s value or the other one'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;sync;help;init'= {
        }
        &'sigil;sync;help;clone'= {
        }
        &'sigil;sync;help;resolve'= {
        }
        &'sigil;sync;help;help'= {
        }
        &'sigil;help'= {
            cand init 'Create sigil''s home, identity and config (idempotent)'
            cand add 'Store a secret'
            cand generate 'Store a new random password or passphrase'
            cand edit 'Change a secret in an editor'
            cand login 'Log in with OAuth and store the token set'
            cand get 'Print a secret on stdout'
            cand list 'List stored credentials (never their values)'
            cand find 'Find stored credentials by name, note or provider (never their values)'
            cand rm 'Delete secrets and their metadata'
            cand mv 'Move a credential, an account or a service to another address'
            cand cp 'Copy a credential, an account or a service to another address'
            cand status 'Show the backend, identity, counts and problems'
            cand resolve 'Resolve auth:// references, or render a template that holds them'
            cand run 'Run a command with auth:// references in its environment resolved'
            cand env 'Print resolved environment variables (for CI and `eval`)'
            cand migrate 'Move plaintext credentials into the store; undo it byte for byte'
            cand backup 'Create, verify and restore encrypted backups of every secret'
            cand audit 'Show and verify the tamper-evident audit log'
            cand check 'Health check for cron and CI'
            cand policy 'Set, show and clear per-credential usage policies'
            cand otp 'Print the current TOTP code of an account'
            cand identity 'Protect the identity with a passphrase, or remove or change it'
            cand unlock 'Keep the decrypted identity in the kernel keyring for a while'
            cand lock 'Forget the identity cached by sigil unlock'
            cand rekey 'Rotate the identity and re-encrypt every file-store secret'
            cand recipients 'List, add and remove the recipients of a shared folder'
            cand export 'Write one credential to a standard age file'
            cand import 'Read a credential written by sigil export'
            cand netrc 'Print a .netrc for hosts mapped in config.toml'
            cand aws 'AWS credential_process backed by sigil'
            cand keyring 'Python keyring command for pip and uv, backed by sigil'
            cand askpass 'ASKPASS program for git, ssh and sudo, backed by sigil'
            cand clip 'Copy a secret to the clipboard, cleared after a while'
            cand sync 'Share the store through a git repository'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sigil;help;init'= {
        }
        &'sigil;help;add'= {
        }
        &'sigil;help;generate'= {
        }
        &'sigil;help;edit'= {
        }
        &'sigil;help;login'= {
        }
        &'sigil;help;get'= {
        }
        &'sigil;help;list'= {
        }
        &'sigil;help;find'= {
        }
        &'sigil;help;rm'= {
        }
        &'sigil;help;mv'= {
        }
        &'sigil;help;cp'= {
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
        &'sigil;help;audit'= {
            cand show 'Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json'
            cand verify 'Check the whole chain; exit 0 when intact, 5 naming the first bad line when not'
        }
        &'sigil;help;audit;show'= {
        }
        &'sigil;help;audit;verify'= {
        }
        &'sigil;help;check'= {
        }
        &'sigil;help;policy'= {
            cand set 'Set rules on an account (rules not given are kept)'
            cand show 'Print an account''s policy'
            cand clear 'Remove an account''s policy'
        }
        &'sigil;help;policy;set'= {
        }
        &'sigil;help;policy;show'= {
        }
        &'sigil;help;policy;clear'= {
        }
        &'sigil;help;otp'= {
        }
        &'sigil;help;identity'= {
            cand protect 'Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)'
            cand unprotect 'Store the identity as a plain 0600 identity.txt again'
            cand passwd 'Change the passphrase'
        }
        &'sigil;help;identity;protect'= {
        }
        &'sigil;help;identity;unprotect'= {
        }
        &'sigil;help;identity;passwd'= {
        }
        &'sigil;help;unlock'= {
        }
        &'sigil;help;lock'= {
        }
        &'sigil;help;rekey'= {
        }
        &'sigil;help;recipients'= {
            cand list 'Print the public keys a folder''s secrets are encrypted to'
            cand add 'Add an age or SSH public key to a folder and re-encrypt its secrets'
            cand rm 'Remove a key (or a named recipient) from a folder and re-encrypt its secrets'
        }
        &'sigil;help;recipients;list'= {
        }
        &'sigil;help;recipients;add'= {
        }
        &'sigil;help;recipients;rm'= {
        }
        &'sigil;help;export'= {
        }
        &'sigil;help;import'= {
        }
        &'sigil;help;netrc'= {
        }
        &'sigil;help;aws'= {
            cand credential-process 'Print an account''s keys as credential_process JSON (run by the AWS SDKs)'
        }
        &'sigil;help;aws;credential-process'= {
        }
        &'sigil;help;keyring'= {
        }
        &'sigil;help;askpass'= {
        }
        &'sigil;help;clip'= {
        }
        &'sigil;help;sync'= {
            cand init 'Make this home''s store a git repository and set its remote'
            cand clone 'Take a shared store onto this machine'
            cand resolve 'End a conflict: keep this machine''s value or the other one'
        }
        &'sigil;help;sync;init'= {
        }
        &'sigil;help;sync;clone'= {
        }
        &'sigil;help;sync;resolve'= {
        }
        &'sigil;help;help'= {
        }
    ]
    $completions[$command]
}
