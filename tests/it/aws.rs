//! `sigil aws credential-process` under its real clients: Debian's AWS CLI v2
//! (`/usr/bin/aws configure export-credentials`) and botocore in Debian's python3, each
//! reading a profile's `credential_process` line from files in the test's own directory,
//! with no network. The profile gets exactly the account its line names; expiry, policy and
//! garbage each end in the protocol's error (a non-zero exit and a reason on stderr), with no
//! secret in the reason, and every answer is one audit entry.

use crate::support::*;
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

/// Debian's AWS CLI v2: not the `aws` first on PATH, which may be a CLI v1 without
/// `configure export-credentials`.
const AWS: &str = "/usr/bin/aws";
/// Debian's python3, which loads Debian's botocore.
const PYTHON: &str = "/usr/bin/python3";
/// What shows Debian's botocore is installed.
const BOTOCORE: &str = "/usr/lib/python3/dist-packages/botocore/__init__.py";

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLEsessiontoken+/=";

/// Fails clearly when a real client is missing: a test that skipped would pass silently.
fn need_file(path: &str) {
    assert!(
        std::path::Path::new(path).is_file(),
        "the AWS tests need `{path}`; `cargo xtask test` installs it (awscli, python3-botocore)"
    );
}

/// A sandbox with an AWS account `aws/<name>` for each name, holding a key id, a secret key
/// and (for names ending in `-session`) a session token.
fn with_accounts(names: &[&str]) -> Sandbox {
    let s = Sandbox::init();
    for name in names {
        s.add(
            &format!("aws/{name}/aws_access_key_id"),
            format!("{KEY_ID}{name}").as_bytes(),
        );
        s.add(
            &format!("aws/{name}/aws_secret_access_key"),
            format!("{SECRET}{name}").as_bytes(),
        );
        if name.ends_with("-session") {
            s.add(&format!("aws/{name}/aws_session_token"), TOKEN.as_bytes());
        }
    }
    s
}

/// Writes `~/.aws/config` in the sandbox.
fn config(s: &Sandbox, text: &str) -> PathBuf {
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config");
    fs::write(&path, text).unwrap();
    path
}

/// A real client's command in the sandbox: the AWS files in it, sigil's binaries first on
/// PATH (the credential_process line names `sigil`), nothing of the caller's AWS setup, and
/// no instance metadata lookup (no network).
fn client(s: &Sandbox, program: &str) -> assert_cmd::Command {
    let mut c = s.std_cmd(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    let path = format!("{}:/usr/bin:/bin", bin_dir().display());
    c.env("PATH", path)
        .env("AWS_CONFIG_FILE", s.root().join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            s.root().join(".aws/credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    let mut c = assert_cmd::Command::from_std(c);
    // A refusal must be an error, never a hang.
    c.timeout(Duration::from_secs(60));
    c
}

/// `aws configure export-credentials --profile PROFILE`: its JSON, or its exit code and
/// stderr.
fn export(s: &Sandbox, profile: &str) -> Result<serde_json::Value, (i32, String)> {
    need_file(AWS);
    let out = client(s, AWS)
        .args([
            "configure",
            "export-credentials",
            "--format",
            "process",
            "--profile",
            profile,
        ])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Ok(serde_json::from_slice(&out.stdout).unwrap()),
        code => Err((code.expect("not killed by the timeout"), stderr(&out))),
    }
}

/// botocore's credentials for PROFILE (as boto3 gets them): key id, secret, token, and
/// whether they refresh, as JSON; or the exit code and stderr.
fn botocore(s: &Sandbox, profile: &str) -> Result<serde_json::Value, (i32, String)> {
    need_file(PYTHON);
    need_file(BOTOCORE);
    let script = "import json, sys, botocore.session\n\
        c = botocore.session.Session(profile=sys.argv[1]).get_credentials()\n\
        f = c.get_frozen_credentials()\n\
        print(json.dumps({'key': f.access_key, 'secret': f.secret_key, 'token': f.token, \
        'method': c.method, 'refreshable': hasattr(c, '_expiry_time')}))\n";
    let out = client(s, PYTHON)
        .args(["-c", script, profile])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Ok(serde_json::from_slice(&out.stdout).unwrap()),
        code => Err((code.expect("not killed by the timeout"), stderr(&out))),
    }
}

/// The audit entries of event `aws`.
fn aws_entries(s: &Sandbox) -> Vec<serde_json::Value> {
    fs::read_to_string(s.home.join("audit.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "aws")
        .collect()
}

/// No stored secret appears in `text`.
fn no_secret(text: &str) {
    for secret in [SECRET, TOKEN, "wJalr"] {
        assert!(!text.contains(secret), "a secret in: {text}");
    }
}

#[test]
fn the_aws_cli_and_botocore_get_the_keys_with_their_expiry() {
    let s = with_accounts(&["prod-session"]);
    s.cmd("sigil-add")
        .args([
            "aws/prod-session/aws_session_token",
            "--force",
            "--expires",
            "2099-01-02T03:04:05Z",
        ])
        .write_stdin(TOKEN)
        .assert()
        .success();
    config(
        &s,
        "[profile prod]\nregion = eu-west-1\ncredential_process = sigil aws credential-process aws/prod-session\n",
    );
    let got = export(&s, "prod").unwrap();
    assert_eq!(got["Version"], 1);
    assert_eq!(got["AccessKeyId"], format!("{KEY_ID}prod-session"));
    assert_eq!(got["SecretAccessKey"], format!("{SECRET}prod-session"));
    assert_eq!(got["SessionToken"], TOKEN);
    let expiration = got["Expiration"].as_str().unwrap();
    assert!(
        expiration.starts_with("2099-01-02T03:04:05"),
        "{expiration}"
    );
    let boto = botocore(&s, "prod").unwrap();
    assert_eq!(boto["key"], format!("{KEY_ID}prod-session"));
    assert_eq!(boto["secret"], format!("{SECRET}prod-session"));
    assert_eq!(boto["token"], TOKEN);
    assert_eq!(boto["method"], "custom-process");
    // An Expiration makes botocore's credentials refreshable: it runs the process again
    // when they near their end.
    assert_eq!(boto["refreshable"], true);
    // Run directly: the JSON on stdout and nothing at all on stderr.
    let direct = s
        .cmd("sigil")
        .args(["aws", "credential-process", "aws/prod-session"])
        .assert()
        .success();
    assert!(direct.get_output().stderr.is_empty());
    let line = String::from_utf8(direct.get_output().stdout.clone()).unwrap();
    assert_eq!(line.lines().count(), 1);
    let mine: serde_json::Value = serde_json::from_str(&line).unwrap();
    for member in ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken"] {
        assert_eq!(mine[member], got[member], "{member}");
    }
    // The AWS CLI writes the same instant with its own offset notation.
    assert_eq!(mine["Expiration"], "2099-01-02T03:04:05Z");
    // One audit entry per answer, naming the account, whatever the number of fields; no
    // value in the log.
    no_secret(&fs::read_to_string(s.home.join("audit.log")).unwrap());
    let entries = aws_entries(&s);
    assert_eq!(entries.len(), 3, "{entries:?}");
    for e in &entries {
        assert_eq!(e["outcome"], "ok");
        assert_eq!(e["addresses"], serde_json::json!(["aws/prod-session"]));
    }
}

#[test]
fn static_keys_have_no_token_or_expiration() {
    let s = with_accounts(&["ci"]);
    // The credentials file takes the line too, with the section named as the profile.
    fs::create_dir_all(s.root().join(".aws")).unwrap();
    fs::write(
        s.root().join(".aws/credentials"),
        "[ci]\ncredential_process = sigil aws credential-process aws/ci\n",
    )
    .unwrap();
    let got = export(&s, "ci").unwrap();
    assert_eq!(got["AccessKeyId"], format!("{KEY_ID}ci"));
    assert!(got.get("SessionToken").is_none_or(|t| t.is_null()), "{got}");
    assert!(got.get("Expiration").is_none_or(|t| t.is_null()), "{got}");
    let boto = botocore(&s, "ci").unwrap();
    assert_eq!(boto["secret"], format!("{SECRET}ci"));
    assert_eq!(boto["refreshable"], false);
}

#[test]
fn a_profile_gets_its_own_account_and_nothing_else() {
    let s = with_accounts(&["prod", "dev"]);
    s.add("github/me", b"ghp_not_for_aws_0123456789");
    config(
        &s,
        "[profile prod]\ncredential_process = sigil aws credential-process aws/prod\n\
         [profile dev]\ncredential_process = sigil aws credential-process aws/dev\n\
         [profile gh]\ncredential_process = sigil aws credential-process github/me\n\
         [profile typo]\ncredential_process = sigil aws credential-process aws/prd\n\
         [profile field]\ncredential_process = sigil aws credential-process aws/prod/aws_secret_access_key\n\
         [profile none]\nregion = eu-west-1\n",
    );
    assert_eq!(
        export(&s, "dev").unwrap()["SecretAccessKey"],
        format!("{SECRET}dev")
    );
    assert_eq!(
        export(&s, "prod").unwrap()["SecretAccessKey"],
        format!("{SECRET}prod")
    );
    // An account that is not an AWS one, an account that does not exist, and a field: each
    // an error that names what was asked, with no other account offered in its place.
    for (profile, says) in [
        ("gh", "'github/me' holds no aws_access_key_id"),
        ("typo", "'aws/prd' holds no aws_access_key_id"),
        ("field", "names the field 'aws_secret_access_key'"),
    ] {
        let (code, err) = export(&s, profile).unwrap_err();
        assert_ne!(code, 0);
        assert!(err.contains(says), "{profile}: {err}");
        assert!(
            !err.contains("ghp_not_for_aws") && !err.contains("aws/dev"),
            "{err}"
        );
        no_secret(&err);
    }
    // A profile without the line never runs sigil.
    let before = aws_entries(&s).len();
    assert!(export(&s, "none").is_err());
    assert!(export(&s, "missing").is_err());
    assert_eq!(aws_entries(&s).len(), before);
}

#[test]
fn an_expired_account_is_refused_not_handed_out() {
    let s = with_accounts(&["old-session"]);
    s.cmd("sigil-add")
        .args([
            "aws/old-session/aws_session_token",
            "--force",
            "--expires",
            "2020-01-01",
        ])
        .write_stdin(TOKEN)
        .assert()
        .success();
    config(
        &s,
        "[profile old]\ncredential_process = sigil aws credential-process aws/old-session\n",
    );
    let (code, err) = export(&s, "old").unwrap_err();
    assert_ne!(code, 0);
    assert!(err.contains("expired at 2020-01-01"), "{err}");
    no_secret(&err);
    let (_, err) = botocore(&s, "old").unwrap_err();
    assert!(
        err.contains("CredentialRetrievalError") && err.contains("expired"),
        "{err}"
    );
    no_secret(&err);
    let direct = s
        .cmd("sigil")
        .args(["aws", "credential-process", "aws/old-session"])
        .assert()
        .code(4);
    assert!(direct.get_output().stdout.is_empty());
    let entries = aws_entries(&s);
    assert!(
        entries.iter().all(|e| e["outcome"] == "failed"),
        "{entries:?}"
    );
    assert_eq!(entries.len(), 3);
}

#[test]
fn a_policy_refusal_is_the_sdk_error_and_one_use_is_one_answer() {
    let s = with_accounts(&["prod-session"]);
    config(
        &s,
        "[profile prod]\ncredential_process = sigil aws credential-process aws/prod-session\n",
    );
    s.cmd("sigil-policy")
        .args(["set", "aws/prod-session", "--allow", "get,git"])
        .assert()
        .success();
    let (code, err) = export(&s, "prod").unwrap_err();
    assert_ne!(code, 0);
    assert!(
        err.contains("refuses `sigil aws credential-process`"),
        "{err}"
    );
    no_secret(&err);
    let (_, err) = botocore(&s, "prod").unwrap_err();
    assert!(
        err.contains("CredentialRetrievalError") && err.contains("--allow get,git"),
        "{err}"
    );
    assert_eq!(aws_entries(&s)[0]["outcome"], "refused");
    // Allowed, a three-field answer is one use: --max-uses 1 gives exactly one.
    s.cmd("sigil-policy")
        .args([
            "set",
            "aws/prod-session",
            "--allow",
            "aws",
            "--max-uses",
            "1",
        ])
        .assert()
        .success();
    assert_eq!(export(&s, "prod").unwrap()["SessionToken"], TOKEN);
    let (_, err) = export(&s, "prod").unwrap_err();
    assert!(err.contains("--max-uses 1 reached"), "{err}");
    let outcomes: Vec<_> = aws_entries(&s)
        .iter()
        .map(|e| e["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["refused", "refused", "ok", "refused"]);
}

#[test]
fn garbage_is_a_usage_error_without_a_panic() {
    let s = with_accounts(&["prod"]);
    for args in [
        vec!["credential-process"],
        vec!["credential-process", ""],
        vec!["credential-process", "../../etc/passwd"],
        vec!["credential-process", "aws/prod", "extra"],
        vec!["credential-process", "aws/prod", "--profile", "prod"],
        vec!["credential-process", "AWS/Prod"],
        vec!["nope"],
        vec![],
    ] {
        let out = s.cmd("sigil-aws").args(&args).assert().code(2);
        let out = out.get_output();
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            !stderr(out).contains("panicked"),
            "{args:?}: {}",
            stderr(out)
        );
    }
    use std::os::unix::ffi::OsStrExt;
    s.cmd("sigil-aws")
        .arg("credential-process")
        .arg(std::ffi::OsStr::from_bytes(b"aws/\xff"))
        .assert()
        .code(2);
    // A value JSON cannot carry as text is an error naming its field, never the value.
    s.cmd("sigil-add")
        .args(["aws/prod/aws_secret_access_key", "--force"])
        .write_stdin(b"\xffwJalr\xfe".to_vec())
        .assert()
        .success();
    let out = s
        .cmd("sigil-aws")
        .args(["credential-process", "aws/prod"])
        .assert()
        .code(1);
    let err = stderr(out.get_output());
    assert!(
        err.contains("'aws/prod/aws_secret_access_key' is not UTF-8"),
        "{err}"
    );
    no_secret(&err);
    assert!(out.get_output().stdout.is_empty());
    // No store at all: an error, and no prompt even on a locked or missing identity.
    let empty = Sandbox::new();
    let out = empty
        .cmd("sigil-aws")
        .args(["credential-process", "aws/prod"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(c) if c != 0), "{out:?}");
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn help_snapshots() {
    let s = Sandbox::new();
    for (name, args) in [
        ("sigil-aws-help", vec!["--help"]),
        (
            "sigil-aws-credential-process-help",
            vec!["credential-process", "--help"],
        ),
    ] {
        let out = s.cmd("sigil-aws").args(&args).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        insta::assert_snapshot!(name, text);
    }
}

/// botocore's reading of an INI file (`raw_config_parse`, as it reads the credentials file):
/// every section with its keys and values, or the error's class name.
fn botocore_reads(s: &Sandbox, path: &std::path::Path) -> serde_json::Value {
    need_file(PYTHON);
    need_file(BOTOCORE);
    let script = "import json, sys, botocore.configloader as c\n\
        try:\n    print(json.dumps(c.raw_config_parse(sys.argv[1], parse_subsections=False)))\n\
        except Exception as e:\n    print(json.dumps(type(e).__name__))\n";
    let out = client(s, PYTHON)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A credentials file with what botocore reads in unusual ways: `:` as the delimiter, keys in
/// capitals, indentation, a blank line inside a value, a line that continues the one above,
/// values with `;` and `#`, CRLF and bare CR line ends, a profile name with spaces, profiles
/// that cannot be taken whole.
const CREDENTIALS: &str = "# keys\n[default]\naws_access_key_id = AKIDDEFAULT\n\
    aws_secret_access_key = wJalrDefault;#not a comment\nregion = eu-west-1\n\n\
    [prod-session]\r\n  AWS_ACCESS_KEY_ID: AKIDPROD\r\naws_secret_access_key=wJalrProd\r\n\
    aws_session_token = FwoGProdToken\r\n\r\n\
    [cont]\nAWS_ACCESS_KEY_ID: AKIDCONT\n  aws_secret_access_key=wJalrCont\n\
    [team lead]\raws_access_key_id = AKIDLEAD\raws_secret_access_key = wJalrLead\r\
    [half]\naws_access_key_id = AKIDHALF\noutput = json\n\
    [multi]\naws_access_key_id = AKIDMULTI\naws_secret_access_key = wJalrMulti\n\n  continued\n\
    [tail]\naws_secret_access_key = wJalrTail\naws_access_key_id = AKIDTAIL";

#[test]
fn migrate_moves_the_keys_botocore_reads_and_undoes_it_byte_for_byte() {
    let s = Sandbox::init();
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    fs::write(&path, CREDENTIALS).unwrap();
    let before = botocore_reads(&s, &path);
    assert!(before.is_object(), "{before}");
    let out = s
        .cmd("sigil-migrate")
        .arg(".aws/credentials")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("keep sigil on their PATH"),
        "{}",
        stderr(&out)
    );
    no_secret(&stderr(&out));
    let after = botocore_reads(&s, &path);
    // Exactly the keys of the profiles taken whole changed, into one credential_process each.
    let mut expected = before.clone();
    for (profile, account) in [
        ("default", "aws/default"),
        ("prod-session", "aws/prod-session"),
        ("team lead", "aws/team-lead"),
        ("tail", "aws/tail"),
    ] {
        let section = expected[profile].as_object_mut().unwrap();
        for key in [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
        ] {
            section.remove(key);
        }
        section.insert(
            "credential_process".into(),
            format!("sigil aws credential-process {account}").into(),
        );
    }
    assert_eq!(after, expected);
    let text = fs::read_to_string(&path).unwrap();
    for gone in [
        "wJalrDefault",
        "wJalrProd",
        "FwoGProdToken",
        "wJalrLead",
        "wJalrTail",
    ] {
        assert!(!text.contains(gone), "{text}");
    }
    // botocore, run on the rewritten file, gets from sigil what it read before.
    for (profile, key, secret, token) in [
        (
            "default",
            "AKIDDEFAULT",
            "wJalrDefault;#not a comment",
            None,
        ),
        (
            "prod-session",
            "AKIDPROD",
            "wJalrProd",
            Some("FwoGProdToken"),
        ),
        ("team lead", "AKIDLEAD", "wJalrLead", None),
        ("tail", "AKIDTAIL", "wJalrTail", None),
        ("multi", "AKIDMULTI", "wJalrMulti\n\ncontinued", None),
    ] {
        let got = botocore(&s, profile).unwrap();
        assert_eq!(got["key"], key, "{profile}");
        assert_eq!(got["secret"], secret, "{profile}");
        assert_eq!(got["token"], serde_json::json!(token), "{profile}");
    }
    // The undo puts back every byte.
    let out = s.cmd("sigil-migrate").arg("--rollback").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(&path).unwrap(), CREDENTIALS.as_bytes());
    assert_eq!(botocore_reads(&s, &path), before);
}

/// The credential_process line botocore splits (shlex) into exactly sigil's command and the
/// address, for every profile name the account grammar turns into an address.
#[test]
fn profile_names_become_addresses_that_split_safely() {
    let s = Sandbox::init();
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    let names = [
        "a b",
        "x;rm -rf ~",
        "$(id)",
        "it's",
        "back`tick`",
        "ünï",
        "..",
        "q\"uote",
    ];
    let mut text = String::new();
    for (n, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "[{name}]\naws_access_key_id = AKID{n}\naws_secret_access_key = wJalr{n}\n"
        ));
    }
    fs::write(&path, &text).unwrap();
    let out = s
        .cmd("sigil-migrate")
        .arg(".aws/credentials")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let read = botocore_reads(&s, &path);
    let script = "import json, shlex, sys\nprint(json.dumps(shlex.split(sys.argv[1])))\n";
    for (n, name) in names.iter().enumerate() {
        let line = read[*name]["credential_process"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = client(&s, PYTHON)
            .args(["-c", script, &line])
            .output()
            .unwrap();
        let words: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            &words[..3],
            ["sigil", "aws", "credential-process"],
            "{line}"
        );
        assert_eq!(words.len(), 4, "{line}");
        assert!(words[3].starts_with("aws/"), "{line}");
        assert!(
            words[3][4..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@._+-".contains(c)),
            "{line}"
        );
        assert_eq!(
            botocore(&s, name).unwrap()["secret"],
            format!("wJalr{n}"),
            "{name}"
        );
    }
}

#[test]
fn a_file_botocore_refuses_is_left_as_it_is() {
    let s = Sandbox::init();
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    let text = "[p]\naws_access_key_id = AKID\naws_secret_access_key = wJalrSecret\n[p]\n";
    fs::write(&path, text).unwrap();
    assert_eq!(botocore_reads(&s, &path), "ConfigParseError");
    let out = s
        .cmd("sigil-migrate")
        .arg(".aws/credentials")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 4 repeats a section"),
        "{}",
        stderr(&out)
    );
    no_secret(&stderr(&out));
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_stale_session_token_keeps_the_profile_in_the_file() {
    let s = with_accounts(&["prod-session"]);
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    // New static keys for an account that still holds an old session token: taken, the token
    // would go out with them.
    let text = "[prod-session]\naws_access_key_id = AKIDNEW\naws_secret_access_key = wJalrNew\n";
    fs::write(&path, text).unwrap();
    let out = s
        .cmd("sigil-migrate")
        .arg(".aws/credentials")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    let out = s
        .cmd("sigil-migrate")
        .args(["--on-conflict", "skip", ".aws/credentials"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

/// The AWS CLI runs the process with the user's terminal as its stdin, and keeps its stderr
/// until it exits: a passphrase prompt there would hang it with nothing on the screen. A
/// locked identity is an error that says to unlock, even on a terminal.
#[test]
fn a_locked_identity_is_an_error_on_a_terminal_never_a_prompt() {
    need("script");
    need_file(AWS);
    let s = with_accounts(&["prod"]);
    let pass = crate::identity::pass_file(&s, "pass", "pw");
    s.cmd("sigil-identity")
        .arg("protect")
        .env("SIGIL_TEST_SCRYPT_LOG_N", "10")
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .assert()
        .success();
    config(
        &s,
        "[profile prod]\ncredential_process = sigil aws credential-process aws/prod\n",
    );
    let mut c = client(&s, "/bin/sh");
    c.arg("-c").arg(format!(
        "(sleep 1; printf 'pw\\r'; sleep 1) | script -qec '{AWS} configure export-credentials --profile prod' /dev/null"
    ));
    let out = c.output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("sigil unlock"), "{screen}");
    assert!(!screen.contains("AccessKeyId"), "{screen}");
    no_secret(&screen);
}

/// Dotfile managers link `~/.aws/credentials` to a file of another name: the format is the
/// one of the name given, not a dotenv reading of the target, which would turn the keys into
/// `auth://` references botocore would send to AWS as keys.
#[test]
fn a_linked_credentials_file_is_read_as_one() {
    let s = Sandbox::init();
    let dotfiles = s.root().join("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("aws-credentials");
    let text = "[p]\naws_access_key_id = AKIDLINK\naws_secret_access_key = wJalrLink\n";
    fs::write(&target, text).unwrap();
    fs::create_dir_all(s.root().join(".aws")).unwrap();
    std::os::unix::fs::symlink(&target, s.root().join(".aws/credentials")).unwrap();
    let out = s
        .cmd("sigil-migrate")
        .arg(".aws/credentials")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "[p]\ncredential_process = sigil aws credential-process aws/p\n"
    );
    assert!(s.root().join(".aws/credentials").is_symlink());
    assert_eq!(botocore(&s, "p").unwrap()["secret"], "wJalrLink");
}

/// A small deterministic generator of credentials files with what botocore reads in unusual
/// ways, mostly well-formed.
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len())]
    }

    fn file(&mut self, seed: usize) -> String {
        let mut text = String::new();
        for p in 0..1 + self.next(4) {
            let end = self.pick(&["\n", "\n", "\n", "\r\n", "\r"]);
            let name = self.pick(&["p", "p ", "team "]);
            let header = self.pick(&["[{}]", "[{}]", "[{}]", "[{}] ", "[{}] # c", "\t[{}]"]);
            text.push_str(&header.replace("{}", &format!("{name}{p}")));
            text.push_str(end);
            let mut keys = vec![
                "aws_access_key_id",
                "AWS_SECRET_ACCESS_KEY",
                "aws_session_token",
                "region",
                "output",
            ];
            for _ in 0..keys.len() {
                let i = self.next(keys.len());
                let key = keys.remove(i);
                if self.next(if key.starts_with("aws_a") { 12 } else { 3 }) == 0 {
                    continue;
                }
                let indent = self.pick(&["", "", "", "", "", "", "", "", " ", "\t"]);
                let delim = self.pick(&[" = ", "=", ": ", " :", "\t=  "]);
                let value = match self.next(16) {
                    0 => String::new(),
                    1 => format!("v;{seed} #{p}"),
                    _ => format!("{}{seed}x{p}", &key[..3]),
                };
                text.push_str(&format!("{indent}{key}{delim}{value}"));
                text.push_str(self.pick(&[end, end, end, end, end, " \t"]));
                match self.next(12) {
                    0 => text.push_str(&format!("  more{end}")),
                    1 => text.push_str(end),
                    2 => text.push_str(&format!("# note{end}")),
                    3 => text.push_str(&format!("  ; note{end}")),
                    _ => {}
                }
                if !text.ends_with(['\n', '\r']) {
                    text.push_str(end);
                }
            }
        }
        text
    }
}

/// Files botocore reads, generated with a fixed seed: sigil migrates exactly the profiles it
/// may, botocore reads the result as the original with those keys replaced by their
/// credential_process line (and the same values from sigil), and the undo restores each file.
#[test]
fn generated_files_read_the_same_by_botocore_after_a_migration() {
    let s = Sandbox::init();
    let dir = s.root().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    let mut g = Gen(0x5eed);
    let (mut taken, mut refused) = (0, 0);
    for seed in 0..60 {
        let text = g.file(seed);
        fs::write(&path, &text).unwrap();
        let before = botocore_reads(&s, &path);
        let out = s
            .cmd("sigil-migrate")
            .arg(".aws/credentials")
            .output()
            .unwrap();
        if !before.is_object() {
            // botocore refuses the file: so does sigil, and leaves it.
            assert_ne!(out.status.code(), Some(0), "{text:?}");
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
            refused += 1;
            continue;
        }
        assert!(out.status.success(), "{text:?}: {}", stderr(&out));
        let after = botocore_reads(&s, &path);
        let (b, a) = (before.as_object().unwrap(), after.as_object().unwrap());
        assert_eq!(
            b.keys().collect::<Vec<_>>(),
            a.keys().collect::<Vec<_>>(),
            "{text:?}"
        );
        for (profile, was) in b {
            let now = &a[profile];
            let Some(line) = now
                .get("credential_process")
                .filter(|_| was.get("credential_process").is_none())
            else {
                assert_eq!(now, was, "{profile} in {text:?}");
                continue;
            };
            taken += 1;
            let account = line
                .as_str()
                .unwrap()
                .strip_prefix("sigil aws credential-process ")
                .unwrap();
            let mut expected = was.as_object().unwrap().clone();
            for key in [
                "aws_access_key_id",
                "aws_secret_access_key",
                "aws_session_token",
            ] {
                if let Some(v) = expected.remove(key) {
                    let got = s.get(&format!("{account}/{key}"));
                    assert_eq!(
                        got,
                        v.as_str().unwrap().as_bytes(),
                        "{profile} {key} in {text:?}"
                    );
                }
            }
            expected.insert("credential_process".into(), line.clone());
            assert_eq!(now.as_object().unwrap(), &expected, "{profile} in {text:?}");
        }
        let out = s.cmd("sigil-migrate").arg("--rollback").output().unwrap();
        if fs::read_to_string(&path).unwrap() != text {
            assert!(out.status.success(), "{}", stderr(&out));
            panic!("not restored: {text:?}");
        }
    }
    // Both paths are exercised: profiles taken, and files botocore refuses.
    assert!(
        taken >= 20 && refused >= 3,
        "{taken} profiles taken, {refused} files refused"
    );
}
