//! `sigil resolve`, `sigil run` and `sigil env`: references resolved, output masked.

use crate::support::*;
use std::fs;

fn setup() -> Sandbox {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    s.add("db/prod/password", b"it's \"q\"\nline2");
    s
}

#[test]
fn resolve_prints_each_reference_on_its_own_line() {
    let s = setup();
    s.cmd("sigil-resolve")
        .args([
            "auth://github/me",
            "github/me/api_key",
            "auth://db/prod/password",
        ])
        .assert()
        .success()
        .stdout("ghp_SECRET\nghp_SECRET\nit's \"q\"\nline2\n");
    // All or nothing: one missing reference prints nothing.
    let out = s
        .cmd("sigil-resolve")
        .args(["auth://github/me", "auth://nope/me"])
        .assert()
        .code(3);
    assert!(out.get_output().stdout.is_empty());
    assert_eq!(
        stderr(out.get_output()),
        "sigil-resolve: error: cannot resolve 'auth://nope/me' at argument 2: 'nope/me/api_key' not found\nhelp: `sigil list` shows what is stored\n"
    );
}

#[test]
fn resolve_renders_templates_and_dotenv_values() {
    let s = setup();
    let template = "token: {{ auth://github/me }}\n\
                    tight: {{auth://github/me}}!\n\
                    keep: {{ not a ref }} and {{ https://x }} and {{x\n\
                    export GH=auth://github/me\n  DB=\"auth://db/prod/password\"\n\
                    PLAIN=auth-like-but-not\n\
                    COPY=auth://github/me  # same as {{ auth://github/me }}\n";
    let out = s
        .cmd("sigil-resolve")
        .write_stdin(template)
        .assert()
        .success();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.get_output().stdout), @r#"
    token: ghp_SECRET
    tight: ghp_SECRET!
    keep: {{ not a ref }} and {{ https://x }} and {{x
    export GH=ghp_SECRET
      DB="it's \"q\"\nline2"
    PLAIN=auth-like-but-not
    COPY=ghp_SECRET  # same as ghp_SECRET
    "#);
}

#[test]
fn resolve_writes_the_output_file_only_on_full_success() {
    let s = setup();
    let tmpl = s.root().join("app.tmpl");
    let outf = s.root().join("app.conf");
    fs::write(&tmpl, "a={{ auth://github/me }}\n").unwrap();
    s.cmd("sigil-resolve")
        .args(["-i", tmpl.to_str().unwrap(), "-o", outf.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    assert_eq!(fs::read_to_string(&outf).unwrap(), "a=ghp_SECRET\n");
    assert_eq!(mode(&outf), 0o600);
    fs::write(
        &tmpl,
        "a={{ auth://github/me }}\n\nb={{ auth://nope/x/token }}\n",
    )
    .unwrap();
    let out = s
        .cmd("sigil-resolve")
        .args(["-i", tmpl.to_str().unwrap(), "-o", outf.to_str().unwrap()])
        .assert()
        .code(3);
    let err = s.redact(&out.get_output().stderr);
    assert!(
        err.starts_with("sigil-resolve: error: cannot resolve 'auth://nope/x/token' at [TMP]/app.tmpl:3: 'nope/x/token' not found"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&outf).unwrap(),
        "a=ghp_SECRET\n",
        "left as it was"
    );
    let out = s
        .cmd("sigil-resolve")
        .write_stdin("x: {{ auth://Bad/me }}\n")
        .assert()
        .code(2);
    assert!(
        stderr(out.get_output())
            .contains("cannot resolve 'auth://…' at <stdin>:1: it is not a valid reference")
    );
}

#[test]
fn vals_references_need_vals() {
    let s = setup();
    let out = s
        .cmd("sigil-resolve")
        .arg("ref+vault://secret/data/app#/key")
        .assert()
        .code(1);
    assert!(
        stderr(out.get_output()).contains("`vals` is not installed"),
        "{}",
        stderr(out.get_output())
    );
    let dir = s.root().join("bin");
    fs::create_dir(&dir).unwrap();
    let vals = dir.join("vals");
    fs::write(
        &vals,
        "#!/bin/sh\n[ \"$1\" = get ] && printf 'from-vals:%s\\n' \"$2\"\n",
    )
    .unwrap();
    chmod(&vals, 0o755);
    s.cmd("sigil-resolve")
        .arg("ref+vault://secret/data/app#/key")
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .assert()
        .success()
        .stdout("from-vals:ref+vault://secret/data/app#/key\n");
}

#[test]
fn vals_gets_no_variable_that_carries_the_identity() {
    let s = setup();
    let dir = s.root().join("bin");
    fs::create_dir(&dir).unwrap();
    let vals = dir.join("vals");
    fs::write(
        &vals,
        "#!/bin/sh\nprintf 'seen:%s' \"$(env | grep -c -e SIGIL_IDENTITY -e SIGIL_PASSPHRASE)\"\n",
    )
    .unwrap();
    chmod(&vals, 0o755);
    let key = fs::read_to_string(s.identity_file()).unwrap();
    s.cmd("sigil-resolve")
        .arg("ref+vault://secret/data/app#/key")
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .env("SIGIL_IDENTITY", key)
        .env("SIGIL_IDENTITY_FILE", s.identity_file())
        .env("SIGIL_PASSPHRASE_FD", "3")
        .assert()
        .success()
        .stdout("seen:0\n");
}

#[test]
fn run_resolves_the_environment_and_masks_split_writes() {
    let s = setup();
    let env = s.root().join(".env");
    fs::write(&env, "GITHUB_TOKEN=auth://github/me\nPLAIN=hello\n").unwrap();
    // The secret is written a byte at a time, to stdout and stderr.
    let script = r#"printf 'env=%s plain=%s\n' "$GITHUB_TOKEN" "$PLAIN"
v="$GITHUB_TOKEN"; while [ -n "$v" ]; do c="${v%"${v#?}"}"; printf '%s' "$c"; printf '%s' "$c" >&2; v="${v#?}"; done
echo; echo >&2; echo "$DB" "$FROM_ENV"; read line; echo "stdin=$line"; exit 7"#;
    let out = s
        .cmd("sigil-run")
        .args(["--env-file", env.to_str().unwrap()])
        .args(["--env", "DB=auth://db/prod/password"])
        .env("FROM_ENV", "auth://github/me")
        .args(["--", "sh", "-c", script])
        .write_stdin("typed\n")
        .assert()
        .code(7);
    let o = out.get_output();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "env=<concealed by sigil> plain=hello\n<concealed by sigil>\n<concealed by sigil> <concealed by sigil>\nstdin=typed\n"
    );
    assert_eq!(String::from_utf8_lossy(&o.stderr), "<concealed by sigil>\n");
}

#[test]
fn run_passes_signals_and_no_mask_passes_output() {
    let s = setup();
    s.cmd("sigil-run")
        .args([
            "--env",
            "T=auth://github/me",
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ])
        .assert()
        .code(143);
    s.cmd("sigil-run")
        .args([
            "--no-mask",
            "--env",
            "T=auth://github/me",
            "--",
            "sh",
            "-c",
            "echo $T; exit 3",
        ])
        .assert()
        .code(3)
        .stdout("ghp_SECRET\n");
}

#[test]
fn run_errors_name_the_reference_and_where_it_was() {
    let s = setup();
    let env = s.root().join("app.env");
    fs::write(&env, "# c\nOK=1\nTOKEN=auth://nope/me\n").unwrap();
    let out = s
        .cmd("sigil-run")
        .args(["--env-file", env.to_str().unwrap(), "--", "true"])
        .assert()
        .code(3);
    assert!(
        s.redact(&out.get_output().stderr)
            .starts_with("sigil-run: error: cannot resolve 'auth://nope/me' at [TMP]/app.env:3"),
        "{}",
        stderr(out.get_output())
    );
    let out = s
        .cmd("sigil-run")
        .args(["--", "no-such-command-sigil"])
        .assert()
        .code(3);
    assert!(
        stderr(out.get_output()).contains("cannot run 'no-such-command-sigil': no such command")
    );
    s.cmd("sigil-run").assert().code(2);
    s.cmd("sigil-run")
        .args(["--env", "NOEQUALS", "--", "true"])
        .assert()
        .code(2);
}

#[test]
fn env_prints_every_format() {
    let s = setup();
    let env = s.root().join(".env");
    fs::write(&env, "GITHUB_TOKEN=auth://github/me\nPLAIN=\"it's\"\n").unwrap();
    let e = env.to_str().unwrap();
    let out = s
        .cmd("sigil-env")
        .args(["--env-file", e])
        .assert()
        .success();
    let shell = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(shell, @r"
    export GITHUB_TOKEN='ghp_SECRET'
    export PLAIN='it'\''s'
    ");
    // What `eval` makes of it in a real shell.
    let check = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{shell}\nprintf '%s|%s' \"$GITHUB_TOKEN\" \"$PLAIN\""
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout), "ghp_SECRET|it's");
    s.cmd("sigil-env")
        .args(["--env-file", e, "--format", "json"])
        .assert()
        .success()
        .stdout("{\"GITHUB_TOKEN\":\"ghp_SECRET\",\"PLAIN\":\"it's\"}\n");
    s.cmd("sigil-env")
        .args(["--format", "dotenv"])
        .env("DB", "auth://db/prod/password")
        .assert()
        .success()
        .stdout("DB=\"it's \\\"q\\\"\\nline2\"\n");
    let gh = s.root().join("github_env");
    let out = s
        .cmd("sigil-env")
        .args(["--env-file", e, "--format", "github"])
        .env("DB", "auth://db/prod/password")
        .env("GITHUB_ENV", &gh)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "::add-mask::it's \"q\"\n::add-mask::line2\n::add-mask::ghp_SECRET\n"
    );
    let written = fs::read_to_string(&gh).unwrap();
    assert!(
        written.contains("GITHUB_TOKEN<<ghadelimiter_sigil_"),
        "{written}"
    );
    assert!(
        written.contains("\nghp_SECRET\nghadelimiter_sigil_"),
        "{written}"
    );
    assert!(written.contains("DB<<ghadelimiter_sigil_"), "{written}");
    assert!(
        written.contains("\nit's \"q\"\nline2\nghadelimiter_sigil_"),
        "{written}"
    );
}

#[test]
fn run_passes_sigterm_on_and_returns_the_commands_own_status() {
    use std::io::{BufRead, Read};
    let s = setup();
    let mut child = std::process::Command::new(bin("sigil-run"))
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .args(["--env", "T=auth://github/me", "--", "sh", "-c"])
        .arg("trap 'echo got TERM with $T; exit 42' TERM; echo ready; while :; do sleep 0.05; done")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got TERM with <concealed by sigil>\n");
    assert_eq!(
        status.code(),
        Some(42),
        "the command's own status, not a signal"
    );
}

/// A program that logs a secret encoded still has it masked: base64 (standard and URL-safe,
/// padded or not, on its own or inside a Basic authorization header), percent-encoded and
/// JSON-escaped.
#[test]
fn run_masks_encoded_forms_of_a_secret() {
    let s = Sandbox::init();
    let secret = "p@ss w/rd+\"x\"?~é1";
    s.add("db/prod/password", secret.as_bytes());
    let script = r#"
printf '%s' "$K" | base64 -w0; echo
printf '%s' "$K" | base64 -w0 | tr '+/' '-_' | tr -d '='; echo
printf 'Authorization: Basic %s\n' "$(printf 'admin:%s' "$K" | base64 -w0)"
printf 'Authorization: Basic %s\n' "$(printf 'al:%s' "$K" | base64 -w0)"
python3 -c 'import os,urllib.parse,json; k=os.environ["K"]; print(urllib.parse.quote(k, safe="")); print(urllib.parse.quote_plus(k)); print(urllib.parse.quote(k, safe="").lower()); print(json.dumps(k)); print(json.dumps(k, ensure_ascii=False))'
echo done"#;
    let out = s
        .cmd("sigil-run")
        .env("K", "auth://db/prod/password")
        .args(["--", "sh", "-c", script])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.ends_with("done\n"), "{text}");
    // What each line would have shown unmasked.
    let unmasked = Sandbox::init();
    unmasked.add("db/prod/password", secret.as_bytes());
    let raw = unmasked
        .cmd("sigil-run")
        .env("K", "auth://db/prod/password")
        .args(["--no-mask", "--", "sh", "-c", script])
        .assert()
        .success();
    let raw = String::from_utf8_lossy(&raw.get_output().stdout).into_owned();
    for (masked, plain) in text.lines().zip(raw.lines()).take(9) {
        assert!(
            masked.contains("<concealed by sigil>"),
            "not masked: {masked}"
        );
        // Besides the line's own text, at most a few characters of the encoding stand at the
        // edges of the mask (those that also carry bits of what surrounds the secret), and
        // padding or quotes.
        // The header's own text, and the base64 of `admin:` (8) or `al:` (4).
        let own = match plain.strip_prefix("Authorization: Basic ") {
            Some(rest) if rest.starts_with("YWRtaW46") => 21 + 8,
            Some(_) => 21 + 4,
            None => 0,
        };
        let shown = masked.replace("<concealed by sigil>", "");
        assert!(shown.len() <= own + 6, "{masked} (was {plain})");
    }
}
