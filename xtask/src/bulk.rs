//! The large-store rows of `cargo xtask bench`: migrating a 10,000-entry `.env` and rolling it
//! back, and creating, verifying and restoring a backup of 10,000 secrets. These commands
//! change the store, so hyperfine's "same command, many runs" does not fit: xtask runs each a
//! few times itself, timing the whole process by the wall clock (as hyperfine would) and
//! reading its peak memory from GNU time.

use crate::bench::Sigil;
use crate::common::{Result, create_private_dir, header};
use crate::tools::capture;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// How many times each command runs.
const RUNS: usize = 3;
/// How many credentials the large store holds.
const ENTRIES: usize = 10_000;

/// One command's runs: wall-clock seconds and peak resident memory.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    pub secs: Vec<f64>,
    pub peak_kb: u64,
}

impl Timing {
    pub fn mean(&self) -> f64 {
        self.secs.iter().sum::<f64>() / self.secs.len().max(1) as f64
    }

    pub(crate) fn cell(&self) -> String {
        let min = self.secs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.secs.iter().copied().fold(0.0, f64::max);
        format!(
            "{:.2} s (min {min:.2}, max {max:.2}, {} runs) | {:.1} MB",
            self.mean(),
            self.secs.len(),
            self.peak_kb as f64 / 1024.0
        )
    }
}

/// The large-store results.
#[derive(Debug, Clone, Default)]
pub struct Bulk {
    pub migrate: Timing,
    pub rollback: Timing,
    pub create: Timing,
    pub verify: Timing,
    pub restore: Timing,
    /// `rm -rf` of a store like the one the migration made: the floor for removing it on
    /// this machine.
    pub rm_rf: f64,
    /// `cp -a` of the restored store: the floor for writing it on this machine.
    pub cp_a: f64,
}

/// Runs `command` under GNU time, adding its wall time and peak memory to `into`.
pub(crate) fn timed(command: Command, into: &mut Timing, scratch: &Path) -> Result<String> {
    let report = scratch.join("time.txt");
    let program = command.get_program().to_owned();
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(program)
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    // Start from a quiet disk: without this, a run pays for the writes and deletions (and
    // their discards) of the one before it.
    capture(&mut Command::new("sync"), None)?;
    let start = Instant::now();
    let out = capture(&mut wrapped, None)?;
    into.secs.push(start.elapsed().as_secs_f64());
    let kb: u64 = fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("GNU time wrote no peak memory")?;
    into.peak_kb = into.peak_kb.max(kb);
    Ok(out)
}

/// Runs the large-store benchmarks in `tmp` (a private scratch directory).
///
/// The backup rows run first, before anything large is deleted: ext4 passes over inodes freed
/// in the last minutes when it allocates new ones (`recently_deleted` in its inode allocator,
/// up to six minutes while the inode table is not yet written back), so creating 30,000
/// inodes right after deleting as many costs up to twice as much. A restore onto a machine
/// being set up does not pay that; the migrate rows after the rollbacks do, as a user
/// migrating again after an undo would.
pub fn run(sigil: &Sigil, tmp: &Path) -> Result<Bulk> {
    let mut r = Bulk::default();
    let home = tmp.join("home-bulk");
    sigil.init(&home)?;
    let app = tmp.join("app");
    create_private_dir(&app)?;
    let env_file = app.join(".env");
    let mut text = String::new();
    for i in 0..ENTRIES {
        let _ = writeln!(text, "SERVICE_{i}_API_KEY=sk-bench-{i:08}-abcdefghijklmnop");
    }
    fs::write(&env_file, &text).map_err(|e| format!("cannot write {}: {e}", env_file.display()))?;

    header("backing up, verifying and restoring 10,000 secrets");
    let mut migrate = sigil.command("sigil-migrate", &home);
    migrate.arg(&env_file).current_dir(tmp);
    capture(&mut migrate, None)?;
    let backup = tmp.join("bulk.age");
    for _ in 0..RUNS {
        let mut create = sigil.command("sigil-backup", &home);
        create.args(["create", "-o"]).arg(&backup);
        timed(create, &mut r.create, tmp)?;
    }
    for _ in 0..RUNS {
        let mut verify = sigil.command("sigil-backup", &home);
        verify.arg("verify").arg(&backup);
        let out = timed(verify, &mut r.verify, tmp)?;
        if !out.contains(&format!("secrets:    {ENTRIES}")) {
            return Err(format!(
                "sigil-backup verify did not report {ENTRIES} secrets:\n{out}"
            ));
        }
    }
    for run in 0..RUNS {
        // A fresh home with the same identity, as on a new machine.
        let target = tmp.join(format!("home-restored-{run}"));
        create_private_dir(&target)?;
        fs::copy(home.join("identity.txt"), target.join("identity.txt"))
            .map_err(|e| format!("cannot copy the identity: {e}"))?;
        let mut restore = sigil.command("sigil-backup", &target);
        restore.arg("restore").arg(&backup);
        timed(restore, &mut r.restore, tmp)?;
        let listed = capture(&mut sigil.command("sigil-list", &target), None)?;
        if listed.lines().count() < ENTRIES {
            return Err(format!(
                "the restored home lists {} accounts, not {ENTRIES}",
                listed.lines().count()
            ));
        }
    }
    // The floor for writing such a tree on this disk at this moment: a copy of the restored
    // store (no encryption, one thread).
    let copy = tmp.join("store-copy");
    capture(&mut Command::new("sync"), None)?;
    let start = Instant::now();
    capture(
        Command::new("cp")
            .arg("-a")
            .arg(tmp.join("home-restored-0").join("store"))
            .arg(&copy),
        None,
    )?;
    r.cp_a = start.elapsed().as_secs_f64();

    header("migrating a 10,000-entry .env and rolling it back");
    // Undo the migration the backup rows used, so that each timed migration starts from the
    // plaintext `.env`.
    let mut undo = sigil.command("sigil-migrate", &home);
    undo.arg("--rollback").current_dir(tmp);
    capture(&mut undo, None)?;
    if fs::read_to_string(&env_file).map_err(|e| e.to_string())? != text {
        return Err("sigil-migrate --rollback did not restore the .env byte for byte".into());
    }
    for run in 0..RUNS {
        let mut migrate = sigil.command("sigil-migrate", &home);
        migrate.arg(&env_file).current_dir(tmp);
        timed(migrate, &mut r.migrate, tmp)?;
        let migrated = fs::read_to_string(&env_file).map_err(|e| e.to_string())?;
        if !migrated.contains("auth://") || migrated == text {
            return Err("sigil-migrate did not rewrite the .env".into());
        }
        if run + 1 == RUNS {
            // The floor for undoing it: how long this machine takes to delete such a tree.
            capture(&mut Command::new("sync"), None)?;
            let start = Instant::now();
            capture(Command::new("rm").arg("-rf").arg(&copy), None)?;
            r.rm_rf = start.elapsed().as_secs_f64();
        }
        let mut rollback = sigil.command("sigil-migrate", &home);
        rollback.arg("--rollback").current_dir(tmp);
        timed(rollback, &mut r.rollback, tmp)?;
        if fs::read_to_string(&env_file).map_err(|e| e.to_string())? != text {
            return Err("sigil-migrate --rollback did not restore the .env byte for byte".into());
        }
    }
    for run in 0..RUNS {
        let _ = fs::remove_dir_all(tmp.join(format!("home-restored-{run}")));
    }
    Ok(r)
}

/// The targets of the large-store rows: what, measured, met.
pub fn targets(r: &Bulk) -> Vec<(&'static str, String, bool)> {
    let mb = |t: &Timing| t.peak_kb as f64 / 1024.0;
    let peak = [&r.create, &r.verify, &r.restore]
        .iter()
        .map(|t| mb(t))
        .fold(0.0, f64::max);
    vec![
        (
            "migrate a 10,000-entry `.env` < 3 s",
            format!("{:.2} s", r.migrate.mean()),
            r.migrate.mean() < 3.0,
        ),
        (
            "roll that migration back < 3 s",
            format!(
                "{:.2} s (`rm -rf` of the same store: {:.2} s)",
                r.rollback.mean(),
                r.rm_rf
            ),
            r.rollback.mean() < 3.0,
        ),
        (
            "`sigil backup create` of 10,000 secrets < 2 s",
            format!("{:.2} s", r.create.mean()),
            r.create.mean() < 2.0,
        ),
        (
            "`sigil backup restore` of 10,000 secrets < 3 s",
            format!(
                "{:.2} s (`cp -a` of the restored store: {:.2} s)",
                r.restore.mean(),
                r.cp_a
            ),
            r.restore.mean() < 3.0,
        ),
        (
            "backup create/verify/restore peak memory < 32 MB",
            format!("{peak:.1} MB"),
            peak < 32.0,
        ),
    ]
}

/// The doc's section for these rows.
pub fn section(r: &Bulk) -> String {
    let mut doc = String::from(
        "\n## Large stores\n\n\
         Timed by `cargo xtask bench` itself (these commands change the store, so each runs \
         in turn rather than under hyperfine): wall clock of the whole process, peak resident \
         memory from GNU time (`/usr/bin/time -f %M`), each run after a `sync` so that it does not pay \
         for the disk work of the one before. The `.env` holds 10,000 \
         `SERVICE_<n>_API_KEY=…` lines; each rollback is checked to restore it byte for byte, \
         and each restore goes into a fresh home with the same identity and is checked with \
         `sigil list`.\n\n\
         | benchmark | mean (min, max) | peak memory |\n| --- | --- | --- |\n",
    );
    for (what, t) in [
        ("sigil migrate app/.env (10,000 entries)", &r.migrate),
        ("sigil migrate --rollback", &r.rollback),
        ("sigil backup create (10,000 secrets)", &r.create),
        ("sigil backup verify", &r.verify),
        ("sigil backup restore into a fresh home", &r.restore),
    ] {
        let _ = writeln!(doc, "| {what} | {} |", t.cell());
    }
    let _ = writeln!(
        doc,
        "| `cp -a` of the restored store (for comparison) | {:.2} s | |",
        r.cp_a
    );
    let _ = writeln!(
        doc,
        "| `rm -rf` of the same store (for comparison) | {:.2} s | |",
        r.rm_rf
    );
    doc.push_str("\n| target | measured | result |\n| --- | --- | --- |\n");
    for (target, measured, met) in targets(r) {
        let result = if met { "met" } else { "missed" };
        let _ = writeln!(doc, "| {target} | {measured} | {result} |");
    }
    doc.push_str(
        "\nA rollback has to delete what the migration created: 10,000 files and, because \
         every variable became its own service, 20,000 directories. On a filesystem mounted \
         with `discard` (as this machine's is) every freed block is discarded synchronously, \
         so deleting is bounded by the disk, not by sigil: compare the `rm -rf` row. sigil \
         deletes with a few threads and one `syncfs`, and takes about what `rm -rf` of the \
         same tree takes.\n\n\
         Creating that many files and directories is bounded by the filesystem too: a restore \
         encrypts each secret into its own file, and costs about what `cp -a` of the restored \
         store costs. The backup rows run before the rollbacks delete anything, because ext4 \
         passes over inodes freed in the last minutes when it allocates new ones, which makes \
         creating 30,000 inodes right after deleting as many up to twice as slow; a machine \
         being restored to has not just deleted a store.\n",
    );
    doc
}
