//! Completion in real shells: the committed scripts in `completions/` are loaded into bash
//! (its completion function called as bash calls it, with COMP_WORDS), fish (`complete -C`)
//! and zsh (an interactive `zsh -f` in tmux, TAB pressed), and each asks sigil's binaries for
//! services, then accounts, then fields. The names come from metadata only: the identity
//! moved away, a keyring that does not answer and a hostile registry change nothing, no value
//! or note is ever offered, and no name that is not a valid address part reaches the shell.

use crate::support::*;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A value stored in every test: it must never appear in what a completion prints.
const VALUE: &str = "VALUE-never-completed-7f3a";
/// A note kept with an account: completions never read notes.
const NOTE: &str = "NOTE-never-completed-1b9c";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// PATH with the binaries under test first, as after an install.
fn path() -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display())
}

/// A home with `github/me` (api_key and user), `github/work`, `aws/prod` and `gitlab/ci`.
fn store() -> Sandbox {
    let s = Sandbox::init();
    s.add("github/me", VALUE.as_bytes());
    s.cmd("sigil-add")
        .args(["github/me", "--field", "user", "--note", NOTE])
        .write_stdin(VALUE)
        .assert()
        .success();
    s.add("github/work", VALUE.as_bytes());
    s.add("aws/prod", VALUE.as_bytes());
    s.add("gitlab/ci", VALUE.as_bytes());
    s
}

/// Adds hostile names to the registry and the store's folders: escape sequences, a
/// newline, a space, command separators and substitutions. `evil/ok` is the one valid name.
fn plant_hostile_names(s: &Sandbox) {
    s.add("evil/ok", VALUE.as_bytes());
    let table = |key: &str| {
        format!(
            "\n[accounts.\"{key}\"]\nkind = \"api_key\"\nfields = [\"api_key\", \"x;touch PWNED\"]\n\
             backend = \"file\"\ncreated = \"2026-11-23T00:00:00Z\"\nupdated = \"2026-11-23T00:00:00Z\"\n"
        )
    };
    let mut toml = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    for key in [
        "evil/a b",
        "evil/x;touch PWNED",
        "evil/$(touch PWNED)",
        "evil/`touch PWNED`",
        "evil/\\u001b]0;PWNED\\u0007",
        "evil/new\\nline",
        "ev\\u001b[2Jil/x",
        "evil/ok/../../x",
    ] {
        toml.push_str(&table(key));
    }
    fs::write(s.home.join("accounts.toml"), toml).unwrap();
    for dir in [
        "evil/$(touch PWNED)",
        "evil/a b",
        "te am/x",
        "evil/\u{1b}[2J",
    ] {
        fs::create_dir_all(s.home.join("store").join(dir)).unwrap();
    }
}

/// What bash offers for `line` (words split at spaces; a trailing space starts an empty
/// word) through the committed `completions/bash/<bin>.bash`, the way bash calls a
/// completion function.
fn bash(s: &Sandbox, bin: &str, line: &str) -> Vec<String> {
    need("bash");
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if line.ends_with(' ') {
        words.push("");
    }
    let script = r#"
        file=$1; fn=$2; shift 2
        source "$file" || exit 9
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_TYPE=9
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = s
        .std_cmd("bash")
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .arg(repo().join(format!("completions/bash/{bin}.bash")))
        .arg(format!("_clap_complete_{}", bin.replace('-', "_")))
        .args(&words)
        .env("PATH", path())
        .output()
        .unwrap();
    assert!(out.status.success(), "bash: {}", stderr(&out));
    lines(&out.stdout)
}

/// What fish offers for `line`, with the committed `completions/fish/<bin>.fish` loaded.
fn fish(s: &Sandbox, bin: &str, line: &str) -> Vec<String> {
    need("fish");
    let out = s
        .std_cmd("fish")
        .args([
            "--no-config",
            "-c",
            "source $argv[1]; and complete -C $argv[2]",
        ])
        .arg(repo().join(format!("completions/fish/{bin}.fish")))
        .arg(line)
        .env("PATH", path())
        .output()
        .unwrap();
    assert!(out.status.success(), "fish: {}", stderr(&out));
    // `value<TAB>description`: the values.
    lines(&out.stdout)
        .into_iter()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

fn lines(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    assert!(!text.contains(VALUE), "a value was offered:\n{text}");
    assert!(!text.contains(NOTE), "a note was offered:\n{text}");
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The success path, service → account → field, in `ask` (bash or fish), for `sigil` and a
/// dashed binary.
fn services_accounts_fields(ask: fn(&Sandbox, &str, &str) -> Vec<String>) {
    let s = store();
    assert_eq!(ask(&s, "sigil", "sigil get gi"), ["github/", "gitlab/"]);
    assert_eq!(
        ask(&s, "sigil", "sigil get github/"),
        ["github/me", "github/work"]
    );
    assert_eq!(ask(&s, "sigil", "sigil get github/w"), ["github/work"]);
    assert_eq!(
        ask(&s, "sigil", "sigil get github/me/"),
        ["github/me/api_key", "github/me/user"]
    );
    assert_eq!(ask(&s, "sigil-get", "sigil-get a"), ["aws/"]);
    assert_eq!(
        ask(&s, "sigil-get", "sigil-get aws/prod/"),
        ["aws/prod/api_key"]
    );
    assert_eq!(ask(&s, "sigil-rm", "sigil-rm gitlab/"), ["gitlab/ci"]);
    assert_eq!(ask(&s, "sigil", "sigil policy set github/m"), ["github/me"]);
    assert_eq!(
        ask(&s, "sigil", "sigil policy set github/me/"),
        Vec::<String>::new()
    );
    assert_eq!(ask(&s, "sigil", "sigil list gi"), ["github", "gitlab"]);
    assert_eq!(ask(&s, "sigil", "sigil recipients list a"), ["aws/"]);
    assert_eq!(
        ask(&s, "sigil", "sigil resolve auth://aws/"),
        ["auth://aws/prod"]
    );
    // Subcommands and options still come from the clap definitions.
    assert!(ask(&s, "sigil", "sigil ge").contains(&"get".to_owned()));
    assert!(ask(&s, "sigil", "sigil get --no-").contains(&"--no-newline".to_owned()));
    // The OAuth providers for login.
    assert!(ask(&s, "sigil", "sigil login --provider gith").contains(&"github".to_owned()));
    assert!(ask(&s, "sigil", "sigil login goo").contains(&"google/".to_owned()));
    assert!(ask(&s, "sigil-login", "sigil-login gi").contains(&"gitlab/".to_owned()));
}

#[test]
fn bash_completes_services_then_accounts_then_fields() {
    services_accounts_fields(bash);
}

#[test]
fn fish_completes_services_then_accounts_then_fields() {
    services_accounts_fields(fish);
}

/// The name-injection attack: names crafted to run a command, move the cursor or retitle the
/// terminal once they are on the command line are never offered, in any shell.
fn hostile(ask: fn(&Sandbox, &str, &str) -> Vec<String>) {
    let s = store();
    plant_hostile_names(&s);
    assert_eq!(ask(&s, "sigil", "sigil get ev"), ["evil/"]);
    assert_eq!(ask(&s, "sigil", "sigil get evil/"), ["evil/ok"]);
    assert_eq!(ask(&s, "sigil", "sigil get evil/ok/"), ["evil/ok/api_key"]);
    assert_eq!(ask(&s, "sigil", "sigil recipients list evil/"), ["evil/ok"]);
    assert_eq!(
        ask(&s, "sigil", "sigil recipients list te"),
        Vec::<String>::new()
    );
    let mut all = ask(&s, "sigil", "sigil get ");
    all.retain(|w| !w.starts_with('-'));
    assert_eq!(all, ["aws/", "evil/", "github/", "gitlab/"]);
    assert!(!s.root().join("PWNED").exists());
}

#[test]
fn bash_never_offers_a_hostile_name() {
    hostile(bash);
}

#[test]
fn fish_never_offers_a_hostile_name() {
    hostile(fish);
}

/// Completion reads metadata only: with the identity moved away (or said to be in a keyring
/// that does not answer) it completes all the same, asks nothing, and the audit log does not
/// change.
#[test]
fn completion_needs_no_identity_and_leaves_no_audit_entry() {
    let s = store();
    let audit = fs::read(s.home.join("audit.log")).unwrap();
    fs::rename(s.identity_file(), s.root().join("identity.away")).unwrap();
    assert_eq!(
        bash(&s, "sigil", "sigil get github/me/"),
        ["github/me/api_key", "github/me/user"]
    );
    assert_eq!(
        fish(&s, "sigil-get", "sigil-get github/"),
        ["github/me", "github/work"]
    );
    fs::write(s.home.join("identity.keyring"), "").unwrap();
    chmod(&s.home.join("identity.keyring"), 0o600);
    assert_eq!(bash(&s, "sigil-otp", "sigil-otp aws/"), ["aws/prod"]);
    assert_eq!(fs::read(s.home.join("audit.log")).unwrap(), audit);
    // Asking for completions of a command prints candidates, never runs it.
    let out = s
        .cmd("sigil")
        .env("SIGIL_COMPLETE", "fish")
        .args(["--", "sigil", "get", "github/me"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "github/me\n");
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

/// Accounts on the keyring backend are in `accounts.toml` too, so they complete the same,
/// while the completing process itself cannot reach any keyring.
#[test]
fn keyring_accounts_complete_without_the_keyring() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("complete");
    s.keyring(s.cmd("sigil-add"))
        .env("SIGIL_BACKEND", "keyring")
        .arg(format!("{svc}/me"))
        .write_stdin(VALUE)
        .assert()
        .success();
    // `std_cmd` points the completing shell at a bus where nothing listens.
    let prefix = &svc[..svc.len() - 1];
    assert_eq!(
        bash(&s, "sigil", &format!("sigil get {prefix}")),
        [format!("{svc}/")]
    );
    assert_eq!(
        fish(&s, "sigil", &format!("sigil get {svc}/me/")),
        [format!("{svc}/me/api_key")]
    );
    s.keyring(s.cmd("sigil-rm"))
        .args([format!("{svc}/me").as_str(), "-y"])
        .assert()
        .success();
}

/// `SIGIL_COMPLETE=<shell> <bin>` prints the committed script, so either way of installing
/// gives the same completion.
#[test]
fn the_printed_registration_is_the_committed_one() {
    let s = Sandbox::new();
    for (shell, bin, file) in [
        ("bash", "sigil", "bash/sigil.bash"),
        ("zsh", "sigil", "zsh/_sigil"),
        ("fish", "sigil", "fish/sigil.fish"),
        ("bash", "sigil-get", "bash/sigil-get.bash"),
        ("zsh", "sigil-add", "zsh/_sigil-add"),
        (
            "fish",
            "git-credential-sigil",
            "fish/git-credential-sigil.fish",
        ),
    ] {
        let out = s.cmd(bin).env("SIGIL_COMPLETE", shell).output().unwrap();
        assert!(out.status.success(), "{shell} {bin}");
        let committed = fs::read(repo().join("completions").join(file)).unwrap();
        assert!(
            out.stdout == committed,
            "{shell} {bin} differs from completions/{file}"
        );
    }
}

/// An interactive zsh in tmux: `compinit` with the committed `_sigil` on fpath, then TAB.
struct Zsh {
    socket: PathBuf,
}

impl Zsh {
    fn start(s: &Sandbox) -> Zsh {
        need("zsh");
        need("tmux");
        let socket = s.root().join("tmux.sock");
        let z = Zsh { socket };
        let mut c = s.std_cmd("tmux");
        c.arg("-S")
            .arg(&z.socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "40",
            ])
            .args(["zsh", "-f"])
            .env("PATH", path())
            .env("TERM", "xterm");
        assert!(c.status().unwrap().success());
        let fpath = repo().join("completions/zsh");
        z.keys(&format!(
            "PS1='%% '; fpath=({} $fpath); autoload -U compinit; compinit -u -D",
            fpath.display()
        ));
        z.keys("Enter");
        z.keys("clear");
        z.keys("Enter");
        z
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    fn keys(&self, keys: &str) {
        let ok = self
            .tmux()
            .args(["send-keys", "-t", "0", keys])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text`, presses TAB, and waits for the line to read `want`.
    fn complete(&self, text: &str, want: &str) {
        self.keys("C-u");
        self.tmux()
            .args(["send-keys", "-t", "0", "-l", text])
            .status()
            .unwrap();
        self.keys("Tab");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            let line = screen
                .lines()
                .rev()
                .find(|l| l.starts_with("% "))
                .unwrap_or_default()
                .trim_end()
                .to_owned();
            if line == format!("% {want}") {
                assert!(
                    !screen.contains(VALUE) && !screen.contains(NOTE),
                    "{screen}"
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "zsh: after `{text}` TAB the line is {line:?}, not {want:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Zsh {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

#[test]
fn zsh_completes_services_then_accounts_then_fields() {
    let s = store();
    let zsh = Zsh::start(&s);
    zsh.complete("sigil get a", "sigil get aws/");
    zsh.complete("sigil get aws/", "sigil get aws/prod");
    zsh.complete("sigil get aws/prod/", "sigil get aws/prod/api_key");
    zsh.complete("sigil get github/w", "sigil get github/work");
    zsh.complete("sigil-get gitl", "sigil-get gitlab/");
    zsh.complete("sigil policy show gitlab/", "sigil policy show gitlab/ci");
}

#[test]
fn zsh_never_offers_a_hostile_name() {
    let s = store();
    plant_hostile_names(&s);
    fs::rename(s.identity_file(), s.root().join("identity.away")).unwrap();
    let zsh = Zsh::start(&s);
    zsh.complete("sigil get ev", "sigil get evil/");
    zsh.complete("sigil get evil/", "sigil get evil/ok");
    zsh.complete("sigil get evil/ok/", "sigil get evil/ok/api_key");
    let screen = zsh.screen();
    assert!(
        !screen.contains("PWNED") && !screen.contains("touch"),
        "{screen}"
    );
    assert!(!s.root().join("PWNED").exists());
}
