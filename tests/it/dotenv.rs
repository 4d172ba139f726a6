//! Dotenv files as `sigil run --env-file` reads them, held against python-dotenv (Debian's
//! python3-dotenv) on the corpus in tests/dotenv-corpus: every difference must be one that
//! tests/dotenv-corpus/differences.toml lists under a row of the table in docs/dotenv.md.

use crate::support::{Sandbox, need, stderr};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dotenv-corpus")
}

/// Variables both sides see in their environment, for the expansion files.
const ENVIRONMENT: &[(&str, &str)] = &[("CORPUS_SET", "from-env"), ("CORPUS_EMPTY", "")];

/// Reads every corpus file with `dotenv_values` (which expands, like `sigil run`) and prints
/// `{file: {"values": {...}, "warned": [lines it could not parse]}}`.
const PYTHON: &str = r#"
import json, logging, os, sys
from dotenv import dotenv_values

class Keep(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []
    def emit(self, record):
        self.lines.append(record.args[0])

log = logging.getLogger("dotenv.main")
log.propagate = False
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    if name.endswith(".env"):
        keep = Keep()
        log.addHandler(keep)
        values = dotenv_values(os.path.join(sys.argv[1], name))
        log.removeHandler(keep)
        out[name] = {"values": values, "warned": keep.lines}
print(json.dumps(out))
"#;

type Vars = BTreeMap<String, String>;

/// What python-dotenv read: the variables it sets (a name without a value sets none, as in
/// `load_dotenv`) and the lines it warned it could not parse.
fn python_reads(s: &Sandbox) -> BTreeMap<String, (Vars, Vec<usize>)> {
    need("python-dotenv");
    let mut c = s.std_cmd("python3");
    c.envs(ENVIRONMENT.iter().copied())
        .args(["-c", PYTHON])
        .arg(corpus());
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut read = BTreeMap::new();
    for (file, r) in all.as_object().unwrap() {
        let values = r["values"]
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        let warned = r["warned"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_u64().unwrap() as usize)
            .collect();
        read.insert(file.clone(), (values, warned));
    }
    read
}

/// The environment a program run by `sigil run` gets, with `--env-file file` when given.
fn run_env(s: &Sandbox, file: Option<&Path>) -> Result<Vars, String> {
    let mut c = s.cmd("sigil-run");
    c.envs(ENVIRONMENT.iter().copied());
    if let Some(f) = file {
        c.arg("--env-file").arg(f);
    }
    let out = c.args(["--no-mask", "--", "env", "-0"]).output().unwrap();
    if !out.status.success() {
        return Err(stderr(&out));
    }
    let text = String::from_utf8(out.stdout).unwrap();
    Ok(text
        .split_terminator('\0')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect())
}

/// What sigil read from `file`: the variables the program gets that it would not get
/// without the file, or sigil's error.
fn sigil_reads(s: &Sandbox, base: &Vars, file: &Path) -> Result<Vars, String> {
    let env = run_env(s, Some(file))?;
    Ok(env
        .into_iter()
        .filter(|(k, v)| base.get(k) != Some(v))
        .collect())
}

/// The line an env-file error names (`'FILE' line N: …`).
fn error_line(e: &str) -> Option<usize> {
    let (_, rest) = e.split_once("' line ")?;
    rest.split_once(':')?.0.parse().ok()
}

#[derive(serde::Deserialize)]
struct Listed {
    file: Vec<Difference>,
}

#[derive(serde::Deserialize)]
struct Difference {
    name: String,
    difference: String,
    #[serde(default)]
    sigil: Vars,
    #[serde(default)]
    python: Vars,
    sigil_error: Option<usize>,
}

/// The ids of the table of deliberate differences in docs/dotenv.md: the first cells of the
/// rows under "## Deliberate differences".
fn documented() -> Vec<String> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/dotenv.md"))
        .unwrap();
    doc.lines()
        .skip_while(|l| !l.starts_with("## Deliberate differences"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`'))
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// Compares one file; the problems found, for one report of them all.
fn compare(
    name: &str,
    sigil: Result<Vars, String>,
    python: &(Vars, Vec<usize>),
    listed: Option<&Difference>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let (mut py, warned) = (python.0.clone(), &python.1);
    let mut ours = match (sigil, listed.and_then(|d| d.sigil_error)) {
        (Err(e), Some(want)) => {
            if error_line(&e) != Some(want) {
                problems.push(format!("{name}: sigil did not refuse line {want}: {e}"));
            }
            let unparseable = listed.is_some_and(|d| d.difference == "unparseable-line");
            if unparseable && warned.first() != Some(&want) {
                problems.push(format!(
                    "{name}: python-dotenv warned of {warned:?}, not {want}"
                ));
            }
            return problems;
        }
        (Err(e), None) => {
            return vec![format!(
                "{name}: sigil failed ({}); python read {py:?}",
                e.trim()
            )];
        }
        (Ok(v), Some(want)) => {
            return vec![format!(
                "{name}: sigil read {v:?}, not an error at line {want}"
            )];
        }
        (Ok(v), None) => v,
    };
    if let Some(d) = listed {
        for (side, values, read) in [
            ("sigil", &d.sigil, &mut ours),
            ("python", &d.python, &mut py),
        ] {
            for (k, v) in values {
                if read.remove(k).as_ref() != Some(v) {
                    problems.push(format!("{name}: {side} did not read {k}={v:?} as listed"));
                }
            }
        }
        if d.sigil == d.python {
            problems.push(format!(
                "{name}: listed, but the listed values do not differ"
            ));
        }
    }
    if ours != py {
        problems.push(format!(
            "{name}: an unlisted difference\n  sigil:  {ours:?}\n  python: {py:?}"
        ));
    }
    problems
}

#[test]
fn sigil_reads_the_corpus_as_python_dotenv_does_but_for_the_documented_differences() {
    let s = Sandbox::init();
    let python = python_reads(&s);
    let listed: Listed =
        toml::from_str(&std::fs::read_to_string(corpus().join("differences.toml")).unwrap())
            .unwrap();
    let ids = documented();
    let mut problems = Vec::new();
    for d in &listed.file {
        if !ids.contains(&d.difference) {
            problems.push(format!(
                "{}: '{}' is not in docs/dotenv.md",
                d.name, d.difference
            ));
        }
        if !python.contains_key(&d.name) {
            problems.push(format!("{}: listed, but not in the corpus", d.name));
        }
    }
    assert!(python.len() >= 60, "only {} corpus files", python.len());
    let base = run_env(&s, None).unwrap();
    for (name, read) in &python {
        let ours = sigil_reads(&s, &base, &corpus().join(name));
        let d = listed.file.iter().find(|d| &d.name == name);
        // A name the file sets to what the environment holds already shows on neither side.
        let py = (
            read.0
                .iter()
                .filter(|(k, v)| base.get(*k) != Some(v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            read.1.clone(),
        );
        problems.extend(compare(name, ours, &py, d));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The values of `names` that a program run with `--env-file` (holding `text`) gets.
fn run_reads(s: &Sandbox, text: &[u8], names: &[&str]) -> Vec<String> {
    let f = s.root().join("t.env");
    std::fs::write(&f, text).unwrap();
    let env = run_env(s, Some(&f)).unwrap_or_else(|e| panic!("{e}"));
    names
        .iter()
        .map(|n| env.get(*n).cloned().unwrap_or_else(|| "<unset>".into()))
        .collect()
}

#[test]
fn files_python_dotenv_reads_are_read_as_it_reads_them() {
    let s = Sandbox::init();
    // Unknown escapes keep their backslash.
    let got = run_reads(
        &s,
        br#"A="a\d"
B="\u00e9"
"#,
        &["A", "B"],
    );
    assert_eq!(got, [r"a\d", r"\u00e9"]);
    // A lone CR ends a line.
    assert_eq!(run_reads(&s, b"A=1\rB=2\r", &["A", "B"]), ["1", "2"]);
    // A byte order mark, `export<TAB>`, a name alone and a non-ASCII name: none fails the file.
    let got = run_reads(
        &s,
        "\u{feff}A=1\nexport\tB=2\nBARE\nCLÉ=é\n".as_bytes(),
        &["A", "B", "BARE", "CLÉ"],
    );
    assert_eq!(got, ["1", "2", "<unset>", "é"]);
    // `${VAR}` and `${VAR:-default}` expand, from the file and from the environment.
    let got = run_reads(
        &s,
        b"A=1\nB=${A}-${CORPUS_SET}\nC=${NOPE:-d}\n",
        &["B", "C"],
    );
    assert_eq!(got, ["1-from-env", "d"]);
}

#[test]
fn expansion_sees_resolved_secrets_and_never_builds_a_reference() {
    let s = Sandbox::init();
    s.add("db/app/password", b"hunter2-correct-horse");
    let text = b"DB_PASSWORD=auth://db/app/password\n\
                 URL=postgres://u:${DB_PASSWORD}@db/app\n\
                 SVC=db\n\
                 BUILT=auth://${SVC}/app/password\n";
    let got = run_reads(&s, text, &["URL", "BUILT"]);
    assert_eq!(
        got,
        [
            "postgres://u:hunter2-correct-horse@db/app",
            "auth://db/app/password"
        ]
    );
    // The secret is masked wherever the program prints it.
    let f = s.root().join("t.env");
    let out = s
        .cmd("sigil-run")
        .arg("--env-file")
        .arg(&f)
        .args(["--", "sh", "-c", "printf %s \"$URL\""])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "postgres://u:<concealed by sigil>@db/app"
    );
    // A value holding a secret through expansion is a secret: GitHub masks it too.
    let gh = s.root().join("github_env");
    let out = s
        .cmd("sigil-env")
        .args(["--format", "github", "--env-file"])
        .arg(&f)
        .env("GITHUB_ENV", &gh)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let masks = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        masks,
        "::add-mask::hunter2-correct-horse\n::add-mask::postgres://u:hunter2-correct-horse@db/app\n"
    );
}
