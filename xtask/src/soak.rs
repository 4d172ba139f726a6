//! `cargo xtask soak`: the soak/load run. N worker threads each start sigil's real binaries
//! one after another (add, add --force, get, rm, resolve, run, policy set --max-uses, a get
//! of a --max-uses account, git-credential-sigil get/store) against one store, partly on
//! addresses only that worker touches and partly on shared ones; afterwards the store, the
//! audit log and the home are checked against what the workers did, and the figures go into
//! the soak block of docs/performance.md. Not part of the test run.

use crate::bench::{ScratchDir, Sigil, json_string_field, machine, target_dir};
use crate::common::{Result, create_private_dir, header, workspace_root};
use crate::docblock;
use crate::test_env::cargo_step;
use crate::tools::capture;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// What `cargo xtask soak` was asked for.
pub struct Options {
    pub processes: usize,
    pub ops: usize,
    /// No operation starts after this many seconds.
    pub seconds: u64,
    /// Binaries from target/debug, for trying the soak itself: figures are printed, not written.
    pub debug: bool,
}

/// The seed of every worker's operation mix (each worker derives its own from it), fixed so
/// that two runs with the same options ask the same operations of sigil.
const SEED: u64 = 0x5169_1150_a4ce_0001;
/// Addresses per worker that only it touches (add, add --force, get, rm, resolve, run).
const OWN_KEYS: usize = 4;
/// Addresses every worker writes (add --force only, so they always exist) and reads.
const SHARED_KEYS: usize = 4;
/// `--max-uses` of each worker's own limited account; small, so the limit is reached often.
const OWN_MAX_USES: u64 = 2;
/// The username of every git credential.
const GIT_USER: &str = "soak";
const GIT_SHARED_HOST: &str = "shared.soak.example";
const SHARED_LIMITED: &str = "soak-shared/limited";
const SHARED_LIMITED_VALUE: &str = "limited-shared";
/// How long an operation may still run after the time limit before it is killed (and the
/// run reported as failed): a process that never ends is a finding, not a reason to hang.
const GRACE: Duration = Duration::from_secs(60);
/// How often the main thread reports progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

/// Runs the soak: build, set up a store, drive the workers, check, write the figures.
pub fn run(opts: &Options) -> Result<()> {
    let root = workspace_root();
    // The release profile is what users get, so the committed figures come from it.
    let (profile, build): (&str, &[&str]) = if opts.debug {
        ("debug", &["build", "--package", "sigil", "--bins"])
    } else {
        (
            "release",
            &["build", "--release", "--package", "sigil", "--bins"],
        )
    };
    cargo_step(&root, build)?;
    let sigil = Sigil {
        bin_dir: target_dir(&root)?.join(profile),
    };
    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-soak-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let home = scratch.0.join("home");
    let soak = Soak {
        sigil: &sigil,
        home: &home,
        processes: opts.processes,
        ops: opts.ops,
        shared_max_uses: (opts.processes * opts.ops / 40).max(1) as u64,
        live: Mutex::new(BTreeMap::new()),
        done: AtomicUsize::new(0),
    };
    header(&format!("setting up a store in {}", home.display()));
    soak.setup()?;
    let setup_done = Instant::now();
    let baseline = audit_entries(&home)?.len();
    header(&format!(
        "{} processes × {} operations (no new one after {} s)",
        opts.processes, opts.ops, opts.seconds
    ));
    let started = Instant::now();
    let workers = soak.drive(started + Duration::from_secs(opts.seconds))?;
    let elapsed = started.elapsed();
    header("checking the invariants");
    let checks = soak.check(&workers, baseline, setup_done);
    let figures = Figures::of(&workers, elapsed, opts);
    eprint!("{}", figures.summary());
    for (invariant, detail, held) in &checks.table {
        eprintln!(
            "{}  {invariant}: {detail}",
            if *held { "held  " } else { "BROKEN" }
        );
    }
    if !checks.violations.is_empty() {
        for v in &checks.violations {
            eprintln!("  - {v}");
        }
        return Err(format!(
            "the soak broke {} invariant(s); see above",
            checks.table.iter().filter(|(_, _, held)| !held).count()
        ));
    }
    if opts.debug {
        eprintln!("--debug: docs/performance.md is left as it is");
        return Ok(());
    }
    let path = root.join("docs/performance.md");
    let old = fs::read_to_string(&path).unwrap_or_default();
    let block = section(&figures, &checks, opts, soak.shared_max_uses);
    fs::write(&path, docblock::splice(&old, "soak", &block))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote the soak section of docs/performance.md");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// addresses and commands
// ---------------------------------------------------------------------------------------------

fn own_account(worker: usize, k: usize) -> String {
    format!("soak-w{worker:02}/k{k}")
}

fn own_limited(worker: usize) -> String {
    format!("soak-w{worker:02}/limited")
}

fn own_limited_value(worker: usize) -> String {
    format!("limited-w{worker:02}")
}

fn shared_account(k: usize) -> String {
    format!("soak-shared/s{k}")
}

/// Each worker's own git origin; git-credential-sigil files it as `<host>/soak`.
fn git_host(worker: usize) -> String {
    format!("w{worker:02}.soak.example")
}

/// A request in git's credential protocol for `https://<host>` and [`GIT_USER`].
fn git_request(host: &str, password: Option<&str>) -> String {
    let mut text = format!("protocol=https\nhost={host}\nusername={GIT_USER}\n");
    if let Some(p) = password {
        let _ = writeln!(text, "password={p}");
    }
    text.push('\n');
    text
}

/// What git-credential-sigil get prints for a credential holding `password`.
fn git_answer(password: &str) -> String {
    format!("username={GIT_USER}\npassword={password}\n")
}

/// A register: a shared credential that workers overwrite and read concurrently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Register {
    Key(usize),
    Git,
}

impl Register {
    fn account(self) -> String {
        match self {
            Register::Key(k) => shared_account(k),
            Register::Git => format!("{GIT_SHARED_HOST}/{GIT_USER}"),
        }
    }

    /// The value it holds after the set-up, before any worker runs.
    fn seed(self) -> String {
        match self {
            Register::Key(k) => format!("seed-s{k}"),
            Register::Git => "seed-git".to_owned(),
        }
    }
}

/// The kinds of operation, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Add,
    AddForce,
    Get,
    LimitedGet,
    Rm,
    Resolve,
    Run,
    PolicySet,
    GitStore,
    GitGet,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Add => "add",
            Kind::AddForce => "add --force",
            Kind::Get => "get",
            Kind::LimitedGet => "get of a --max-uses account",
            Kind::Rm => "rm",
            Kind::Resolve => "resolve",
            Kind::Run => "run",
            Kind::PolicySet => "policy set --max-uses",
            Kind::GitStore => "git-credential-sigil store",
            Kind::GitGet => "git-credential-sigil get",
        }
    }

    /// The audit event a read of this kind writes.
    fn read_event(self) -> &'static str {
        match self {
            Kind::Resolve => "resolve",
            Kind::Run => "run",
            _ => "get",
        }
    }
}

/// What a worker may do next. `Own` operations touch the worker's own addresses, whose
/// outcome its model predicts exactly; the others contend with every other worker.
#[derive(Debug, Clone, Copy)]
enum Op {
    AddOwn,
    ForceOwn,
    ForceShared,
    ReadOwn(Kind),
    ReadShared(Kind),
    RmOwn,
    PolicySetOwn,
    GetOwnLimited,
    GetSharedLimited,
    GitStoreOwn,
    GitGetOwn,
    GitStoreShared,
    GitGetShared,
}

/// The mix, in percent.
const MIX: [(u32, Op); 17] = [
    (8, Op::AddOwn),
    (8, Op::ForceOwn),
    (10, Op::ForceShared),
    (12, Op::ReadOwn(Kind::Get)),
    (12, Op::ReadShared(Kind::Get)),
    (6, Op::RmOwn),
    (4, Op::ReadOwn(Kind::Resolve)),
    (4, Op::ReadShared(Kind::Resolve)),
    (3, Op::ReadOwn(Kind::Run)),
    (3, Op::ReadShared(Kind::Run)),
    (3, Op::PolicySetOwn),
    (7, Op::GetOwnLimited),
    (5, Op::GetSharedLimited),
    (4, Op::GitStoreOwn),
    (4, Op::GitGetOwn),
    (3, Op::GitStoreShared),
    (4, Op::GitGetShared),
];

/// xorshift64*: enough for a reproducible mix, without a crate.
struct Rng(u64);

impl Rng {
    fn new(worker: usize) -> Rng {
        // splitmix64 of the worker's number, so that neighbouring workers differ at once.
        let mut z = SEED.wrapping_add((worker as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn op(&mut self) -> Op {
        let total: u32 = MIX.iter().map(|(w, _)| w).sum();
        let mut pick = self.below(total as usize) as u32;
        for (weight, op) in MIX {
            if pick < weight {
                return op;
            }
            pick -= weight;
        }
        unreachable!("pick < total")
    }
}

// ---------------------------------------------------------------------------------------------
// running operations
// ---------------------------------------------------------------------------------------------

/// The store under test and what every worker shares.
struct Soak<'a> {
    sigil: &'a Sigil,
    home: &'a Path,
    processes: usize,
    ops: usize,
    shared_max_uses: u64,
    /// The processes running now, by pid, for the watchdog.
    live: Mutex<BTreeMap<u32, String>>,
    /// Operations finished, for the progress line.
    done: AtomicUsize,
}

/// One finished process.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    start: Instant,
    end: Instant,
}

impl Soak<'_> {
    /// A sigil binary with this store, the file backend forced (no keyring probe: the
    /// same backend for every process, whatever the machine's desktop offers).
    fn cmd(&self, bin: &str) -> Command {
        let mut command = self.sigil.command(bin, self.home);
        command.env("SIGIL_BACKEND", "file");
        command
    }

    fn add_cmd(&self, address: &str, force: bool) -> Command {
        let mut command = self.cmd("sigil-add");
        command.arg(address);
        if force {
            command.arg("--force");
        }
        command
    }

    /// A command that prints the value of `address` and a newline, as `kind` hands it out.
    fn read_cmd(&self, kind: Kind, address: &str) -> Command {
        let mut command;
        match kind {
            Kind::Resolve => {
                command = self.cmd("sigil-resolve");
                command.arg(format!("auth://{address}"));
            }
            Kind::Run => {
                command = self.cmd("sigil-run");
                command
                    .args(["--no-mask", "--env"])
                    .arg(format!("SOAK_SECRET=auth://{address}"))
                    .args(["--", "printenv", "SOAK_SECRET"]);
            }
            _ => {
                command = self.cmd("sigil-get");
                command.arg(address);
            }
        }
        command
    }

    fn policy_cmd(&self, address: &str, max_uses: u64) -> Command {
        let mut command = self.cmd("sigil-policy");
        command
            .args(["set", address, "--max-uses"])
            .arg(max_uses.to_string());
        command
    }

    fn git_cmd(&self, operation: &str) -> Command {
        let mut command = self.cmd("git-credential-sigil");
        command.arg(operation);
        command
    }

    /// Runs one process to its end and times it, from before the spawn to after the wait
    /// (what a caller of sigil waits for). Registered while it runs, so the watchdog can end
    /// it.
    fn exec(&self, mut command: Command, stdin: Option<&[u8]>) -> Ran {
        command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                return Ran {
                    code: None,
                    stdout: String::new(),
                    stderr: format!("cannot start: {e}"),
                    start,
                    end: Instant::now(),
                };
            }
        };
        let pid = child.id();
        let shown = crate::tools::shown(&command);
        self.live.lock().expect("not poisoned").insert(pid, shown);
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A process that exits without reading (add of an existing secret) breaks the
            // pipe; its exit status says what happened.
            let _ = pipe.write_all(input);
        }
        let out = child.wait_with_output();
        let end = Instant::now();
        self.live.lock().expect("not poisoned").remove(&pid);
        self.done.fetch_add(1, Ordering::Relaxed);
        match out {
            Ok(out) => Ran {
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                start,
                end,
            },
            Err(e) => Ran {
                code: None,
                stdout: String::new(),
                stderr: format!("cannot wait: {e}"),
                start,
                end,
            },
        }
    }

    /// Kills whatever still runs: called once the time limit and its grace have passed.
    fn kill_live(&self) {
        // Under the lock: a listed process has not been waited for, so its pid is still its
        // own (a zombie keeps it), never a recycled one.
        let live = self.live.lock().expect("not poisoned");
        for (pid, shown) in live.iter() {
            eprintln!("killing {pid} (`{shown}`): still running past the time limit");
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }

    /// The store every worker starts from: the shared registers with their seeds, the
    /// limited accounts with their policies, the shared git credential.
    fn setup(&self) -> Result<()> {
        capture(&mut self.cmd("sigil-init"), None)?;
        let add = |address: &str, value: &str| {
            capture(&mut self.add_cmd(address, false), Some(value.as_bytes())).map(drop)
        };
        for k in 0..SHARED_KEYS {
            add(&shared_account(k), &Register::Key(k).seed())?;
        }
        add(SHARED_LIMITED, SHARED_LIMITED_VALUE)?;
        capture(
            &mut self.policy_cmd(SHARED_LIMITED, self.shared_max_uses),
            None,
        )?;
        for w in 0..self.processes {
            add(&own_limited(w), &own_limited_value(w))?;
            capture(&mut self.policy_cmd(&own_limited(w), OWN_MAX_USES), None)?;
        }
        let seed = git_request(GIT_SHARED_HOST, Some(&Register::Git.seed()));
        capture(&mut self.git_cmd("store"), Some(seed.as_bytes()))?;
        let file = self.home.join("store/soak-shared/s0/api_key.age");
        if !file.is_file() {
            return Err(format!(
                "{} does not exist after sigil-add with SIGIL_BACKEND=file",
                file.display()
            ));
        }
        Ok(())
    }

    /// Runs the workers to the end (or the time limit), reporting progress, and kills what
    /// still runs `GRACE` after the limit.
    fn drive(&self, deadline: Instant) -> Result<Vec<Worker<'_>>> {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..self.processes)
                .map(|w| {
                    let done = done_tx.clone();
                    scope.spawn(move || {
                        let mut worker = Worker::new(w, self);
                        worker.run(deadline);
                        let _ = done.send(());
                        worker
                    })
                })
                .collect();
            let (mut finished, total) = (0, self.processes * self.ops);
            while finished < self.processes {
                let now = Instant::now();
                let wait = if now >= deadline + GRACE {
                    self.kill_live();
                    GRACE
                } else {
                    PROGRESS_EVERY.min(deadline + GRACE - now)
                };
                match done_rx.recv_timeout(wait) {
                    Ok(()) => finished += 1,
                    Err(_) => eprintln!(
                        "  {} of {total} operations done",
                        self.done.load(Ordering::Relaxed)
                    ),
                }
            }
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| "a worker panicked".to_owned()))
                .collect()
        })
    }
}

// ---------------------------------------------------------------------------------------------
// workers
// ---------------------------------------------------------------------------------------------

/// What an operation must do.
#[derive(Debug, Clone)]
enum Expect {
    /// Exit 0 and print exactly this.
    Prints(String),
    /// Exit 0.
    Succeeds,
    /// Exit with this code (1: exists, 3: not found, 5: refused by the policy).
    Exits(i32),
    /// Exit 0, printing a value of the register; which values may be read is checked after
    /// the run, against every worker's writes.
    Reads(Register),
    /// Exit 0 printing the value, or 5: the shared --max-uses account, whose count every
    /// worker spends.
    Limited,
}

/// An operation before it runs.
struct Planned {
    kind: Kind,
    address: String,
    command: Command,
    stdin: Option<String>,
    expect: Expect,
    /// The audit entry it must write (event, outcome), if any.
    audit: Option<(&'static str, &'static str)>,
    write: Option<(Register, String)>,
}

impl Planned {
    fn new(kind: Kind, address: String, command: Command, expect: Expect) -> Planned {
        Planned {
            kind,
            address,
            command,
            stdin: None,
            expect,
            audit: None,
            write: None,
        }
    }

    fn stdin(mut self, text: String) -> Planned {
        self.stdin = Some(text);
        self
    }

    fn audit(mut self, event: &'static str, outcome: &'static str) -> Planned {
        self.audit = Some((event, outcome));
        self
    }

    fn writes(mut self, register: Register, value: &str) -> Planned {
        self.write = Some((register, value.to_owned()));
        self
    }
}

/// One finished operation.
struct Record {
    kind: Kind,
    address: String,
    code: Option<i32>,
    start: Instant,
    end: Instant,
    /// A read of a register: which, and the value printed.
    read: Option<(Register, String)>,
    write: Option<(Register, String)>,
    audit: Option<(&'static str, &'static str)>,
}

/// One worker: its own model of its own addresses, and what it did.
struct Worker<'a> {
    id: usize,
    soak: &'a Soak<'a>,
    rng: Rng,
    /// The value of each own address, `None` when it is not stored.
    own: [Option<String>; OWN_KEYS],
    /// Uses spent on the own limited account since its policy was last set.
    uses: u64,
    /// The password of the own git origin, once stored.
    git: Option<String>,
    records: Vec<Record>,
    violations: Vec<String>,
    /// Whether the time limit stopped it before its last operation.
    stopped: bool,
}

impl<'a> Worker<'a> {
    fn new(id: usize, soak: &'a Soak<'a>) -> Worker<'a> {
        Worker {
            id,
            soak,
            rng: Rng::new(id),
            own: Default::default(),
            uses: 0,
            git: None,
            records: Vec::with_capacity(soak.ops),
            violations: Vec::new(),
            stopped: false,
        }
    }

    fn run(&mut self, deadline: Instant) {
        for i in 0..self.soak.ops {
            if Instant::now() >= deadline {
                self.stopped = true;
                break;
            }
            let op = self.rng.op();
            let planned = self.plan(op, i);
            let shown = crate::tools::shown(&planned.command);
            let ran = self
                .soak
                .exec(planned.command, planned.stdin.as_deref().map(str::as_bytes));
            let record = self.judge(i, &shown, planned.expect, ran);
            self.records.push(Record {
                kind: planned.kind,
                address: planned.address,
                write: planned.write,
                audit: record.audit.or(planned.audit),
                ..record
            });
        }
    }

    /// The operation `op` as the `i`th of this worker, with what it must do, and the model
    /// moved on as if it did. Each value written is unique to the operation.
    fn plan(&mut self, op: Op, i: usize) -> Planned {
        let value = format!("v-w{:02}-{i:04}", self.id);
        let soak = self.soak;
        let k = self.rng.below(OWN_KEYS);
        let own = own_account(self.id, k);
        match op {
            Op::AddOwn => {
                let command = soak.add_cmd(&own, false);
                let planned = if self.own[k].is_some() {
                    Planned::new(Kind::Add, own, command, Expect::Exits(1))
                } else {
                    self.own[k] = Some(value.clone());
                    Planned::new(Kind::Add, own, command, Expect::Succeeds).audit("add", "ok")
                };
                planned.stdin(value)
            }
            Op::ForceOwn => {
                self.own[k] = Some(value.clone());
                let command = soak.add_cmd(&own, true);
                Planned::new(Kind::AddForce, own, command, Expect::Succeeds)
                    .stdin(value)
                    .audit("add", "ok")
            }
            Op::ReadOwn(kind) => {
                let command = soak.read_cmd(kind, &own);
                match &self.own[k] {
                    Some(v) => Planned::new(kind, own, command, Expect::Prints(format!("{v}\n")))
                        .audit(kind.read_event(), "ok"),
                    None => Planned::new(kind, own, command, Expect::Exits(3))
                        .audit(kind.read_event(), "failed"),
                }
            }
            Op::RmOwn => {
                let mut command = soak.cmd("sigil-rm");
                command.args(["--yes", &own]);
                // An absent address is refused before anything is written or logged.
                match self.own[k].take() {
                    Some(_) => {
                        Planned::new(Kind::Rm, own, command, Expect::Succeeds).audit("rm", "ok")
                    }
                    None => Planned::new(Kind::Rm, own, command, Expect::Exits(3)),
                }
            }
            _ => self.plan_limited_or_shared(op, value),
        }
    }

    fn plan_limited_or_shared(&mut self, op: Op, value: String) -> Planned {
        let soak = self.soak;
        let r = Register::Key(self.rng.below(SHARED_KEYS));
        let limited = own_limited(self.id);
        match op {
            Op::ForceShared => {
                let command = soak.add_cmd(&r.account(), true);
                Planned::new(Kind::AddForce, r.account(), command, Expect::Succeeds)
                    .writes(r, &value)
                    .stdin(value)
                    .audit("add", "ok")
            }
            Op::ReadShared(kind) => {
                let command = soak.read_cmd(kind, &r.account());
                Planned::new(kind, r.account(), command, Expect::Reads(r))
                    .audit(kind.read_event(), "ok")
            }
            Op::PolicySetOwn => {
                // Setting --max-uses starts a new count.
                self.uses = 0;
                let command = soak.policy_cmd(&limited, OWN_MAX_USES);
                Planned::new(Kind::PolicySet, limited, command, Expect::Succeeds)
                    .audit("policy.set", "ok")
            }
            Op::GetOwnLimited => {
                let command = soak.read_cmd(Kind::Get, &limited);
                if self.uses < OWN_MAX_USES {
                    self.uses += 1;
                    let expect = Expect::Prints(format!("{}\n", own_limited_value(self.id)));
                    Planned::new(Kind::LimitedGet, limited, command, expect).audit("get", "ok")
                } else {
                    Planned::new(Kind::LimitedGet, limited, command, Expect::Exits(5))
                        .audit("get", "refused")
                }
            }
            Op::GetSharedLimited => {
                let command = soak.read_cmd(Kind::Get, SHARED_LIMITED);
                // Its audit entry depends on who spent the last use first: set in `judge`.
                Planned::new(
                    Kind::LimitedGet,
                    SHARED_LIMITED.to_owned(),
                    command,
                    Expect::Limited,
                )
            }
            _ => self.plan_git(op, value),
        }
    }

    fn plan_git(&mut self, op: Op, value: String) -> Planned {
        let soak = self.soak;
        let host = git_host(self.id);
        let own = format!("{host}/{GIT_USER}");
        let shared = Register::Git.account();
        match op {
            Op::GitStoreOwn => {
                self.git = Some(value.clone());
                Planned::new(Kind::GitStore, own, soak.git_cmd("store"), Expect::Succeeds)
                    .stdin(git_request(&host, Some(&value)))
                    .audit("add", "ok")
            }
            Op::GitGetOwn => {
                let command = soak.git_cmd("get");
                let planned = match &self.git {
                    Some(v) => {
                        Planned::new(Kind::GitGet, own, command, Expect::Prints(git_answer(v)))
                            .audit("git", "ok")
                    }
                    // Nothing stored for the origin: no answer, and nothing read or logged.
                    None => Planned::new(Kind::GitGet, own, command, Expect::Prints(String::new())),
                };
                planned.stdin(git_request(&host, None))
            }
            Op::GitStoreShared => Planned::new(
                Kind::GitStore,
                shared,
                soak.git_cmd("store"),
                Expect::Succeeds,
            )
            .writes(Register::Git, &value)
            .stdin(git_request(GIT_SHARED_HOST, Some(&value)))
            .audit("add", "ok"),
            Op::GitGetShared => {
                let expect = Expect::Reads(Register::Git);
                Planned::new(Kind::GitGet, shared, soak.git_cmd("get"), expect)
                    .stdin(git_request(GIT_SHARED_HOST, None))
                    .audit("git", "ok")
            }
            _ => unreachable!("plan() and plan_limited_or_shared() take the others"),
        }
    }

    /// Checks a finished process against what it had to do; a mismatch is a violation of
    /// "every operation did what the model says". The record's kind, address and write are
    /// the caller's to fill in; its audit entry is set here when only the outcome tells it.
    fn judge(&mut self, i: usize, shown: &str, expect: Expect, ran: Ran) -> Record {
        let mut audit = None;
        let mut read = None;
        let ok = match &expect {
            Expect::Prints(text) => ran.code == Some(0) && ran.stdout == *text,
            Expect::Succeeds => ran.code == Some(0),
            Expect::Exits(code) => ran.code == Some(*code),
            Expect::Reads(r) => {
                let value = match r {
                    Register::Git => ran
                        .stdout
                        .strip_prefix(&format!("username={GIT_USER}\npassword="))
                        .and_then(|rest| rest.strip_suffix('\n')),
                    Register::Key(_) => ran.stdout.strip_suffix('\n'),
                };
                read = value.map(|v| (*r, v.to_owned()));
                ran.code == Some(0) && read.is_some()
            }
            Expect::Limited => match ran.code {
                Some(0) => {
                    audit = Some(("get", "ok"));
                    ran.stdout == format!("{SHARED_LIMITED_VALUE}\n")
                }
                Some(5) => {
                    audit = Some(("get", "refused"));
                    true
                }
                _ => false,
            },
        };
        if !ok {
            self.violations.push(format!(
                "worker {} operation {i}: `{shown}` should have {expect:?}, but exited {:?} \
                 printing {:?} (stderr: {:?})",
                self.id, ran.code, ran.stdout, ran.stderr
            ));
        }
        Record {
            kind: Kind::Get,
            address: String::new(),
            code: ran.code,
            start: ran.start,
            end: ran.end,
            read,
            write: None,
            audit,
        }
    }
}

impl Op {
    /// How the doc names it.
    fn describe(self) -> String {
        match self {
            Op::AddOwn => "`add` of an own address (refused when it exists)".into(),
            Op::ForceOwn => "`add --force` of an own address".into(),
            Op::ForceShared => "`add --force` of a shared address".into(),
            Op::ReadOwn(kind) => format!("`{}` of an own address", kind.label()),
            Op::ReadShared(kind) => format!("`{}` of a shared address", kind.label()),
            Op::RmOwn => "`rm --yes` of an own address".into(),
            Op::PolicySetOwn => "`policy set --max-uses 2` of the own limited account".into(),
            Op::GetOwnLimited => "`get` of the own limited account".into(),
            Op::GetSharedLimited => "`get` of the shared limited account".into(),
            Op::GitStoreOwn => "`git-credential-sigil store` for the own origin".into(),
            Op::GitGetOwn => "`git-credential-sigil get` for the own origin".into(),
            Op::GitStoreShared => "`git-credential-sigil store` for the shared origin".into(),
            Op::GitGetShared => "`git-credential-sigil get` for the shared origin".into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the invariants
// ---------------------------------------------------------------------------------------------

/// How many violations of one invariant are listed; the rest are counted.
const MAX_SHOWN: usize = 20;

/// The invariants checked: each with what was checked and whether it held, and every
/// violation, prefixed by its invariant.
#[derive(Default)]
struct Checks {
    table: Vec<(&'static str, String, bool)>,
    violations: Vec<String>,
}

impl Checks {
    fn add(&mut self, invariant: &'static str, detail: String, problems: Vec<String>) {
        self.table.push((invariant, detail, problems.is_empty()));
        let n = problems.len();
        for p in problems.into_iter().take(MAX_SHOWN) {
            self.violations.push(format!("{invariant}: {p}"));
        }
        if n > MAX_SHOWN {
            self.violations
                .push(format!("{invariant}: … and {} more", n - MAX_SHOWN));
        }
    }
}

/// A write or a read of a register, in time since the set-up ended.
#[derive(Debug, Clone)]
struct Span {
    value: String,
    start: Duration,
    end: Duration,
    /// For a write: whether it reported success (a failed one may or may not have landed).
    ok: bool,
}

/// What may be read from a register that is only ever overwritten: a value some write
/// stored, whose write had started before the read ended, and that no other write
/// replaced entirely between the end of its write and the start of the read (an atomic
/// register's reads are never stale). Values are unique per write.
fn register_problems(name: &str, writes: &[Span], reads: &[Span]) -> Vec<String> {
    let mut problems = Vec::new();
    for read in reads {
        let Some(w) = writes.iter().find(|w| w.value == read.value) else {
            problems.push(format!(
                "{name}: read {:?}, which no operation wrote",
                read.value
            ));
            continue;
        };
        if w.start > read.end {
            problems.push(format!(
                "{name}: read {:?} before the write of it started",
                read.value
            ));
        }
        let later = writes
            .iter()
            .find(|l| l.ok && l.start > w.end && l.end < read.start);
        if let Some(later) = later {
            problems.push(format!(
                "{name}: read {:?}, but {:?} had been written over it before the read began",
                read.value, later.value
            ));
        }
    }
    problems
}

/// One audit entry, as much of it as the counts need.
#[derive(Debug, Clone)]
struct AuditEntry {
    seq: u64,
    event: String,
    outcome: String,
    key: String,
    addresses: Vec<String>,
}

/// Every entry of the keyed log, rotated files (`audit.log.1`, …) first.
fn audit_entries(home: &Path) -> Result<Vec<AuditEntry>> {
    let mut rotated: Vec<(u64, std::path::PathBuf)> = fs::read_dir(home)
        .map_err(|e| format!("cannot list {}: {e}", home.display()))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let n = name.strip_prefix("audit.log.")?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    rotated.sort();
    let mut files: Vec<std::path::PathBuf> = rotated.into_iter().map(|(_, p)| p).collect();
    files.push(home.join("audit.log"));
    let mut entries = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        for line in text.lines() {
            entries.push(audit_entry(line).ok_or_else(|| {
                format!(
                    "{} holds a line that is not an entry: {line}",
                    file.display()
                )
            })?);
        }
    }
    Ok(entries)
}

/// Reads one line of the log (compact JSON that sigil writes; see docs/audit.md).
fn audit_entry(line: &str) -> Option<AuditEntry> {
    let seq = json_number_field(line, "seq")?;
    let list = line.split_once("\"addresses\":[")?.1.split_once(']')?.0;
    // Addresses cannot hold quotes or commas (the address grammar), so splitting is enough.
    let addresses = list
        .split(',')
        .map(|a| a.trim_matches('"').to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    Some(AuditEntry {
        seq,
        event: json_string_field(line, "event")?,
        outcome: json_string_field(line, "outcome")?,
        key: json_string_field(line, "key")?,
        addresses,
    })
}

/// The first `"key": <number>` in JSON, compact or pretty.
fn json_number_field(json: &str, key: &str) -> Option<u64> {
    let rest = json.split_once(&format!("\"{key}\""))?.1;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Files under `dir`, recursively, as paths relative to it.
fn walk(dir: &Path, prefix: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let rel = prefix.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&entry.path(), &rel, out);
        } else {
            out.push(rel);
        }
    }
}

impl Soak<'_> {
    /// Checks every invariant after the run. The order matters: leftovers and the audit log
    /// first, before the reads that check the store add entries of their own.
    fn check(&self, workers: &[Worker<'_>], baseline: usize, setup_done: Instant) -> Checks {
        let mut checks = Checks::default();
        let records: Vec<&Record> = workers.iter().flat_map(|w| &w.records).collect();
        let problems = workers.iter().flat_map(|w| w.violations.clone()).collect();
        checks.add(
            "every operation did what the model says",
            format!(
                "the exit status and output of each of the {} operations; exactly predicted \
                 for a worker's own addresses",
                records.len()
            ),
            problems,
        );
        self.check_leftovers(&mut checks);
        self.check_audit(&mut checks, &records, baseline);
        let expected = self.expected_accounts(workers);
        self.check_store(&mut checks, &expected);
        self.check_registers(&mut checks, &records, setup_done);
        self.check_uses(&mut checks, workers, &records, baseline);
        self.check_status(&mut checks, expected.len());
        checks
    }

    fn check_leftovers(&self, checks: &mut Checks) {
        let mut files = Vec::new();
        walk(self.home, Path::new(""), &mut files);
        let problems = files
            .iter()
            .filter(|f| {
                let name = f.file_name().unwrap_or_default().to_string_lossy();
                name.starts_with(".tmp")
                    || name.starts_with(".audit-lost-")
                    || name.starts_with("audit-unkeyed")
            })
            .map(|f| format!("{} is left in the home", f.display()))
            .collect();
        checks.add(
            "no temporary files left",
            format!(
                "none of the {} files under the home is a `.tmp-*` file, an `.audit-lost-*` \
                 marker or an unkeyed side log",
                files.len()
            ),
            problems,
        );
    }

    fn check_audit(&self, checks: &mut Checks, records: &[&Record], baseline: usize) {
        let entries = match audit_entries(self.home) {
            Ok(entries) => entries,
            Err(e) => {
                checks.add("audit chain intact", "reading the log".into(), vec![e]);
                return;
            }
        };
        let mut problems = Vec::new();
        match capture(self.cmd("sigil-audit").arg("verify"), None) {
            Ok(out) => {
                let want = format!("intact: {} entries", entries.len());
                if !out.contains(&want) || out.contains("note:") {
                    problems.push(format!(
                        "`sigil audit verify` said {:?}, not {want:?}",
                        out.trim()
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
        for (i, e) in entries.iter().enumerate() {
            if e.seq != i as u64 + 1 || e.key == "none" {
                problems.push(format!("entry {} of the files is {e:?}", i + 1));
            }
        }
        checks.add(
            "audit chain intact",
            format!(
                "`sigil audit verify` passes over all {} entries, each keyed, numbered from 1 \
                 without a gap",
                entries.len()
            ),
            problems,
        );
        let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (event, outcome) in records.iter().filter_map(|r| r.audit) {
            *expected.entry((event.into(), outcome.into())).or_default() += 1;
        }
        let mut actual: BTreeMap<(String, String), usize> = BTreeMap::new();
        for e in entries.iter().skip(baseline) {
            *actual
                .entry((e.event.clone(), e.outcome.clone()))
                .or_default() += 1;
        }
        let keys: BTreeSet<&(String, String)> = expected.keys().chain(actual.keys()).collect();
        let mut problems = Vec::new();
        let mut counted = Vec::new();
        for key in keys {
            let (want, got) = (expected.get(key).copied(), actual.get(key).copied());
            let (want, got) = (want.unwrap_or(0), got.unwrap_or(0));
            counted.push(format!("{} {} {got}", key.0, key.1));
            if want != got {
                problems.push(format!(
                    "{got} `{}` entries with outcome {} for {want} operations that write one",
                    key.0, key.1
                ));
            }
        }
        checks.add(
            "one audit entry per operation",
            format!(
                "{} entries written during the run, {} expected; by event and outcome: {}",
                entries.len().saturating_sub(baseline),
                expected.values().sum::<usize>(),
                counted.join(", ")
            ),
            problems,
        );
    }

    /// The accounts the model says exist, with the value a single worker knows for it.
    fn expected_accounts(&self, workers: &[Worker<'_>]) -> BTreeMap<String, Option<String>> {
        let mut expected = BTreeMap::new();
        for w in workers {
            for (k, value) in w.own.iter().enumerate() {
                if let Some(v) = value {
                    expected.insert(own_account(w.id, k), Some(v.clone()));
                }
            }
            if let Some(v) = &w.git {
                expected.insert(format!("{}/{GIT_USER}", git_host(w.id)), Some(v.clone()));
            }
        }
        // Limited accounts are not read back (a read would spend or be refused a use); the
        // registers are checked by `check_registers`.
        for w in 0..self.processes {
            expected.insert(own_limited(w), None);
        }
        expected.insert(SHARED_LIMITED.to_owned(), None);
        for r in (0..SHARED_KEYS).map(Register::Key).chain([Register::Git]) {
            expected.insert(r.account(), None);
        }
        expected
    }

    fn check_store(&self, checks: &mut Checks, expected: &BTreeMap<String, Option<String>>) {
        let (mut lost, mut phantom) = (Vec::new(), Vec::new());
        let listed: BTreeMap<String, String> = match capture(&mut self.cmd("sigil-list"), None) {
            Ok(out) => out
                .lines()
                .map(|l| {
                    let cols: Vec<&str> = l.split('\t').collect();
                    (
                        cols[0].to_owned(),
                        cols.get(2).copied().unwrap_or("").to_owned(),
                    )
                })
                .collect(),
            Err(e) => {
                lost.push(e);
                BTreeMap::new()
            }
        };
        let mut files = Vec::new();
        walk(&self.home.join("store"), Path::new(""), &mut files);
        let files: BTreeSet<String> = files
            .iter()
            .filter_map(|f| Some(f.to_str()?.strip_suffix(".age")?.to_owned()))
            .filter(|f| !f.starts_with('.') && !f.contains("/."))
            .collect();
        for account in expected.keys() {
            if !listed.contains_key(account) {
                lost.push(format!("`sigil list` does not list {account}"));
            }
            if !files.contains(&format!("{account}/api_key")) {
                lost.push(format!("the store has no file for {account}/api_key"));
            }
        }
        for (account, fields) in &listed {
            if !expected.contains_key(account) || fields != "api_key" {
                phantom.push(format!(
                    "`sigil list` lists {account} with fields {fields:?}"
                ));
            }
        }
        for file in &files {
            let account = file.rsplit_once('/').map_or(file.as_str(), |(a, _)| a);
            if !file.ends_with("/api_key") || !expected.contains_key(account) {
                phantom.push(format!("the store holds {file}.age"));
            }
        }
        let known: Vec<(&String, &String)> = expected
            .iter()
            .filter_map(|(a, v)| Some((a, v.as_ref()?)))
            .collect();
        for (account, value) in &known {
            match capture(self.cmd("sigil-get").arg(account.as_str()), None) {
                Ok(out) if out == format!("{value}\n") => {}
                Ok(out) => lost.push(format!("{account} holds {out:?}, not {value:?}")),
                Err(e) => lost.push(e),
            }
        }
        checks.add(
            "no lost credential",
            format!(
                "each of the {} accounts the workers' models hold is listed by `sigil list` \
                 and has its file in the store; the {} whose value one worker knows read back \
                 with `sigil get`",
                expected.len(),
                known.len()
            ),
            lost,
        );
        checks.add(
            "no phantom credential",
            format!(
                "`sigil list` lists {} accounts and the store holds {} secret files: none that \
                 the models do not hold, none with another field",
                listed.len(),
                files.len()
            ),
            phantom,
        );
    }

    fn check_registers(&self, checks: &mut Checks, records: &[&Record], setup_done: Instant) {
        let at = |t: Instant| t.saturating_duration_since(setup_done);
        let mut problems = Vec::new();
        let (mut n_reads, mut n_writes) = (0, 0);
        for r in (0..SHARED_KEYS).map(Register::Key).chain([Register::Git]) {
            let mut writes = vec![Span {
                value: r.seed(),
                start: Duration::ZERO,
                end: Duration::ZERO,
                ok: true,
            }];
            let mut reads = Vec::new();
            for rec in records {
                let span = |value: &String| Span {
                    value: value.clone(),
                    start: at(rec.start),
                    end: at(rec.end),
                    ok: rec.code == Some(0),
                };
                match (&rec.write, &rec.read) {
                    (Some((w, v)), _) if *w == r => writes.push(span(v)),
                    (_, Some((w, v))) if *w == r => reads.push(span(v)),
                    _ => {}
                }
            }
            (n_reads, n_writes) = (n_reads + reads.len(), n_writes + writes.len() - 1);
            let now = at(Instant::now());
            match capture(self.cmd("sigil-get").arg(r.account()), None) {
                Ok(out) => reads.push(Span {
                    value: out.strip_suffix('\n').unwrap_or(&out).to_owned(),
                    start: now,
                    end: now,
                    ok: true,
                }),
                Err(e) => problems.push(e),
            }
            problems.extend(register_problems(&r.account(), &writes, &reads));
        }
        checks.add(
            "shared values are ones written, never stale",
            format!(
                "{n_reads} reads of the {} shared credentials during the run and their final \
                 values, against {n_writes} overwrites: every value read was written by an \
                 operation that had started, and not yet overwritten by one that had finished",
                SHARED_KEYS + 1
            ),
            problems,
        );
    }

    /// The `uses` that `sigil policy show --json` reports for `address`.
    fn uses_of(&self, address: &str) -> Result<(u64, Option<u64>)> {
        let out = capture(
            self.cmd("sigil-policy").args(["show", "--json", address]),
            None,
        )?;
        let uses = json_number_field(&out, "uses")
            .ok_or_else(|| format!("`sigil policy show` printed no uses for {address}: {out}"))?;
        Ok((uses, json_number_field(&out, "max_uses")))
    }

    fn check_uses(
        &self,
        checks: &mut Checks,
        workers: &[Worker<'_>],
        records: &[&Record],
        baseline: usize,
    ) {
        let mut problems = Vec::new();
        for w in workers {
            let address = own_limited(w.id);
            match self.uses_of(&address) {
                Ok((uses, Some(OWN_MAX_USES))) if uses == w.uses => {}
                Ok((uses, max)) => problems.push(format!(
                    "{address} counts {uses} uses of {max:?}; its worker spent {} of \
                     {OWN_MAX_USES}",
                    w.uses
                )),
                Err(e) => problems.push(e),
            }
        }
        let m = self.shared_max_uses;
        let tried: Vec<&&Record> = records
            .iter()
            .filter(|r| r.kind == Kind::LimitedGet && r.address == SHARED_LIMITED)
            .collect();
        let handed: Vec<&&&Record> = tried.iter().filter(|r| r.code == Some(0)).collect();
        let refused: Vec<&&&Record> = tried.iter().filter(|r| r.code == Some(5)).collect();
        if handed.len() as u64 != (tried.len() as u64).min(m) {
            problems.push(format!(
                "{SHARED_LIMITED} (--max-uses {m}) was handed out {} times in {} gets",
                handed.len(),
                tried.len()
            ));
        }
        match self.uses_of(SHARED_LIMITED) {
            Ok((uses, _)) if uses == handed.len() as u64 => {}
            Ok((uses, _)) => problems.push(format!(
                "{SHARED_LIMITED} counts {uses} uses, but was handed out {} times",
                handed.len()
            )),
            Err(e) => problems.push(e),
        }
        // The count never goes down, so once a get was refused none may succeed.
        let first_refusal = refused.iter().map(|r| r.end).min();
        if let Some(t) = first_refusal
            && handed.iter().any(|r| r.start > t)
        {
            problems.push(format!(
                "{SHARED_LIMITED} was handed out after a get of it had been refused"
            ));
        }
        match audit_entries(self.home) {
            Ok(entries) => {
                let count = |outcome: &str| {
                    let of_it = |e: &&AuditEntry| {
                        e.event == "get"
                            && e.outcome == outcome
                            && e.addresses
                                .first()
                                .is_some_and(|a| a.starts_with(SHARED_LIMITED))
                    };
                    entries.iter().skip(baseline).filter(of_it).count()
                };
                if (count("ok"), count("refused")) != (handed.len(), refused.len()) {
                    problems.push(format!(
                        "the audit log has {} ok and {} refused gets of {SHARED_LIMITED}, for \
                         {} handed out and {} refused",
                        count("ok"),
                        count("refused"),
                        handed.len(),
                        refused.len()
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
        checks.add(
            "use counts exact",
            format!(
                "the shared account (--max-uses {m}): {} gets by all workers, {} handed out \
                 (= min({m}, {}) = the uses `sigil policy show` counts, and the `ok` audit \
                 entries), {} refused with exit 5 (= the `refused` entries), none handed out \
                 after a refusal; each worker's own account (--max-uses {OWN_MAX_USES}, reset \
                 by `policy set`): exact after every operation and at the end",
                tried.len(),
                handed.len(),
                tried.len(),
                refused.len()
            ),
            problems,
        );
    }

    fn check_status(&self, checks: &mut Checks, secrets: usize) {
        let mut problems = Vec::new();
        match capture(self.cmd("sigil-status").arg("--json"), None) {
            Ok(out) => {
                if !out.contains("\"problems\": []") {
                    let listed = out.split_once("\"problems\"").map_or(&*out, |(_, p)| p);
                    problems.push(format!("`sigil status --json` reports problems{listed}"));
                }
                let counted = json_number_field(&out, "secrets");
                if counted != Some(secrets as u64) {
                    problems.push(format!(
                        "`sigil status --json` counts {counted:?} secrets, not {secrets}"
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
        checks.add(
            "sigil status reports no problem",
            format!(
                "`sigil status` lists no problem (no orphaned secret or metadata, no leftover) \
                 and counts the {secrets} secrets"
            ),
            problems,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// figures and the doc
// ---------------------------------------------------------------------------------------------

/// The run's figures.
struct Figures {
    elapsed: Duration,
    ran: usize,
    planned: usize,
    stopped: bool,
    latencies: BTreeMap<Kind, Vec<Duration>>,
    all: Vec<Duration>,
}

impl Figures {
    fn of(workers: &[Worker<'_>], elapsed: Duration, opts: &Options) -> Figures {
        let mut latencies: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
        let mut all = Vec::new();
        for r in workers.iter().flat_map(|w| &w.records) {
            latencies.entry(r.kind).or_default().push(r.end - r.start);
            all.push(r.end - r.start);
        }
        for v in latencies.values_mut() {
            v.sort();
        }
        all.sort();
        Figures {
            elapsed,
            ran: all.len(),
            planned: opts.processes * opts.ops,
            stopped: workers.iter().any(|w| w.stopped),
            latencies,
            all,
        }
    }

    fn per_second(&self) -> f64 {
        self.ran as f64 / self.elapsed.as_secs_f64()
    }

    fn get(&self) -> &[Duration] {
        self.latencies.get(&Kind::Get).map_or(&[], Vec::as_slice)
    }

    fn summary(&self) -> String {
        let mut s = format!(
            "{} of {} operations in {:.1} s: {:.1} operations per second{}\n",
            self.ran,
            self.planned,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            if self.stopped {
                " (stopped at the time limit)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            s,
            "sigil get under load: p50 {}, p99 {}",
            ms(percentile(self.get(), 0.50)),
            ms(percentile(self.get(), 0.99))
        );
        s
    }
}

/// The nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The soak block of docs/performance.md, markers included.
fn section(f: &Figures, checks: &Checks, opts: &Options, shared_max_uses: u64) -> String {
    let m = machine();
    let (begin, end) = docblock::markers("soak");
    let mut doc = format!("{begin}\n## Soak\n\n{SOAK_INTRO}\n");
    let mix: Vec<String> = MIX
        .iter()
        .map(|(weight, op)| format!("{} {weight} %", op.describe()))
        .collect();
    let _ = writeln!(
        doc,
        "The mix: {}. Shared limited account: `--max-uses {shared_max_uses}` (the processes × \
         operations / 40).\n",
        mix.join(", ")
    );
    let _ = writeln!(
        doc,
        "- produced by: `cargo xtask soak --processes {} --ops {} --seconds {}` (release \
         build; `SIGIL_BACKEND=file`, a scratch `SIGIL_HOME` under {})\n\
         - date: {}\n\
         - machine: `{}`, {} CPUs ({})\n\
         - tools: {}\n",
        opts.processes,
        opts.ops,
        opts.seconds,
        std::env::temp_dir().display(),
        m.date,
        m.uname,
        m.nproc,
        m.cpu,
        m.tools.first().map_or("rustc unknown", String::as_str),
    );
    let _ = writeln!(
        doc,
        "**{} operations{} in {:.1} s: {:.1} operations per second. `sigil get` under this \
         load: p50 {}, p99 {}.**\n",
        f.ran,
        if f.stopped {
            format!(" (of {}; stopped at the time limit)", f.planned)
        } else {
            String::new()
        },
        f.elapsed.as_secs_f64(),
        f.per_second(),
        ms(percentile(f.get(), 0.50)),
        ms(percentile(f.get(), 0.99)),
    );
    doc.push_str("| operation | count | p50 | p99 | max |\n| --- | ---: | ---: | ---: | ---: |\n");
    let rows = f
        .latencies
        .iter()
        .map(|(kind, v)| (kind.label(), v))
        .chain([("all", &f.all)]);
    for (label, v) in rows {
        let _ = writeln!(
            doc,
            "| {label} | {} | {} | {} | {} |",
            v.len(),
            ms(percentile(v, 0.50)),
            ms(percentile(v, 0.99)),
            ms(v.last().copied().unwrap_or_default())
        );
    }
    doc.push_str("\n| invariant | what was checked | result |\n| --- | --- | --- |\n");
    for (invariant, detail, held) in &checks.table {
        let result = if *held { "held" } else { "broken" };
        let _ = writeln!(doc, "| {invariant} | {detail} | {result} |");
    }
    doc.push_str(&end);
    doc
}

const SOAK_INTRO: &str =
    "<!-- written by `cargo xtask soak`; change xtask/src/soak.rs, not this section -->

`cargo xtask soak` loads one store the way many programs sharing it would: N worker threads in
xtask each start sigil's real binaries one after another, so N sigil processes run at once,
each operation a whole process timed from spawn to exit. A worker draws its operations from a
fixed mix with a seeded xorshift, partly on addresses only it touches (4 accounts, a limited
account, a git origin), whose every outcome its own model predicts exactly, and partly on
shared ones (4 accounts and a git origin that every worker overwrites with values unique to
the operation and reads, and a `--max-uses` account that every worker spends), where the
contention is. Afterwards the store, the audit log and the home are checked against what the
workers did. Not part of the test run (`cargo xtask test`).
";

#[cfg(test)]
mod tests {
    use super::*;

    fn span(value: &str, start: u64, end: u64) -> Span {
        Span {
            value: value.to_owned(),
            start: Duration::from_millis(start),
            end: Duration::from_millis(end),
            ok: true,
        }
    }

    #[test]
    fn registers_allow_concurrent_values_and_catch_stale_and_phantom_ones() {
        let writes = [span("seed", 0, 0), span("a", 10, 20), span("b", 15, 30)];
        // Overlapping writes: either may be read during and after them.
        let fine = [span("seed", 12, 14), span("a", 25, 40), span("b", 16, 18)];
        assert!(register_problems("r", &writes, &fine).is_empty());
        // The seed after `a` had finished, before the read began: stale.
        assert_eq!(
            register_problems("r", &writes, &[span("seed", 21, 22)]).len(),
            1
        );
        // `a` after `b` finished at 30 and... `b` started before `a` ended: not stale.
        assert!(register_problems("r", &writes, &[span("a", 31, 32)]).is_empty());
        // A value nobody wrote, and one read before its write began.
        assert_eq!(
            register_problems("r", &writes, &[span("zz", 1, 2)]).len(),
            1
        );
        assert_eq!(register_problems("r", &writes, &[span("b", 1, 2)]).len(), 1);
    }

    #[test]
    fn audit_lines_are_read() {
        let line = r#"{"seq":3,"time":"2026-11-23T03:48:19Z","event":"get","addresses":["github/me/token","a/b"],"outcome":"ok","binary":"sigil-get","pid":16046,"parent":"bash","key":"79084bf7d4d0","mac":"64f9"}"#;
        let e = audit_entry(line).unwrap();
        assert_eq!(
            (e.seq, e.event.as_str(), e.outcome.as_str()),
            (3, "get", "ok")
        );
        assert_eq!(e.addresses, ["github/me/token", "a/b"]);
        assert_eq!(e.key, "79084bf7d4d0");
        let empty = r#"{"seq":1,"time":"t","event":"init","addresses":[],"outcome":"ok","key":"k","mac":"m"}"#;
        assert!(audit_entry(empty).unwrap().addresses.is_empty());
        assert!(audit_entry("not json").is_none());
        assert_eq!(
            json_number_field("{\n  \"max_uses\": 2,\n  \"uses\": 7\n}", "uses"),
            Some(7)
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn the_mix_is_in_percent_and_reproducible() {
        assert_eq!(MIX.iter().map(|(w, _)| w).sum::<u32>(), 100);
        let draw = |worker| {
            let mut rng = Rng::new(worker);
            (0..64).map(|_| rng.next()).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
