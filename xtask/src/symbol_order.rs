//! `cargo xtask symbol-order`: writes `link/symbol-order.txt`, the functions that `sigil get`
//! runs, which build.rs hands to the linker so that they sit next to each other.
//!
//! A process start pays a page fault for every 64 KiB window of the executable it touches.
//! Left to itself the linker lays functions out crate by crate, so the few hundred functions
//! one `sigil get` runs are spread over most of the 9 MB of code in the dispatcher, which
//! holds every command. Packed together they fit in a few windows (docs/build.md has the
//! figures).
//!
//! How the list is made, exactly rather than by sampling: the release binaries are linked once
//! more with a link map (`-Map`), each runs `get` once under valgrind's callgrind, and every
//! function callgrind saw enter in the executable is looked up in the map, which names the
//! input section (`.text.<symbol>`) holding that address. The names carry the hash that rustc
//! gives each crate build, so the list matches the toolchain and Cargo.lock it was made with;
//! a name that no longer exists is skipped by the linker, and a stale list only loses the gain.

use crate::bench::{BENCH_BUILD, ScratchDir, Sigil, target_dir};
use crate::common::{Result, header, workspace_root};
use crate::test_env::cargo_step;
use crate::tools::{capture, ensure_tools};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::process::Command;

/// Where the list lives, relative to the workspace root (build.rs reads it from there).
pub(crate) const ORDER_FILE: &str = "link/symbol-order.txt";

/// The binaries profiled, and the arguments that make each read one secret.
const RUNS: [(&str, &[&str]); 2] = [
    ("sigil", &["get", "bench/one"]),
    ("sigil-get", &["bench/one"]),
];

pub(crate) fn run() -> Result<()> {
    ensure_tools(&[("valgrind", "valgrind")])?;
    let root = workspace_root();
    let release = target_dir(&root)?.join("release");
    let scratch = ScratchDir(release.join("symbol-order"));
    let _ = fs::remove_dir_all(&scratch.0);
    fs::create_dir_all(&scratch.0).map_err(|e| format!("creating {}: {e}", scratch.0.display()))?;
    // The other binaries of the profile make the home (init, add).
    cargo_step(&root, &BENCH_BUILD)?;
    let mut symbols = BTreeSet::new();
    for (bin, args) in RUNS {
        header(&format!("linking {bin} with a link map"));
        let map = scratch.0.join(format!("{bin}.map"));
        let link_map = format!("link-arg=-Wl,-Map={}", map.display());
        cargo_step(
            &root,
            &[
                "rustc",
                "--release",
                "--package",
                "sigil",
                "--bin",
                bin,
                "--",
                "-C",
                &link_map,
            ],
        )?;
        let sections = text_sections(&fs::read_to_string(&map).map_err(|e| e.to_string())?);
        let entered = profile(&release, &scratch.0, bin, args)?;
        let found: Vec<&String> = entered
            .iter()
            .filter_map(|a| lookup(&sections, *a))
            .collect();
        println!(
            "{bin}: {} functions entered, {} named in the link map",
            entered.len(),
            found.len()
        );
        symbols.extend(found.into_iter().cloned());
    }
    let text: String = symbols.iter().map(|s| format!("{s}\n")).collect();
    let out = root.join(ORDER_FILE);
    fs::create_dir_all(out.parent().expect("a file in a directory")).map_err(|e| e.to_string())?;
    fs::write(&out, text).map_err(|e| format!("writing {}: {e}", out.display()))?;
    println!("wrote {} symbols to {ORDER_FILE}", symbols.len());
    Ok(())
}

/// Makes a home with one secret and runs `bin args` in it under callgrind; returns the
/// addresses (in the executable's own numbering) of the functions entered in it.
fn profile(release: &Path, scratch: &Path, bin: &str, args: &[&str]) -> Result<BTreeSet<u64>> {
    let sigil = Sigil {
        bin_dir: release.to_path_buf(),
    };
    let home = scratch.join(format!("home-{bin}"));
    sigil.init(&home)?;
    capture(
        sigil.command("sigil-add", &home).arg("bench/one"),
        Some(b"0123456789abcdef"),
    )?;
    let out = scratch.join(format!("{bin}.callgrind"));
    let mut valgrind = Command::new("valgrind");
    valgrind
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(release.join(bin))
        .args(args);
    let cleared = sigil.command(bin, &home);
    for (k, v) in cleared.get_envs() {
        match v {
            Some(v) => valgrind.env(k, v),
            None => valgrind.env_remove(k),
        };
    }
    capture(&mut valgrind, None)?;
    let text = fs::read_to_string(&out).map_err(|e| e.to_string())?;
    Ok(entered_in(&text, &release.join(bin)))
}

/// The `.text.<symbol>` input sections of an lld link map: start address → (size, symbol).
fn text_sections(map: &str) -> BTreeMap<u64, (u64, String)> {
    let mut out = BTreeMap::new();
    for line in map.lines() {
        let mut cols = line.split_whitespace();
        let (Some(vma), Some(_lma), Some(size)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Some(symbol) = line
            .rsplit_once(":(.text.")
            .and_then(|(_, rest)| rest.strip_suffix(')'))
        else {
            continue;
        };
        if let (Ok(vma), Ok(size)) = (u64::from_str_radix(vma, 16), u64::from_str_radix(size, 16))
            && size > 0
        {
            out.insert(vma, (size, symbol.to_owned()));
        }
    }
    out
}

/// The symbol whose section holds `addr`.
fn lookup(sections: &BTreeMap<u64, (u64, String)>, addr: u64) -> Option<&String> {
    let (start, (size, symbol)) = sections.range(..=addr).next_back()?;
    (addr < start + size).then_some(symbol)
}

/// The functions callgrind saw in `binary`, by address. In a callgrind file `ob=`/`cob=`
/// name the object of the function that follows in `fn=`/`cfn=`; names are compressed, so
/// `(7) /path` defines number 7 and a later `(7)` refers to it. A stripped executable's
/// functions are named by their address, `0x…`.
fn entered_in(text: &str, binary: &Path) -> BTreeSet<u64> {
    let mut objects: HashMap<String, String> = HashMap::new();
    let mut functions: HashMap<String, String> = HashMap::new();
    let (mut ob, mut cob) = (String::new(), None::<String>);
    let mut out = BTreeSet::new();
    let resolve = |table: &mut HashMap<String, String>, value: &str| -> String {
        let value = value.trim();
        match value.strip_prefix('(').and_then(|v| v.split_once(')')) {
            Some((id, "")) => table.get(id).cloned().unwrap_or_default(),
            Some((id, name)) => {
                table.insert(id.to_owned(), name.trim().to_owned());
                name.trim().to_owned()
            }
            None => value.to_owned(),
        }
    };
    let wanted = binary.to_string_lossy().into_owned();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (object, name) = match key {
            "ob" => {
                ob = resolve(&mut objects, value);
                continue;
            }
            "cob" => {
                cob = Some(resolve(&mut objects, value));
                continue;
            }
            "fn" => (ob.clone(), resolve(&mut functions, value)),
            "cfn" => (
                cob.take().unwrap_or_else(|| ob.clone()),
                resolve(&mut functions, value),
            ),
            _ => continue,
        };
        if object == wanted
            && let Some(hex) = name.strip_prefix("0x")
            && let Ok(addr) = u64::from_str_radix(hex, 16)
        {
            out.insert(addr);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_map_sections_are_looked_up_by_address() {
        let map = "             VMA              LMA     Size Align Out     In      Symbol
          3514c0           3514c0      d66    16         /t/libsigil.rlib(sigil.o):(.text._ZN5sigil3cli3get3run17habE)
          352230           352230       5d    16         /t/libsigil.rlib(sigil.o):(.text._ZN5sigil3cli3get3run28_$u7b$$u7b$closure$u7d$$u7d$17h15E)
          352230           352230        0     1                 _ZN5sigil3cli3get3run17habE
";
        let sections = text_sections(map);
        assert_eq!(sections.len(), 2);
        assert_eq!(
            lookup(&sections, 0x3514c0 + 0x10).map(String::as_str),
            Some("_ZN5sigil3cli3get3run17habE")
        );
        assert!(lookup(&sections, 0x3514c0 + 0xd66).is_none());
        assert!(lookup(&sections, 0x100).is_none());
    }

    #[test]
    fn callgrind_functions_are_read_for_one_object_only() {
        // 0x20 and 0x40 are entered in libc (a callee's `cob=`, then libc's own block); 0x50
        // is named `(2)`, the same string as libc's 0x20, but entered in sigil.
        let text = "ob=(1) /r/sigil\nfn=(1) 0x10\ncob=(2) /lib/libc.so.6\ncfn=(2) 0x20\ncalls=1 0\n\
                    cfn=(3) 0x30\ncalls=1 0\nob=(2)\nfn=(4) 0x40\nob=(1)\nfn=(5) 0x50\nfn=(6) main\n";
        let got: Vec<u64> = entered_in(text, Path::new("/r/sigil"))
            .into_iter()
            .collect();
        assert_eq!(got, vec![0x10, 0x30, 0x50]);
    }
}
