//! `cargo xtask install-bench`: README's install command (`cargo install --locked --path .`)
//! timed from a cold target directory, what it installs weighed, and where the build's time
//! goes (cargo's `--timings` report, summed by crate), written to the Install block of
//! `docs/performance.md`. Not part of `cargo xtask test`: it takes minutes and wants a quiet
//! machine.

use crate::bench::{ScratchDir, machine};
use crate::common::{Result, create_private_dir, header, workspace_root};
use crate::docblock;
use crate::test_env::cargo;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

/// The targets: a cold install within 4 minutes, everything it installs within 40 MB.
const MAX_SECONDS: f64 = 240.0;
const MAX_BYTES: u64 = 40_000_000;

/// What one cold install measured.
struct Install {
    seconds: f64,
    /// Each installed file and its size, by name.
    files: BTreeMap<String, u64>,
    /// Seconds of compilation per crate (build scripts included), from `--timings`.
    crates: Vec<(String, f64)>,
}

pub(crate) fn run() -> Result<()> {
    let root = workspace_root();
    header("fetching crates (not timed: the install is measured with crates downloaded)");
    let status = cargo(&root, &["fetch", "--locked"])
        .status()
        .map_err(|e| format!("cannot run cargo fetch: {e}"))?;
    if !status.success() {
        return Err("cargo fetch --locked failed".into());
    }
    let scratch = ScratchDir(
        std::env::temp_dir().join(format!("sigil-install-bench-{}", std::process::id())),
    );
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let install = measure(&root, &scratch.0)?;
    let path = root.join("docs/performance.md");
    let old = fs::read_to_string(&path).unwrap_or_default();
    fs::write(&path, docblock::splice(&old, "install", &render(&install)))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let total: u64 = install.files.values().sum();
    eprintln!(
        "cold install {:.0} s (target {MAX_SECONDS:.0} s), {} installed (target {}); \
         wrote docs/performance.md",
        install.seconds,
        megabytes(total),
        megabytes(MAX_BYTES)
    );
    Ok(())
}

/// Runs the install into `scratch` with a target directory of its own, and reads what it left.
fn measure(root: &Path, scratch: &Path) -> Result<Install> {
    let target = scratch.join("target");
    let prefix = scratch.join("root");
    header("cargo install --locked --path . (cold target directory, --timings)");
    let root_arg = root.to_string_lossy().into_owned();
    let prefix_arg = prefix.to_string_lossy().into_owned();
    let start = Instant::now();
    let status = cargo(
        root,
        &[
            "install",
            "--locked",
            "--path",
            &root_arg,
            "--root",
            &prefix_arg,
            "--timings",
        ],
    )
    .env("CARGO_TARGET_DIR", &target)
    .status()
    .map_err(|e| format!("cannot run cargo install: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err("cargo install failed".into());
    }
    let mut files = BTreeMap::new();
    let bin = prefix.join("bin");
    for entry in fs::read_dir(&bin).map_err(|e| format!("cannot read {}: {e}", bin.display()))? {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", bin.display()))?;
        let len = entry.metadata().map_err(|e| e.to_string())?.len();
        files.insert(entry.file_name().to_string_lossy().into_owned(), len);
    }
    let report = target.join("cargo-timings/cargo-timing.html");
    let html = fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    Ok(Install {
        seconds,
        files,
        crates: by_crate(&html)?,
    })
}

/// Compilation seconds per crate from cargo's timing report (its `UNIT_DATA` array), most
/// first.
fn by_crate(html: &str) -> Result<Vec<(String, f64)>> {
    let start = html
        .find("const UNIT_DATA = ")
        .ok_or("the timing report has no UNIT_DATA")?
        + "const UNIT_DATA = ".len();
    let mut units = serde_json::Deserializer::from_str(&html[start..]).into_iter();
    let units: Vec<serde_json::Value> = units
        .next()
        .ok_or("the timing report's UNIT_DATA is empty")?
        .map_err(|e| format!("cannot read the timing report's UNIT_DATA: {e}"))?;
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for u in &units {
        let mut name = u["name"].as_str().unwrap_or("?").to_owned();
        // sigil's own units apart: the library, and its binaries (compiled and linked).
        if name == "sigil" {
            let bin = u["target"].as_str().is_some_and(|t| t.contains("bin"));
            name = if bin {
                "sigil's binaries (compiling and linking)"
            } else {
                "sigil's library"
            }
            .to_owned();
        }
        *sums.entry(name).or_default() += u["duration"].as_f64().unwrap_or(0.0);
    }
    let mut out: Vec<(String, f64)> = sums.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The Install block of docs/performance.md.
fn render(i: &Install) -> String {
    let m = machine();
    let (begin, end) = docblock::markers("install");
    let total: u64 = i.files.values().sum();
    let compile: f64 = i.crates.iter().map(|(_, s)| s).sum();
    let mut doc = format!("{begin}\n## Install\n\n{INSTALL_INTRO}\n");
    let _ = writeln!(
        doc,
        "- produced by: `cargo xtask install-bench`\n- date: {}\n- machine: `{}`, {} CPUs ({})\n",
        m.date, m.uname, m.nproc, m.cpu
    );
    doc.push_str("| target | measured | result |\n| --- | --- | --- |\n");
    let met = |ok: bool| if ok { "met" } else { "missed" };
    let _ = writeln!(
        doc,
        "| README's install command from a cold target directory ≤ 4 min | {:.0} s ({}:{:02}) | {} |",
        i.seconds,
        i.seconds as u64 / 60,
        i.seconds as u64 % 60,
        met(i.seconds <= MAX_SECONDS)
    );
    let _ = writeln!(
        doc,
        "| everything it installs ≤ 40 MB | {} in {} files | {} |\n",
        megabytes(total),
        i.files.len(),
        met(total <= MAX_BYTES)
    );
    doc.push_str("| installed file | size |\n| --- | ---: |\n");
    let mut by_size: Vec<(&String, &u64)> = i.files.iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    // The full binaries one by one; the entry points (under 1 MB) as one row.
    let (full, entries): (Vec<_>, Vec<_>) = by_size.iter().partition(|(_, len)| **len >= 1_000_000);
    for (name, len) in &full {
        let _ = writeln!(doc, "| `{name}` | {} |", megabytes(**len));
    }
    if let (Some((_, largest)), Some((_, smallest))) = (entries.first(), entries.last()) {
        let (small, large) = (megabytes(**smallest), megabytes(**largest));
        let size = if small == large {
            small
        } else {
            format!("{small}–{large}")
        };
        let _ = writeln!(
            doc,
            "| each of the other {} (entry points: `sigil-add`, …, `git-credential-sigil`) | {size} |",
            entries.len(),
        );
    }
    let _ = writeln!(
        doc,
        "\nCompilation, summed over the crates ({} crates, {compile:.0} s of compiler time on \
         {} cores; the heaviest, then the rest):\n\n| crate | seconds |\n| --- | ---: |",
        i.crates.len(),
        m.nproc
    );
    for (name, s) in i.crates.iter().take(15) {
        let _ = writeln!(doc, "| {name} | {s:.1} |");
    }
    let rest: f64 = i.crates.iter().skip(15).map(|(_, s)| s).sum();
    let _ = writeln!(
        doc,
        "| the other {} | {rest:.1} |",
        i.crates.len().saturating_sub(15)
    );
    doc.push_str(&end);
    doc
}

const INSTALL_INTRO: &str = "\
README's first command installs sigil with `cargo install --locked --path .`. This block times
it from an empty target directory (the crates already downloaded, as after a first `cargo
fetch`), weighs what it installs, and sums cargo's `--timings` report by crate to show where
the time goes. The release profile that decides it is in Cargo.toml, with the reasons.
";
