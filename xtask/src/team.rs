//! The team rows of `cargo xtask bench`: a store of 10,000 secrets shared by 100 members
//! (one `.age-recipients` at the store's root), and what it costs to add a member and to
//! remove one, each of which re-encrypts every secret the folder governs.

use crate::bench::Sigil;
use crate::bulk::{Timing, timed};
use crate::common::{Result, create_private_dir, header};
use crate::tools::capture;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How many members share the store, the bench's own identity included.
const MEMBERS: usize = 100;
/// How many secrets the shared store holds.
const SECRETS: usize = 10_000;

/// The team results.
#[derive(Debug, Clone, Default)]
pub struct Team {
    /// Encrypting 10,000 secrets to 100 recipients (a migration of a `.env`).
    pub fill: Timing,
    /// `sigil recipients add` of a 101st member.
    pub add_member: Timing,
    /// `sigil recipients rm` of that member.
    pub rm_member: Timing,
}

/// A new age key pair from `age-keygen`: (identity file text, public key).
fn keygen() -> Result<(String, String)> {
    let text = capture(&mut Command::new("age-keygen"), None)?;
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .ok_or("age-keygen printed no public key")?
        .to_owned();
    Ok((text, public))
}

/// Makes the team store in `tmp/home-team`: 100 members in the store root's
/// `.age-recipients`, 10,000 secrets migrated from a `.env`. Returns the home and the time the
/// migration took.
pub fn fill(sigil: &Sigil, tmp: &Path) -> Result<(PathBuf, Timing)> {
    let mut fill = Timing::default();
    let home = tmp.join("home-team");
    sigil.init(&home)?;
    header("a store of 10,000 secrets shared by 100 members");
    let own = capture(
        Command::new("age-keygen")
            .arg("-y")
            .arg(home.join("identity.txt")),
        None,
    )?;
    let mut recipients = format!("# name: bench\n{}\n", own.trim());
    for i in 1..MEMBERS {
        let _ = writeln!(recipients, "# name: member{i}\n{}", keygen()?.1);
    }
    let store = home.join("store");
    create_private_dir(&store)?;
    fs::write(store.join(".age-recipients"), recipients).map_err(|e| e.to_string())?;
    let app = tmp.join("team-app");
    create_private_dir(&app)?;
    let mut text = String::new();
    for i in 0..SECRETS {
        let _ = writeln!(text, "TEAM_{i}_API_KEY=sk-team-{i:08}-abcdefghijklmnop");
    }
    let env_file = app.join(".env");
    fs::write(&env_file, &text).map_err(|e| e.to_string())?;
    let mut migrate = sigil.command("sigil-migrate", &home);
    migrate.arg(&env_file).current_dir(&app);
    timed(migrate, &mut fill, tmp)?;
    Ok((home, fill))
}

pub fn run(sigil: &Sigil, tmp: &Path) -> Result<Team> {
    let (home, fill) = fill(sigil, tmp)?;
    let mut r = Team {
        fill,
        ..Team::default()
    };
    let store = home.join("store");
    header("adding a member to it and removing them again");
    let (newcomer, newcomer_key) = keygen()?;
    let newcomer_file = tmp.join("newcomer.txt");
    fs::write(&newcomer_file, newcomer).map_err(|e| e.to_string())?;
    // `TEAM_5000_API_KEY` in `team-app/.env` became `team-5000/team-app/api_key`.
    let sample = store.join("team-5000/team-app/api_key.age");
    if !sample.is_file() {
        return Err(format!("the migration made no {}", sample.display()));
    }
    let mut add = sigil.command("sigil-recipients", &home);
    add.args(["add", &newcomer_key, "--name", "newcomer"]);
    timed(add, &mut r.add_member, tmp)?;
    age_reads(&newcomer_file, &sample, true)?;
    let mut rm = sigil.command("sigil-recipients", &home);
    rm.args(["rm", "newcomer"]);
    timed(rm, &mut r.rm_member, tmp)?;
    // What the bench measured must be what was asked: the removed member's key no longer
    // opens the re-encrypted files, and the bench's own still does.
    age_reads(&newcomer_file, &sample, false)?;
    age_reads(&home.join("identity.txt"), &sample, true)?;
    Ok(r)
}

/// Checks that `age -d -i identity file` succeeds (`expected`) or fails.
fn age_reads(identity: &Path, file: &Path, expected: bool) -> Result<()> {
    let ok = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run age: {e}"))?
        .status
        .success();
    if ok == expected {
        Ok(())
    } else {
        Err(format!(
            "age -d -i {} {}: expected it to {}",
            identity.display(),
            file.display(),
            if expected { "decrypt" } else { "fail" }
        ))
    }
}

/// The team section of docs/performance.md.
pub fn section(r: &Team) -> String {
    let mut doc = String::from(
        "\n## Teams\n\n\
         A store of 10,000 secrets whose root `.age-recipients` names 100 members, so every \
         file carries 100 recipient stanzas. Adding or removing a member re-encrypts every \
         secret the folder governs, each file written atomically, a few at a time on \
         several threads, and journaled. Timed \
         like the large-store rows (wall clock, GNU time), one run each; after the removal \
         xtask checks with `age -d` that the removed member's key no longer opens a \
         re-encrypted file and that the bench's own key still does.\n\n\
         | benchmark | mean (min, max) | peak memory |\n| --- | --- | --- |\n",
    );
    for (what, t) in [
        (
            "encrypting 10,000 secrets to 100 members (`sigil migrate` of a .env)",
            &r.fill,
        ),
        (
            "adding a member: `sigil recipients add KEY` (re-encrypts 10,000 secrets)",
            &r.add_member,
        ),
        (
            "removing that member: `sigil recipients rm NAME` (re-encrypts 10,000 secrets)",
            &r.rm_member,
        ),
    ] {
        let _ = writeln!(doc, "| {what} | {} |", t.cell());
    }
    doc
}

/// `cargo xtask bench-team`: only the team rows, printed rather than written into
/// docs/performance.md (which the whole `cargo xtask bench` writes).
pub(crate) fn bench_team() -> Result<()> {
    use crate::bench::ScratchDir;
    let (sigil, _) = crate::bench::prepare()?;
    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-bench-team-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    print!("{}", section(&run(&sigil, &scratch.0)?));
    Ok(())
}
