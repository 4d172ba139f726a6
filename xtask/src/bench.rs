//! `cargo xtask bench`: whole-process timings of sigil against `age`, `pass` and
//! `secret-tool` with hyperfine, written into `docs/performance.md`.

use crate::common::{Result, create_private_dir, header, workspace_root};
use crate::keyring::start_keyring_session;
use crate::test_env::{cargo, cargo_step};
use crate::tools::{BENCH_TOOLS, KEYRING_TOOLS, capture, ensure_tools, run};
use crate::{bench_sync, bulk, docblock, team};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// hyperfine settings shared by every measurement: `-N` (no shell) because a shell's start-up
/// would be a large share of a few-millisecond process.
const HYPERFINE_ARGS: [&str; 5] = ["--warmup", "20", "--runs", "200", "-N"];

/// One row of the results: hyperfine's name for it and mean/σ in seconds.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    name: String,
    mean: f64,
    stddev: f64,
}

/// How the benches build what they measure: the release profile in Cargo.toml is what users
/// get.
pub(crate) const BENCH_BUILD: [&str; 5] = ["build", "--release", "--package", "sigil", "--bins"];

/// One command for hyperfine: its name in the results and its argv.
pub(crate) struct Timed {
    pub(crate) name: &'static str,
    pub(crate) argv: Vec<OsString>,
}

struct Results {
    get: Measurement,
    /// `sigil get` as users type it: the dispatcher running the built-in in its own process.
    get_dispatch: Measurement,
    age: Measurement,
    pass: Measurement,
    get_1_env: Measurement,
    get_2000: Measurement,
    get_audit_on: Measurement,
    get_audit_off: Measurement,
    list_10000: Measurement,
    /// TAB after `sigil get svc4` (the services) and `sigil get svc42/` (its accounts).
    complete_services: Measurement,
    complete_accounts: Measurement,
    resolve_1000: Measurement,
    env_160k: Measurement,
    run_160k: Measurement,
    get_keyring: Measurement,
    secret_tool: Measurement,
    /// `sigil get` from a local OpenBao dev server, and `bao kv get` of the same secret.
    get_vault: Measurement,
    bao_get: Measurement,
    /// The large-store rows (migrate, backup), timed by xtask itself.
    bulk: bulk::Bulk,
    /// The shared-store rows (adding and removing a member).
    team: team::Team,
    /// The team-store rows (`sigil sync`), timed by xtask itself.
    sync: bench_sync::SyncBench,
}

/// Removes the benchmark's scratch directory however the run ends.
pub(crate) struct ScratchDir(pub(crate) PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Stops the gpg-agent that `pass` started for the throwaway GNUPGHOME.
struct GpgAgent(PathBuf);

impl Drop for GpgAgent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", &self.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs sigil's binaries from one build with one home and nothing else from the caller's
/// environment that sigil reads (`SIGIL_BACKEND`, `SIGIL_IDENTITY`, `SIGIL_<SVC>_<ACCT>_...`
/// values would all change what is measured).
pub(crate) struct Sigil {
    pub(crate) bin_dir: PathBuf,
}

impl Sigil {
    pub(crate) fn command(&self, bin: &str, home: &Path) -> Command {
        let mut command = Command::new(self.bin_dir.join(bin));
        clear_sigil_env(&mut command);
        command.env("SIGIL_HOME", home);
        command
    }

    pub(crate) fn init(&self, home: &Path) -> Result<()> {
        capture(&mut self.command("sigil-init", home), None).map(drop)
    }

    fn add(&self, home: &Path, address: &str, secret: &[u8]) -> Result<()> {
        // Not a TTY on stdin, so sigil-add reads the secret from it.
        capture(self.command("sigil-add", home).arg(address), Some(secret)).map(drop)
    }
}

fn clear_sigil_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SIGIL_") {
            command.env_remove(key);
        }
    }
}

/// The target directory cargo builds into (it may be shared or moved by `CARGO_TARGET_DIR` or
/// config), read from `cargo metadata`.
pub(crate) fn target_dir(root: &Path) -> Result<PathBuf> {
    let json = capture(
        &mut cargo(root, &["metadata", "--format-version", "1", "--no-deps"]),
        None,
    )?;
    json_string_field(&json, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "cannot find target_directory in `cargo metadata` output".to_owned())
}

/// The first `"key":"value"` string in compact JSON. `target_directory` is a top-level string
/// in `cargo metadata`, so this is enough without adding a JSON crate to xtask.
pub(crate) fn json_string_field(json: &str, key: &str) -> Option<String> {
    let pattern = format!("\"{key}\":\"");
    let start = json.find(&pattern)? + pattern.len();
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// Quotes one argument for hyperfine's `-N` mode, which splits the command line with POSIX
/// shell-word rules (but runs no shell).
fn shell_word(arg: &std::ffi::OsStr) -> String {
    let arg = arg.to_string_lossy();
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        arg.into_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Runs hyperfine over `commands` with `env` set (and sigil's other variables cleared), keeps
/// the JSON export in `exports/<tag>.json`, and reads the numbers back from the CSV export (the
/// same data in a format that needs no parser crate).
pub(crate) fn hyperfine(
    exports: &Path,
    tag: &str,
    env: &[(&str, &OsStr)],
    commands: &[Timed],
) -> Result<Vec<Measurement>> {
    let json = exports.join(format!("{tag}.json"));
    let csv = exports.join(format!("{tag}.csv"));
    let mut command = Command::new("hyperfine");
    command
        .args(HYPERFINE_ARGS)
        .arg("--export-json")
        .arg(&json)
        .arg("--export-csv")
        .arg(&csv);
    for timed in commands {
        command.args(["--command-name", timed.name]);
    }
    for timed in commands {
        let line: Vec<String> = timed.argv.iter().map(|a| shell_word(a)).collect();
        command.arg(line.join(" "));
    }
    clear_sigil_env(&mut command);
    for (key, value) in env {
        command.env(key, value);
    }
    let names: Vec<&str> = commands.iter().map(|t| t.name).collect();
    header(&format!("hyperfine: {}", names.join(" vs ")));
    run(&mut command)?;
    let text =
        fs::read_to_string(&csv).map_err(|e| format!("cannot read {}: {e}", csv.display()))?;
    let measurements = parse_hyperfine_csv(&text)?;
    // hyperfine names results by `--command-name`; matching them proves the order is ours.
    let names_match = measurements.len() == commands.len()
        && measurements
            .iter()
            .zip(commands)
            .all(|(m, t)| m.name == t.name);
    if !names_match {
        return Err(format!("unexpected results in {}", csv.display()));
    }
    Ok(measurements)
}

fn parse_hyperfine_csv(text: &str) -> Result<Vec<Measurement>> {
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().ok_or("empty hyperfine csv export")?);
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no `{name}` column in hyperfine csv export"))
    };
    let (name_at, mean_at, stddev_at) = (column("command")?, column("mean")?, column("stddev")?);
    let number = |fields: &[String], at: usize| -> Result<f64> {
        fields
            .get(at)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("bad number in hyperfine csv export: {fields:?}"))
    };
    let mut measurements = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let fields = split_csv_line(line);
        measurements.push(Measurement {
            name: fields.get(name_at).cloned().unwrap_or_default(),
            mean: number(&fields, mean_at)?,
            stddev: number(&fields, stddev_at)?,
        });
    }
    Ok(measurements)
}

/// One CSV record (RFC 4180 quoting), as hyperfine writes it.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("fields is never empty");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => field.push(c),
        }
    }
    fields
}

/// A registry of `accounts` written directly (adding 10,000 secrets one process at a time would
/// take minutes and only `sigil list`'s reading of the registry is being measured). Kept in one
/// function so a change to the registry format is a change here only.
fn registry_toml(accounts: impl Iterator<Item = String>) -> String {
    let mut toml = String::from("version = 1\n");
    for account in accounts {
        let _ = write!(
            toml,
            "\n[accounts.\"{account}\"]\n\
             kind = \"api_key\"\n\
             fields = [\"api_key\"]\n\
             backend = \"file\"\n\
             created = \"2026-11-23T00:00:00Z\"\n\
             updated = \"2026-11-23T00:00:00Z\"\n"
        );
    }
    toml
}

/// The argv of a completion request as bash sends it at TAB after `sigil get <word>`.
fn completion_argv(sigil: &Sigil, word: &str) -> Vec<OsString> {
    vec![
        sigil.bin_dir.join("sigil").into(),
        "--".into(),
        "sigil".into(),
        "get".into(),
        word.into(),
    ]
}

/// The environment of a completion request from bash (`_CLAP_COMPLETE_INDEX` is the word
/// being completed).
const COMPLETION_ENV: [(&str, &str); 2] =
    [("SIGIL_COMPLETE", "bash"), ("_CLAP_COMPLETE_INDEX", "2")];

/// Completion in a 10,000-account registry (100 services of 100 accounts) whose identity is
/// moved away, as bash asks at TAB: after `sigil get svc4` (ten services) and after `sigil get
/// svc42/` (its hundred accounts). Each reads `accounts.toml` whole; neither may need the
/// identity. `cargo xtask bench-completion` runs only these rows.
fn completion_10000(sigil: &Sigil, tmp: &Path, exports: &Path) -> Result<[Measurement; 2]> {
    header("setting up a 10,000-account registry for completion");
    let home = tmp.join("home-complete");
    sigil.init(&home)?;
    let registry = home.join("accounts.toml");
    fs::write(
        &registry,
        registry_toml((0..10_000).map(|i| format!("svc{:02}/user{i:05}", i % 100))),
    )
    .map_err(|e| format!("cannot write {}: {e}", registry.display()))?;
    let identity = home.join("identity.txt");
    fs::rename(&identity, tmp.join("identity-complete.away"))
        .map_err(|e| format!("cannot move {} away: {e}", identity.display()))?;
    for (word, count) in [("svc4", 10), ("svc42/", 100)] {
        let argv = completion_argv(sigil, word);
        let mut command = sigil.command("sigil", &home);
        command.args(&argv[1..]).envs(COMPLETION_ENV);
        let offered = capture(&mut command, None)?;
        if offered.lines().count() != count {
            return Err(format!(
                "completing `sigil get {word}` offered {} names, not {count}:\n{offered}",
                offered.lines().count()
            ));
        }
    }
    let home_env = home.clone().into_os_string();
    let mut env: Vec<(&str, &OsStr)> = vec![("SIGIL_HOME", home_env.as_os_str())];
    env.extend(COMPLETION_ENV.iter().map(|(k, v)| (*k, OsStr::new(*v))));
    Ok(hyperfine(
        exports,
        "complete-10000",
        &env,
        &[
            Timed {
                name: "TAB after sigil get svc4 (10,000 accounts)",
                argv: completion_argv(sigil, "svc4"),
            },
            Timed {
                name: "TAB after sigil get svc42/ (10,000 accounts)",
                argv: completion_argv(sigil, "svc42/"),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count"))
}

/// `cargo xtask bench-completion`: only the completion rows, printed rather than written
/// into docs/performance.md (which the whole `cargo xtask bench` writes).
pub(crate) fn bench_completion() -> Result<()> {
    let (sigil, exports) = prepare()?;
    let scratch = ScratchDir(
        std::env::temp_dir().join(format!("sigil-bench-complete-{}", std::process::id())),
    );
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let [services, accounts] = completion_10000(&sigil, &scratch.0, &exports)?;
    for (what, command, m) in completion_rows(&services, &accounts) {
        println!("| {what} | `{command}` | {} |", mean_sd(m));
    }
    Ok(())
}

/// What a run of a few rows needs: the release build, hyperfine, and where its exports go.
pub(crate) fn prepare() -> Result<(Sigil, PathBuf)> {
    let root = workspace_root();
    cargo_step(&root, &BENCH_BUILD)?;
    ensure_tools(BENCH_TOOLS)?;
    let target = target_dir(&root)?;
    let exports = target.join("xtask-bench");
    fs::create_dir_all(&exports)
        .map_err(|e| format!("cannot create {}: {e}", exports.display()))?;
    let sigil = Sigil {
        bin_dir: target.join("release"),
    };
    Ok((sigil, exports))
}

/// `cargo xtask bench-sync`: only the team-store rows (`sigil sync`), printed rather than
/// written into docs/performance.md.
pub(crate) fn bench_sync() -> Result<()> {
    let (sigil, _) = prepare()?;
    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-bench-sync-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let r = bench_sync::run(&sigil, &scratch.0)?;
    print!("{}", bench_sync::section(&r));
    Ok(())
}

fn completion_rows<'a>(
    services: &'a Measurement,
    accounts: &'a Measurement,
) -> [(&'static str, &'static str, &'a Measurement); 2] {
    [
        (
            "completion of `sigil get svc4`, 10,000 accounts",
            "env SIGIL_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 sigil -- sigil get svc4",
            services,
        ),
        (
            "completion of `sigil get svc42/`, 10,000 accounts",
            "env SIGIL_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 sigil -- sigil get svc42/",
            accounts,
        ),
    ]
}

/// Adds `count` secrets named `svcNN/userNNNNN`, a few processes at a time: each add is its own
/// process, and with a lock serialising the registry writes more workers would only queue.
fn add_many(sigil: &Sigil, home: &Path, count: usize) -> Result<()> {
    let next = AtomicUsize::new(0);
    let failure = Mutex::new(None::<String>);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || failure.lock().expect("not poisoned").is_some() {
                        break;
                    }
                    let address = format!("svc{:02}/user{i:05}", i % 40);
                    // A few tries: a concurrent add may hold the store's lock, and whether
                    // sigil waits for it or reports it is the library's choice.
                    let mut outcome = Ok(());
                    for attempt in 0..5 {
                        outcome = sigil.add(home, &address, b"tok");
                        if outcome.is_ok() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(20 << attempt));
                    }
                    if let Err(e) = outcome {
                        failure.lock().expect("not poisoned").get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });
    match failure.into_inner().expect("not poisoned") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub(crate) fn expect_secret(what: &str, output: &str) -> Result<()> {
    if output.trim_end_matches('\n') == "tok" {
        Ok(())
    } else {
        Err(format!(
            "{what} printed {:?} instead of the stored secret",
            output
        ))
    }
}

pub(crate) fn bench() -> Result<()> {
    let root = workspace_root();
    // The release profile in Cargo.toml is what users get, so that is what is measured.
    cargo_step(&root, &BENCH_BUILD)?;
    ensure_tools(&[BENCH_TOOLS, KEYRING_TOOLS].concat())?;
    let target = target_dir(&root)?;
    let sigil = Sigil {
        bin_dir: target.join("release"),
    };
    let exports = target.join("xtask-bench");
    fs::create_dir_all(&exports)
        .map_err(|e| format!("cannot create {}: {e}", exports.display()))?;

    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-bench-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let tmp = scratch.0.as_path();

    // --- one secret, read by sigil, by age on the very same file, and by pass --------------
    header("setting up a 1-entry sigil store");
    let home = tmp.join("home-1");
    sigil.init(&home)?;
    sigil.add(&home, "bench/one", b"tok")?;
    let identity = home.join("identity.txt");
    let store_file = home.join("store/bench/one/api_key.age");
    for file in [&identity, &store_file] {
        if !file.is_file() {
            return Err(format!(
                "{} does not exist after sigil-init and sigil-add: the secret went to another \
                 backend (a keyring answered?); try \
                 `env -u DBUS_SESSION_BUS_ADDRESS cargo xtask bench`",
                file.display()
            ));
        }
    }

    header("setting up pass with a throwaway GnuPG key");
    let gnupg = tmp.join("gnupg");
    let password_store = tmp.join("password-store");
    create_private_dir(&gnupg)?;
    let _agent = GpgAgent(gnupg.clone());
    let key_id = "sigil bench <bench@sigil.invalid>";
    capture(
        Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(["--quick-gen-key", key_id, "default", "default", "never"]),
        None,
    )?;
    let pass = |args: &[&str]| {
        let mut command = Command::new("pass");
        command
            .args(args)
            .env("GNUPGHOME", &gnupg)
            .env("PASSWORD_STORE_DIR", &password_store);
        command
    };
    capture(&mut pass(&["init", "bench@sigil.invalid"]), None)?;
    capture(
        &mut pass(&["insert", "--echo", "bench/one"]),
        Some(b"tok\n"),
    )?;

    // All three must print the same secret, or the comparison means nothing.
    expect_secret(
        "sigil-get",
        &capture(sigil.command("sigil-get", &home).arg("bench/one"), None)?,
    )?;
    expect_secret(
        "age -d",
        &capture(
            Command::new("age")
                .arg("-d")
                .arg("-i")
                .arg(&identity)
                .arg(&store_file),
            None,
        )?,
    )?;
    expect_secret(
        "pass show",
        &capture(&mut pass(&["show", "bench/one"]), None)?,
    )?;

    let get_argv = vec![sigil.bin_dir.join("sigil-get").into(), "bench/one".into()];
    let env = [
        ("SIGIL_HOME", home.as_os_str()),
        ("GNUPGHOME", gnupg.as_os_str()),
        ("PASSWORD_STORE_DIR", password_store.as_os_str()),
    ];
    let first = hyperfine(
        &exports,
        "get",
        &env,
        &[
            Timed {
                name: "sigil get",
                argv: get_argv.clone(),
            },
            Timed {
                name: "age -d",
                argv: vec![
                    "age".into(),
                    "-d".into(),
                    "-i".into(),
                    identity.clone().into(),
                    store_file.clone().into(),
                ],
            },
            Timed {
                name: "pass show",
                argv: vec!["pass".into(), "show".into(), "bench/one".into()],
            },
            Timed {
                name: "sigil get (dispatcher)",
                argv: vec![
                    sigil.bin_dir.join("sigil").into(),
                    "get".into(),
                    "bench/one".into(),
                ],
            },
        ],
    )?;
    let [get, age, pass_show, get_dispatch]: [Measurement; 4] =
        first.try_into().expect("hyperfine() checked the count");

    // --- the same read from a store of 2,000 secrets ----------------------------------------
    header("setting up a 2,000-entry sigil store");
    let home_2000 = tmp.join("home-2000");
    sigil.init(&home_2000)?;
    sigil.add(&home_2000, "bench/one", b"tok")?;
    add_many(&sigil, &home_2000, 1999)?;
    expect_secret(
        "sigil-get (2,000 entries)",
        &capture(
            sigil.command("sigil-get", &home_2000).arg("bench/one"),
            None,
        )?,
    )?;
    // Both stores in one hyperfine run, so that drift in the machine's speed between runs
    // cannot pass for a difference between the stores. `env` sets each one's SIGIL_HOME (and
    // adds the same exec to both).
    let via_env = |h: &Path| -> Vec<OsString> {
        vec![
            "env".into(),
            format!("SIGIL_HOME={}", h.display()).into(),
            sigil.bin_dir.join("sigil-get").into(),
            "bench/one".into(),
        ]
    };
    let [get_1_env, get_2000]: [Measurement; 2] = hyperfine(
        &exports,
        "get-2000",
        &[],
        &[
            Timed {
                name: "sigil get (1 entry)",
                argv: via_env(&home),
            },
            Timed {
                name: "sigil get (2,000 entries)",
                argv: via_env(&home_2000),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- the cost of the audit log: the same get with it on and off, paired ----------------
    header("setting up a sigil home with the audit log off");
    let home_quiet = tmp.join("home-no-audit");
    sigil.init(&home_quiet)?;
    fs::write(home_quiet.join("config.toml"), "audit = false\n")
        .map_err(|e| format!("cannot write the no-audit config.toml: {e}"))?;
    sigil.add(&home_quiet, "bench/one", b"tok")?;
    // `sigil init` logged itself before config.toml said `audit = false`; from here on the
    // log must not grow.
    let log_len = || fs::metadata(home_quiet.join("audit.log")).map_or(0, |m| m.len());
    let before = log_len();
    expect_secret(
        "sigil-get (audit off)",
        &capture(
            sigil.command("sigil-get", &home_quiet).arg("bench/one"),
            None,
        )?,
    )?;
    if log_len() != before {
        return Err("sigil-get wrote an audit log with `audit = false`".into());
    }
    let [get_audit_on, get_audit_off]: [Measurement; 2] = hyperfine(
        &exports,
        "get-audit",
        &[],
        &[
            Timed {
                name: "sigil get (audit on)",
                argv: via_env(&home),
            },
            Timed {
                name: "sigil get (audit off)",
                argv: via_env(&home_quiet),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");
    drop(get_argv);

    // --- a template with 1,000 references to 100 distinct secrets of that store ---------------
    header("rendering a template of 1,000 references to 100 secrets");
    let template = tmp.join("resolve.tmpl");
    let lines: String = (0..1000)
        .map(|j| {
            let i = j % 100;
            format!("k{j}={{{{ auth://svc{:02}/user{i:05} }}}}\n", i % 40)
        })
        .collect();
    fs::write(&template, lines).map_err(|e| format!("cannot write {}: {e}", template.display()))?;
    let rendered = capture(
        sigil
            .command("sigil-resolve", &home_2000)
            .arg("-i")
            .arg(&template),
        None,
    )?;
    if rendered.lines().count() != 1000 || !rendered.lines().all(|l| l.ends_with("=tok")) {
        return Err("sigil-resolve did not render the 1,000 references to `tok`".into());
    }
    let [resolve_1000]: [Measurement; 1] = hyperfine(
        &exports,
        "resolve-1000",
        &[("SIGIL_HOME", home_2000.as_os_str())],
        &[Timed {
            name: "sigil resolve (1,000 references, 100 secrets)",
            argv: vec![
                sigil.bin_dir.join("sigil-resolve").into(),
                "-i".into(),
                template.clone().into(),
            ],
        }],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- an env file of 160,000 lines (plain values, no references) -------------------------
    // Each variable was once checked against every other (a retain per entry): 94 s for
    // `sigil env`, 37 s for `sigil run` at this size. Linear handling keeps it well under 1 s.
    header("an env file of 160,000 lines");
    let env_file = tmp.join("big.env");
    let text: String = (0..160_000)
        .map(|i| format!("VAR_{i}=value-{i}\n"))
        .collect();
    fs::write(&env_file, text).map_err(|e| format!("cannot write {}: {e}", env_file.display()))?;
    let printed = capture(
        sigil
            .command("sigil-env", &home_2000)
            .args(["--format", "dotenv", "--env-file"])
            .arg(&env_file),
        None,
    )?;
    if printed.lines().filter(|l| l.starts_with("VAR_")).count() != 160_000 {
        return Err("sigil-env did not print the 160,000 variables".into());
    }
    // A child's environment cannot hold 160,000 variables (exec's limit is a few MB), so
    // `sigil run` gets 160,000 lines that set 1,000 names again and again (later ones win):
    // the same per-line work, an environment exec accepts.
    let repeats = tmp.join("big-repeats.env");
    let text: String = (0..160_000)
        .map(|i| format!("VAR_{}=value-{i}\n", i % 1000))
        .collect();
    fs::write(&repeats, text).map_err(|e| format!("cannot write {}: {e}", repeats.display()))?;
    let env_argv = |bin: &str, file: &Path, rest: &[&str]| -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![sigil.bin_dir.join(bin).into()];
        v.extend(["--env-file".into(), file.as_os_str().to_owned()]);
        v.extend(rest.iter().map(OsString::from));
        v
    };
    let [env_160k, run_160k]: [Measurement; 2] = hyperfine(
        &exports,
        "env-160k",
        &[("SIGIL_HOME", home_2000.as_os_str())],
        &[
            Timed {
                name: "sigil env (160,000-line env file)",
                argv: env_argv("sigil-env", &env_file, &["--format", "dotenv"]),
            },
            Timed {
                name: "sigil run (160,000-line env file)",
                argv: env_argv("sigil-run", &repeats, &["--", "true"]),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- listing a registry of 10,000 accounts --------------------------------------------
    header("setting up a 10,000-account registry");
    let home_10000 = tmp.join("home-10000");
    sigil.init(&home_10000)?;
    let registry = home_10000.join("accounts.toml");
    fs::write(
        &registry,
        registry_toml((0..10_000).map(|i| format!("svc{:02}/user{i:05}", i % 100))),
    )
    .map_err(|e| format!("cannot write {}: {e}", registry.display()))?;
    let listed = capture(&mut sigil.command("sigil-list", &home_10000), None)?;
    if listed.lines().count() < 10_000 {
        return Err(format!(
            "sigil-list printed {} lines for 10,000 accounts: has the registry format in \
             registry_toml() changed?",
            listed.lines().count()
        ));
    }
    let [list_10000]: [Measurement; 1] = hyperfine(
        &exports,
        "list-10000",
        &[("SIGIL_HOME", home_10000.as_os_str())],
        &[Timed {
            name: "sigil list (10,000 accounts)",
            argv: vec![sigil.bin_dir.join("sigil-list").into()],
        }],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    let [complete_services, complete_accounts] = completion_10000(&sigil, tmp, &exports)?;

    // --- the keyring backend against secret-tool, on one private Secret Service -------------
    header("setting up a keyring-backed secret");
    let keyring = start_keyring_session("the keyring benchmark")?;
    let home_kr = tmp.join("home-kr");
    // Each sigil command is pointed at the private Secret Service, never the desktop's.
    let kr = |bin: &str, backend: bool| {
        let mut command = sigil.command(bin, &home_kr);
        keyring.apply(&mut command);
        if backend {
            command.env("SIGIL_BACKEND", "keyring");
        }
        command
    };
    capture(&mut kr("sigil-init", false), None)?;
    capture(kr("sigil-add", true).arg("bench/kr"), Some(b"tok"))?;
    // Both must print the secret: sigil through its backend, secret-tool from the item the
    // backend wrote (which proves the secret is in the keyring, not in a file).
    let lookup = ["lookup", "service", "sigil", "username", "bench/kr/api_key"];
    expect_secret(
        "sigil-get (keyring)",
        &capture(kr("sigil-get", true).arg("bench/kr"), None)?,
    )?;
    expect_secret(
        "secret-tool lookup",
        &capture(keyring.client("secret-tool").args(lookup), None)?,
    )?;
    // One hyperfine run for both, like the 1/2,000-entry pair, and both through `env` so they
    // pay the same extra exec.
    let mut get_kr_argv: Vec<OsString> = vec![
        "env".into(),
        format!("SIGIL_HOME={}", home_kr.display()).into(),
        "SIGIL_BACKEND=keyring".into(),
    ];
    get_kr_argv.extend([sigil.bin_dir.join("sigil-get").into(), "bench/kr".into()]);
    let mut lookup_argv: Vec<OsString> = vec!["env".into(), "secret-tool".into()];
    lookup_argv.extend(lookup.iter().map(OsString::from));
    let [get_keyring, secret_tool]: [Measurement; 2] = hyperfine(
        &exports,
        "get-keyring",
        &keyring.env(),
        &[
            Timed {
                name: "sigil get (keyring)",
                argv: get_kr_argv,
            },
            Timed {
                name: "secret-tool lookup",
                argv: lookup_argv,
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");
    drop(keyring);

    let [get_vault, bao_get] = crate::bench_vault::rows(&sigil, tmp, &exports)?;
    let bulk = bulk::run(&sigil, tmp)?;
    let team = team::run(&sigil, tmp)?;
    let sync = bench_sync::rows(&sigil, tmp, &tmp.join("home-team"))?;

    let results = Results {
        get,
        get_dispatch,
        age,
        pass: pass_show,
        get_1_env,
        get_2000,
        get_audit_on,
        get_audit_off,
        list_10000,
        complete_services,
        complete_accounts,
        resolve_1000,
        env_160k,
        run_160k,
        get_keyring,
        secret_tool,
        get_vault,
        bao_get,
        bulk,
        team,
        sync,
    };
    let path = root.join("docs/performance.md");
    // `cargo xtask soak` and `install-bench` own blocks of the same file; a bench run keeps
    // them as they are.
    let old = fs::read_to_string(&path).unwrap_or_default();
    let doc = docblock::carry_over(&old, performance_doc(&results, &machine()));
    fs::create_dir_all(root.join("docs")).map_err(|e| format!("cannot create docs/: {e}"))?;
    fs::write(&path, doc).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    for (target, _, met) in targets(&results)
        .into_iter()
        .chain(bulk::targets(&results.bulk))
    {
        eprintln!("{}  {target}", if met { "met   " } else { "MISSED" });
    }
    eprintln!(
        "wrote docs/performance.md; raw hyperfine exports in {}",
        exports.display()
    );
    Ok(())
}

/// What the numbers were measured on, for the doc.
pub(crate) struct Machine {
    pub(crate) date: String,
    pub(crate) uname: String,
    pub(crate) nproc: String,
    pub(crate) cpu: String,
    pub(crate) tools: Vec<String>,
}

pub(crate) fn machine() -> Machine {
    let first_line = |program: &str, args: &[&str]| {
        capture(Command::new(program).args(args), None)
            .ok()
            .and_then(|out| out.lines().next().map(str::trim).map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    Machine {
        date: first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        uname: first_line("uname", &["-srm"]),
        nproc: first_line("nproc", &[]),
        cpu,
        tools: vec![
            first_line("rustc", &["--version"]),
            first_line("hyperfine", &["--version"]),
            format!("age {}", first_line("age", &["--version"])),
            first_line("gpg", &["--version"]),
            first_line("gnome-keyring-daemon", &["--version"]),
        ],
    }
}

fn duration(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1000.0)
}

pub(crate) fn mean_sd(m: &Measurement) -> String {
    format!("{} ± {}", duration(m.mean), duration(m.stddev))
}

/// Each target from the spec: its wording, the measured value and whether it is met.
fn targets(r: &Results) -> [(&'static str, String, bool); 11] {
    let vs_age = r.get.mean / r.age.mean;
    let dispatch_vs_age = r.get_dispatch.mean / r.age.mean;
    let vs_pass = r.pass.mean / r.get.mean;
    let scale = r.get_2000.mean / r.get_1_env.mean;
    let vs_secret_tool = r.get_keyring.mean / r.secret_tool.mean;
    let audit_cost = r.get_audit_on.mean / r.get_audit_off.mean;
    [
        (
            "`sigil get` ≤ `age -d` on the same file",
            format!("{vs_age:.2}× the time of age -d"),
            vs_age <= 1.0,
        ),
        (
            "`sigil get` as typed (the dispatcher, `sigil get ADDR`) ≤ 0.6× the time of `age -d`",
            format!("{dispatch_vs_age:.2}× the time of age -d"),
            dispatch_vs_age <= 0.6,
        ),
        (
            "`sigil get` ≥ 10× faster than `pass show`",
            format!("{vs_pass:.1}× faster"),
            vs_pass >= 10.0,
        ),
        (
            "`sigil get` in a 2,000-entry store within 1.2× of a 1-entry store",
            format!("{scale:.2}×"),
            scale <= 1.2,
        ),
        (
            "`sigil get` with the audit log on within 1.1× of `sigil get` with it off",
            format!("{audit_cost:.2}×"),
            audit_cost <= 1.1,
        ),
        (
            "`sigil list` of 10,000 accounts < 50 ms",
            duration(r.list_10000.mean),
            r.list_10000.mean < 0.050,
        ),
        (
            "completion of an address in a 10,000-account registry < 50 ms (the slower of the \
             two completion rows)",
            duration(r.complete_services.mean.max(r.complete_accounts.mean)),
            r.complete_services.mean.max(r.complete_accounts.mean) < 0.050,
        ),
        (
            "`sigil resolve` of 1,000 references to 100 secrets < 100 ms (each decrypted once: \
             `reference::tests::each_distinct_secret_is_read_once`)",
            duration(r.resolve_1000.mean),
            r.resolve_1000.mean < 0.100,
        ),
        (
            "`sigil env` of a 160,000-line env file < 1 s",
            duration(r.env_160k.mean),
            r.env_160k.mean < 1.0,
        ),
        (
            "`sigil run` with a 160,000-line env file < 1 s",
            duration(r.run_160k.mean),
            r.run_160k.mean < 1.0,
        ),
        (
            "`sigil get` from the keyring within 1.2× of `secret-tool lookup`",
            format!("{vs_secret_tool:.2}× the time of secret-tool lookup"),
            vs_secret_tool <= 1.2,
        ),
    ]
}

fn performance_doc(r: &Results, machine: &Machine) -> String {
    let mut doc = String::from(INTRO);
    let _ = writeln!(
        doc,
        "\n- produced by: `cargo xtask bench`\n\
         - date: {}\n\
         - machine: `{}`, {} CPUs ({})\n\
         - tools: {}\n",
        machine.date,
        machine.uname,
        machine.nproc,
        machine.cpu,
        machine.tools.join("; "),
    );
    doc.push_str("## Results\n\n| benchmark | command | mean ± σ |\n| --- | --- | --- |\n");
    let rows = [
        ("sigil get, 1-entry store", "sigil-get bench/one", &r.get),
        ("age -d, same file", AGE_SHOWN, &r.age),
        ("pass show", "pass show bench/one", &r.pass),
        (
            "sigil get through the dispatcher, same run",
            "sigil get bench/one",
            &r.get_dispatch,
        ),
        (
            "sigil get, 1-entry store (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_1_env,
        ),
        (
            "sigil get, 2,000-entry store (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_2000,
        ),
        (
            "sigil get, audit log on (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_audit_on,
        ),
        (
            "sigil get, audit log off (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_audit_off,
        ),
        ("sigil list, 10,000 accounts", "sigil-list", &r.list_10000),
        (
            "sigil resolve, 1,000 references to 100 secrets",
            "sigil-resolve -i resolve.tmpl",
            &r.resolve_1000,
        ),
        (
            "sigil env, 160,000-line env file",
            "sigil-env --env-file big.env --format dotenv",
            &r.env_160k,
        ),
        (
            "sigil run, 160,000-line env file",
            "sigil-run --env-file big-repeats.env -- true (160,000 lines, 1,000 names)",
            &r.run_160k,
        ),
        (
            "sigil get, keyring backend (paired run)",
            "env SIGIL_HOME=… SIGIL_BACKEND=keyring sigil-get bench/kr",
            &r.get_keyring,
        ),
        (
            "secret-tool lookup, same item (paired run)",
            "env secret-tool lookup service sigil username bench/kr/api_key",
            &r.secret_tool,
        ),
    ];
    for (what, command, m) in rows
        .into_iter()
        .chain(completion_rows(&r.complete_services, &r.complete_accounts))
        .chain(crate::bench_vault::table_rows(&r.get_vault, &r.bao_get))
    {
        let _ = writeln!(doc, "| {what} | `{command}` | {} |", mean_sd(m));
    }
    doc.push_str("\n## Targets\n\n| target | measured | result |\n| --- | --- | --- |\n");
    for (target, measured, met) in targets(r) {
        let result = if met { "met" } else { "missed" };
        let _ = writeln!(doc, "| {target} | {measured} | {result} |");
    }
    doc.push_str(&bulk::section(&r.bulk));
    doc.push_str(&team::section(&r.team));
    doc.push_str(&bench_sync::section(&r.sync));
    doc.push_str(METHOD);
    doc
}

/// How the doc shows the `age -d` command (the real one has the scratch directory's paths).
const AGE_SHOWN: &str =
    "age -d -i $SIGIL_HOME/identity.txt $SIGIL_HOME/store/bench/one/api_key.age";

// The fixed prose of docs/performance.md. The committed template (before anyone has run the
// benchmark) uses the same text, so keep the two in step.
const INTRO: &str = "# Performance

<!-- written by `cargo xtask bench` (the Soak section by `cargo xtask soak`); change xtask/src/bench.rs
(xtask/src/soak.rs), not this file -->

sigil's commands are short-lived processes, so what a user waits for is the whole process:
start, read the identity, decrypt one file, print. `cargo xtask bench` times exactly that with
[hyperfine](https://github.com/sharkdp/hyperfine) against the tools sigil stands beside: `age -d`
decrypting the very same store file with the same identity, `pass show` with a
passphrase-less GnuPG key (so neither waits for a prompt), and, for the keyring backend,
`secret-tool lookup` reading the same item from the same Secret Service.
";

const METHOD: &str = "
## How the numbers are made

- `cargo build --release --bins` (the release profile in `Cargo.toml`), then hyperfine with
  `--warmup 20 --runs 200 -N` (no shell in between; output discarded).
- Everything lives in a scratch directory: `SIGIL_HOME` made by `sigil-init`, the secret added
  with `printf 'tok' | sigil-add bench/one`, other `SIGIL_*` variables cleared, and a throwaway
  `GNUPGHOME` and `PASSWORD_STORE_DIR` for pass.
- The 2,000-entry store is filled with `sigil-add`; the 10,000-account registry is written
  directly as `accounts.toml`, since only `sigil list`'s reading of it is measured.
- The completion rows time what bash runs at each TAB (`SIGIL_COMPLETE=bash sigil -- sigil
  get WORD`, the words as `completions/bash/sigil.bash` passes them) in a second
  10,000-account home (100 services of 100 accounts) whose `identity.txt` is moved away:
  completion reads `accounts.toml` only. `svc4` offers ten services, `svc42/` a hundred
  accounts; `cargo xtask bench-completion` runs these two rows alone and prints them.
- The audit pair times the same `sigil get` in the 1-entry home (audit log on, the default)
  and in a second home whose `config.toml` says `audit = false`, in one hyperfine run; every
  timed get of the first appends an entry, so the log grows during the run as it would in use.
- The keyring rows use a private Secret Service: `dbus-daemon` on a bus of its own (no service
  activation) and `gnome-keyring-daemon --foreground --unlock --components=secrets`, whose
  login keyring is created and unlocked with a throwaway password, both with `HOME` and the
  XDG directories in a temporary directory of their own, so no desktop keyring is touched (the
  same setup `cargo xtask test` gives the keyring tests). `sigil-init` makes `SIGIL_HOME`,
  `printf 'tok' | sigil-add bench/kr` with `SIGIL_BACKEND=keyring` stores the secret (item
  attributes `service=sigil username=bench/kr/api_key` and the home's `sigil-home` tag, which
  the lookup leaves out), and both `sigil get` and `secret-tool lookup` are checked to print it
  before they are timed in one hyperfine run, each through `env`.
- hyperfine's raw exports (JSON and CSV) are left in `target/xtask-bench/`.

## In-process benchmarks

`cargo bench --bench store` runs the criterion benchmarks in `benches/store.rs`: the library's
store operations without process start-up. Use them to see where time goes inside sigil; the
numbers above are what a user of the binaries sees.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperfine_csv_is_parsed() {
        let csv = "command,mean,stddev,median,user,system,min,max\n\
                   sigil get,0.0012,0.0001,0.0012,0.0005,0.0004,0.0010,0.0020\n\
                   \"a, \"\"quoted\"\" name\",0.5,0.25,0.5,0,0,0.1,0.9\n";
        let m = parse_hyperfine_csv(csv).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "sigil get");
        assert_eq!(m[0].mean, 0.0012);
        assert_eq!(m[1].name, "a, \"quoted\" name");
        assert_eq!(m[1].stddev, 0.25);
    }

    #[test]
    fn target_directory_is_read_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/w/my \"t\"\\dir","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").unwrap(),
            "/w/my \"t\"\\dir"
        );
        assert_eq!(json_string_field(json, "absent"), None);
    }

    #[test]
    fn hyperfine_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/tmp/x/sigil-get".as_ref()), "/tmp/x/sigil-get");
        assert_eq!(shell_word("my dir/it's".as_ref()), r"'my dir/it'\''s'");
    }

    #[test]
    fn registry_has_one_table_per_account() {
        let toml = registry_toml(["a/b".to_owned(), "c/d".to_owned()].into_iter());
        assert!(toml.starts_with("version = 1\n"));
        assert_eq!(toml.matches("[accounts.").count(), 2);
        assert!(toml.contains("[accounts.\"c/d\"]\nkind = \"api_key\"\n"));
    }
}
