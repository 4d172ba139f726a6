//! `sigil migrate --scan`: plaintext credentials found in files, reading only, and the files
//! that could not be read (or only line by line) with the reason.

use super::parse::read_source;
use super::{Options, mask};
use crate::model::error::Error;
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

/// A plaintext credential found by [`scan`].
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// Variable, key or host.
    pub name: String,
    /// The value, masked (for people: never in the JSON, which is read by programs and
    /// ends up in logs).
    #[serde(skip)]
    pub masked: String,
    /// Where `sigil migrate` would put it.
    pub address: String,
}

/// The files sigil knows to hold credentials, under `home` (the user's HOME).
pub fn known_locations(home: &Path) -> Vec<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    vec![
        home.join(".netrc"),
        home.join(".git-credentials"),
        config.join("git/credentials"),
        config.join("gh/hosts.yml"),
        home.join(".aws/credentials"),
    ]
}

fn looks_like_dotenv(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env")
}

/// Why [`read_source`] could not read a file, without the file's name (said beside it).
fn unread_reason(e: &Error) -> String {
    match e {
        Error::Io { source, .. } => source.kind().to_string(),
        Error::Usage(m) if m.contains("is not UTF-8") => "not UTF-8 text".into(),
        // A file over the size limit: the message after the file's name says which limit.
        Error::UsageHelp { message, .. } => message
            .split_once("': ")
            .map_or(message.as_str(), |(_, why)| why)
            .to_owned(),
        e => e.to_string(),
    }
}

/// A file [`scan`] could not read, or read only line by line, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unread {
    /// The file or directory.
    pub path: PathBuf,
    /// Why: the kind of problem, never the file's content.
    pub reason: String,
    /// Whether its credential-looking lines were still read (malformed JSON or TOML).
    pub read_by_line: bool,
}

/// What [`scan`] found, and what it could not read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scan {
    /// The plaintext credentials.
    pub found: Vec<Finding>,
    /// The files it skipped or read only line by line: a scan that is silent about them
    /// would say "nothing found" of a config it never understood.
    pub unread: Vec<Unread>,
}

/// Finds plaintext credentials in `paths` (files, or directories searched three levels deep
/// for dotenv files), reading only. A file that cannot be read is listed in
/// [`Scan::unread`] with the reason; malformed JSON and TOML are read string by string and
/// listed there too.
pub fn scan(paths: &[PathBuf], opts: &Options) -> Scan {
    let mut out = Scan::default();
    let unread = |out: &mut Scan, path: &Path, reason: String, read_by_line: bool| {
        out.unread.push(Unread {
            path: path.to_owned(),
            reason,
            read_by_line,
        });
    };
    let mut files = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = paths.iter().rev().map(|p| (p.clone(), 0)).collect();
    while let Some((p, depth)) = stack.pop() {
        let meta = match fs::metadata(&p) {
            Ok(m) => m,
            // The known locations are looked for whether or not they exist.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && depth == 0 => continue,
            Err(e) => {
                unread(&mut out, &p, e.kind().to_string(), false);
                continue;
            }
        };
        if meta.is_file() {
            files.push(p);
        } else if meta.is_dir() && depth < 3 {
            let rd = match fs::read_dir(&p) {
                Ok(rd) => rd,
                Err(e) => {
                    unread(&mut out, &p, e.kind().to_string(), false);
                    continue;
                }
            };
            let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries.into_iter().rev() {
                let name = e.file_name().map(|n| n.to_string_lossy().into_owned());
                let name = name.unwrap_or_default();
                let dir = e.is_dir() && !name.starts_with('.') && name != "node_modules";
                if dir || looks_like_dotenv(&name) {
                    stack.push((e, depth + 1));
                }
            }
        }
    }
    let strict = Options {
        lenient: false,
        ..opts.clone()
    };
    let lenient = Options {
        lenient: true,
        ..opts.clone()
    };
    for f in files {
        let s = match read_source(&f, &strict) {
            Ok(s) => s,
            Err(Error::Malformed(m)) => {
                let reason = format!(
                    "malformed at line {}, column {}: {}",
                    m.line, m.column, m.message
                );
                match read_source(&f, &lenient) {
                    Ok(s) => {
                        unread(&mut out, &f, reason, true);
                        s
                    }
                    Err(_) => {
                        unread(&mut out, &f, reason, false);
                        continue;
                    }
                }
            }
            Err(e) => {
                unread(&mut out, &f, unread_reason(&e), false);
                continue;
            }
        };
        for i in s.items {
            // A password manager's values show nothing (see `render_plan`).
            let masked = if s.format.read_only() {
                "…".to_owned()
            } else {
                mask(i.value.expose())
            };
            out.found.push(Finding {
                path: s.path.clone(),
                line: i.line,
                name: i.name,
                masked,
                address: i.address.to_string(),
            });
        }
    }
    out
}
