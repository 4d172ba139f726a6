//! Errors never repeat what a secret-bearing parser read: a marker secret goes through every
//! such parser (otpauth URIs and base32 seeds, export envelopes, dotenv, JSON and TOML
//! sources, netrc, .git-credentials, gh hosts, recipients, the git credential protocol,
//! references, config.toml and accounts.toml) in malformed ways, through the real binaries,
//! and no stderr may contain it: an error names the position and the kind of problem.

use crate::support::*;
use std::fs;
use std::path::Path;

/// What a user pastes where it does not belong: unmistakable in any output.
const MARKER: &str = "MARKER-7f3a9c-SECRET";

/// A valid 80-bit base32 seed, so that only the part under test is malformed.
const SEED: &str = "JBSWY3DPEHPK3PXP";

/// Encrypts `plaintext` with the real `age` to the sandbox's own key, as an export would be.
fn encrypt_to_me(s: &Sandbox, name: &str, plaintext: &str) -> std::path::PathBuf {
    need("age");
    need("age-keygen");
    let public = std::process::Command::new("age-keygen")
        .arg("-y")
        .arg(s.identity_file())
        .output()
        .unwrap();
    assert!(public.status.success(), "{}", stderr(&public));
    let public = String::from_utf8(public.stdout).unwrap();
    let path = s.root().join(name);
    let src = s.root().join(format!("{name}.plain"));
    fs::write(&src, plaintext).unwrap();
    let out = std::process::Command::new("age")
        .args(["-a", "-r", public.trim(), "-o"])
        .arg(&path)
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(d) = p.parent() {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn no_error_repeats_a_secret_that_a_parser_read() {
    let s = Sandbox::init();
    s.add("svc/me", b"value");
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut run = |label: &str, mut c: assert_cmd::Command| {
        let out = c.output().unwrap();
        seen.push((label.to_owned(), s.redact(&out.stderr)));
    };

    // `sigil add --totp`: a seed, and every parameter of an otpauth URI.
    let totp = [
        ("base32", MARKER.to_owned()),
        ("base32 too short", "MARKERSECRET".to_owned()),
        ("uri secret", format!("otpauth://totp/S:me?secret={MARKER}")),
        ("uri host", format!("otpauth://{MARKER}/S:me?secret={SEED}")),
        ("uri scheme", format!("https://{MARKER}/S:me?secret={SEED}")),
        (
            "uri digits",
            format!("otpauth://totp/S:me?secret={SEED}&digits={MARKER}"),
        ),
        (
            "uri period",
            format!("otpauth://totp/S:me?secret={SEED}&period={MARKER}"),
        ),
        (
            "uri algorithm",
            format!("otpauth://totp/S:me?secret={SEED}&algorithm={MARKER}"),
        ),
        (
            "uri issuer mismatch",
            format!("otpauth://totp/S:me?secret={SEED}&issuer={MARKER}"),
        ),
        (
            "uri issuer with colon",
            format!("otpauth://totp/me?secret={SEED}&issuer=x:{MARKER}"),
        ),
        (
            "uri account decoding",
            format!("otpauth://totp/S:{MARKER}%FF?secret={SEED}"),
        ),
        (
            "uri label decoding",
            format!("otpauth://totp/{MARKER}%FF:me?secret={SEED}"),
        ),
        (
            "uri url syntax",
            format!("otpauth://totp/S:me?secret={SEED}#{MARKER}%"),
        ),
    ];
    for (label, input) in totp {
        let mut c = s.cmd("sigil-add");
        c.args(["totp/me", "--totp"]).write_stdin(input);
        run(&format!("add --totp: {label}"), c);
    }

    // `sigil import`: what decrypts but is not an envelope, and a file age refuses.
    let envelope = |fields: &str, rest: &str| {
        format!(
            r#"{{"format":"sigil-export","version":1,"address":"imp/me","fields":{fields}{rest}}}"#
        )
    };
    let imports = [
        ("not json", MARKER.to_owned()),
        ("format", format!(r#"{{"format":"{MARKER}","version":1}}"#)),
        (
            "version",
            format!(r#"{{"format":"sigil-export","version":"{MARKER}"}}"#),
        ),
        (
            "field type",
            envelope(&format!(r#"{{"k":"{MARKER}"}}"#), ""),
        ),
        (
            "field value type",
            envelope(&format!(r#"{{"k":{{"encoding":"{MARKER}"}}}}"#), ""),
        ),
        (
            "encoding",
            envelope(
                &format!(r#"{{"k":{{"encoding":"{MARKER}","value":"x"}}}}"#),
                "",
            ),
        ),
        (
            "base64",
            envelope(
                &format!(r#"{{"k":{{"encoding":"base64","value":"{MARKER}"}}}}"#),
                "",
            ),
        ),
        (
            "field name",
            envelope(
                &format!(r#"{{"{MARKER}/x":{{"encoding":"utf-8","value":"x"}}}}"#),
                "",
            ),
        ),
        (
            "address",
            format!(
                r#"{{"format":"sigil-export","version":1,"address":"x/{MARKER}!","fields":{{}}}}"#
            ),
        ),
        (
            "metadata kind",
            envelope(
                r#"{"k":{"encoding":"utf-8","value":"x"}}"#,
                &format!(r#","metadata":{{"kind":"{MARKER}"}}"#),
            ),
        ),
        (
            "metadata date",
            envelope(
                r#"{"k":{"encoding":"utf-8","value":"x"}}"#,
                &format!(r#","metadata":{{"kind":"api_key","created":"{MARKER}"}}"#),
            ),
        ),
        (
            "trailing",
            format!(
                "{} {MARKER}",
                envelope(r#"{"k":{"encoding":"utf-8","value":"x"}}"#, "")
            ),
        ),
    ];
    for (n, (label, plaintext)) in imports.into_iter().enumerate() {
        let f = encrypt_to_me(&s, &format!("import-{n}.age"), &plaintext);
        let mut c = s.cmd("sigil-import");
        c.arg(&f);
        run(&format!("import: {label}"), c);
    }
    let plain = write(s.root(), "plain.age", &format!("{MARKER}\n"));
    let mut c = s.cmd("sigil-import");
    c.arg(&plain);
    run("import: not age", c);
    let mut c = s.cmd("sigil-import");
    c.arg("-").write_stdin(format!(
        "-----BEGIN AGE ENCRYPTED FILE-----\n{MARKER}\n-----END AGE ENCRYPTED FILE-----\n"
    ));
    run("import: bad armor", c);

    // `sigil migrate`: every source format, malformed.
    let src = s.root().join("src");
    let sources = [
        ("json syntax", "c.json", format!("{{\"token\": {MARKER}}}")),
        ("json eof", "d.json", format!("{{\"token\": \"{MARKER}\"")),
        ("toml syntax", "c.toml", format!("token = {MARKER}\n")),
        ("toml string", "d.toml", format!("token = \"{MARKER}\n")),
        ("toml key", "e.toml", format!("{MARKER} token = \"x\"\n")),
        ("dotenv name", "a/.env", format!("API {MARKER}=x\n")),
        ("dotenv quote", "b/.env", format!("API_KEY=\"{MARKER}\n")),
        (
            "dotenv after",
            "c/.env",
            format!("API_KEY=\"x\" {MARKER}\n"),
        ),
        (
            "netrc",
            "n/.netrc",
            format!("machine\npassword {MARKER} login\n"),
        ),
        (
            "git-credentials",
            "g/.git-credentials",
            format!("https://me:{MARKER}@%zz/\nnot a url {MARKER}\n"),
        ),
        (
            "gh hosts",
            "h/hosts.yml",
            format!("github.com:\n  oauth_token: \"{MARKER}\n  user: [{MARKER}\n"),
        ),
    ];
    for (label, name, text) in sources {
        let f = write(&src, name, &text);
        let mut c = s.cmd("sigil-migrate");
        c.arg("--dry-run").arg(&f);
        run(&format!("migrate: {label}"), c);
    }

    // `sigil run --env-file`, and references in the environment.
    let env_files = [
        // A name alone on its line sets nothing (as in python-dotenv); two words are refused.
        ("no equals", format!("{MARKER} {MARKER}\n")),
        ("name", format!("TOKEN {MARKER}=x\n")),
        ("quote", format!("TOKEN='{MARKER}\n")),
        ("after quote", format!("TOKEN='x' {MARKER}\n")),
        (
            "reference",
            format!("DATABASE_URL=auth://me:{MARKER}@db.example.com/app\n"),
        ),
    ];
    for (n, (label, text)) in env_files.into_iter().enumerate() {
        let f = write(s.root(), &format!("env-{n}"), &text);
        let mut c = s.cmd("sigil-run");
        c.arg("--env-file").arg(&f).args(["--", "true"]);
        run(&format!("run --env-file: {label}"), c);
    }
    let mut c = s.cmd("sigil-run");
    c.env(
        "DATABASE_URL",
        format!("auth://me:{MARKER}@db.example.com/app"),
    )
    .args(["--", "true"]);
    run("run: reference in the environment", c);

    // `sigil resolve`: templates holding what looks like a reference.
    let templates = [
        ("braces", format!("{{{{ auth://me:{MARKER}@db/app }}}}\n")),
        ("dotenv", format!("DB=auth://me:{MARKER}@db/app\n")),
    ];
    for (label, text) in templates {
        let mut c = s.cmd("sigil-resolve");
        c.write_stdin(text);
        run(&format!("resolve: {label}"), c);
    }

    // `git-credential-sigil`: malformed protocol lines.
    let requests = [
        (
            "no equals",
            format!("protocol=https\nhost=github.com\n{MARKER}\n"),
        ),
        ("url", format!("url=https://me:{MARKER}@%zz/\n")),
        ("url scheme", format!("url={MARKER}\n")),
    ];
    for (label, text) in requests {
        let mut c = s.cmd("git-credential-sigil");
        c.arg("get").write_stdin(text);
        run(&format!("git-credential-sigil: {label}"), c);
    }

    // A recipient given on the command line (a secret key pasted by mistake), and a
    // recipients file with one.
    let mut c = s.cmd("sigil-recipients");
    c.args(["add", &format!("AGE-SECRET-KEY-1{MARKER}"), "svc"]);
    run("recipients add: a secret key", c);
    let mut c = s.cmd("sigil-export");
    c.args(["svc/me", "-r", &format!("AGE-SECRET-KEY-1{MARKER}"), "-o"])
        .arg(s.root().join("never.age"));
    run("export -r: a secret key", c);
    let team = s.home.join("store/team");
    private_dir(&team);
    write(
        &team,
        ".age-recipients",
        &format!("AGE-SECRET-KEY-1{MARKER}\n"),
    );
    let mut c = s.cmd("sigil-add");
    c.arg("team/me").write_stdin("v");
    run("recipients file", c);
    fs::remove_dir_all(&team).unwrap();

    // The identity itself, malformed.
    let mut c = s.cmd("sigil-get");
    c.arg("svc/me")
        .env("SIGIL_IDENTITY", format!("AGE-SECRET-KEY-1{MARKER}"));
    run("identity: SIGIL_IDENTITY", c);
    let bad_id = write(
        s.root(),
        "bad-identity.txt",
        &format!("AGE-SECRET-KEY-1{MARKER}\n"),
    );
    chmod(&bad_id, 0o600);
    let mut c = s.cmd("sigil-get");
    c.arg("svc/me").env("SIGIL_IDENTITY_FILE", &bad_id);
    run("identity: SIGIL_IDENTITY_FILE", c);

    // config.toml and accounts.toml: every TOML sigil reads goes through one parser.
    let config = s.home.join("config.toml");
    let original = fs::read(&config).unwrap_or_default();
    let configs = [
        ("variant", format!("backend = \"{MARKER}\"\n")),
        ("type", format!("[defaults]\nrefresh_skew = \"{MARKER}\"\n")),
        ("syntax", format!("backend = {MARKER}\n")),
        ("unknown key", format!("{MARKER} = 1\n")),
        (
            "git origin",
            format!("[git.\"https://me:{MARKER}@example.com\"]\naddress = \"svc/me\"\n"),
        ),
    ];
    for (label, text) in configs {
        fs::write(&config, text).unwrap();
        let mut c = s.cmd("git-credential-sigil");
        c.arg("get")
            .write_stdin("protocol=https\nhost=example.com\n\n");
        run(&format!("config.toml: {label}"), c);
        run(
            &format!("config.toml via list: {label}"),
            s.cmd("sigil-list"),
        );
    }
    fs::write(&config, original).unwrap();
    let accounts = s.home.join("accounts.toml");
    let registry = [
        ("type", format!("accounts = \"{MARKER}\"\n")),
        (
            "kind",
            format!("[accounts.\"svc/me\"]\nkind = \"{MARKER}\"\n"),
        ),
        ("syntax", format!("version = {MARKER}\n")),
    ];
    for (label, text) in registry {
        fs::write(&accounts, text).unwrap();
        run(&format!("accounts.toml: {label}"), s.cmd("sigil-list"));
    }

    let leaks: Vec<String> = seen
        .iter()
        .filter(|(_, err)| err.contains(MARKER))
        .map(|(label, err)| format!("{label}: {}", err.trim()))
        .collect();
    assert!(
        leaks.is_empty(),
        "{} of {} errors repeat the secret:\n{}",
        leaks.len(),
        seen.len(),
        leaks.join("\n")
    );
    let all: String = seen
        .iter()
        .map(|(label, err)| format!("## {label}\n{}\n", err.trim_end()))
        .collect();
    insta::assert_snapshot!(all);
}
