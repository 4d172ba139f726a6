//! netrc on demand: the `.netrc` text `sigil netrc` prints and `sigil run --netrc` hands a
//! command in a private temporary file, for exactly the hosts mapped in `config.toml`.
//!
//! A netrc names a `machine` (a host name, no scheme or port: curl, ftp and Python's `netrc`
//! match it against the host they connect to) with a `login` and a `password`. Which account
//! a host gets is the user's explicit choice (`[netrc."api.example.com"] address = "corp/me"`);
//! no other secret ever reaches a netrc. Each password handed out is read through the policy
//! guard, so it is one audit entry of the `netrc` use, and an OAuth token is refreshed first.

use crate::Sigil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::ops::git_credential::normalise_host;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One `machine` line.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The host, normalised (lowercase, internationalised names in ASCII form).
    pub host: String,
    /// Where the password was read.
    pub address: FieldAddress,
    /// `login`.
    pub login: String,
    /// `password`.
    pub password: Secret,
}

/// A netrc host: a host name or IPv4 address as a URL host, without a port, scheme or
/// anything else (a netrc cannot say them, and a client matches the bare host).
pub fn host(text: &str) -> Option<String> {
    match normalise_host(text)? {
        (h, None) if !h.is_empty() && !h.starts_with('[') => Some(h),
        _ => None,
    }
}

/// Every host mapped in `config.toml`, with its account and login. A malformed `[netrc]`
/// table is an error, so that a typo never silently sends a credential elsewhere.
pub fn mapped(sigil: &Sigil) -> Result<Vec<(String, Address, String)>> {
    let mut out: Vec<(String, Address, String)> = Vec::new();
    for (key, m) in &sigil.config().netrc {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the netrc host '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write it as a bare host name, [netrc.\"api.example.com\"] with address = \
                     \"service/account\""
                        .into(),
                ),
            )
        };
        let h = host(key).ok_or_else(|| bad("is not a host name without a port".into()))?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if out.iter().any(|(seen, _, _)| *seen == h) {
            return Err(bad(format!("is mapped twice (as '{h}')")));
        }
        let login = m
            .username
            .clone()
            .unwrap_or_else(|| address.account().to_owned());
        out.push((h, address, login));
    }
    Ok(out)
}

/// The entries for `hosts`, or for every mapped host when `hosts` is empty. A named host that
/// is not mapped is an error (exit 3), before any secret is read; every password is read
/// through the policy guard and audited.
pub fn entries(sigil: &Sigil, hosts: &[String]) -> Result<Vec<Entry>> {
    let all = mapped(sigil)?;
    let mut chosen = Vec::new();
    if hosts.is_empty() {
        if all.is_empty() {
            return Err(not_mapped(None));
        }
        chosen = all;
    } else {
        for text in hosts {
            let found = host(text).and_then(|h| all.iter().find(|(m, _, _)| *m == h));
            match found {
                Some(f) if !chosen.iter().any(|(c, _, _)| *c == f.0) => chosen.push(f.clone()),
                Some(_) => {}
                None => return Err(not_mapped(Some(text))),
            }
        }
    }
    let mut out = Vec::with_capacity(chosen.len());
    for (host, address, login) in chosen {
        let (address, password) = sigil.get_address(&address)?;
        out.push(Entry {
            host,
            address,
            login,
            password,
        });
    }
    Ok(out)
}

fn not_mapped(host: Option<&str>) -> Error {
    Error::NotFound {
        message: match host {
            Some(h) => format!(
                "no credential for the netrc host '{}'",
                crate::model::shown::line(h)
            ),
            None => "no netrc host is mapped in config.toml".into(),
        },
        help: Some(
            "map the host to an account in config.toml: [netrc.\"api.example.com\"] with \
             address = \"service/account\""
                .into(),
        ),
    }
}

/// Whether a value can be one netrc token as every client reads it: not empty, no white
/// space, quote, backslash or control character, and not starting with `#` (a comment).
fn plain_token(value: &[u8]) -> bool {
    !value.is_empty()
        && value[0] != b'#'
        && value
            .iter()
            .all(|&b| b > b' ' && b != 0x7f && b != b'"' && b != b'\\')
}

/// The netrc text of `entries`, in memory that is wiped. A login or password that a netrc
/// cannot carry as a plain token is an error that names the address, never the value.
pub fn render(entries: &[Entry]) -> Result<Zeroizing<Vec<u8>>> {
    let room: usize = entries
        .iter()
        .map(|e| e.host.len() + e.login.len() + e.password.expose().len() + 32)
        .sum();
    let mut out = Zeroizing::new(Vec::with_capacity(room));
    for e in entries {
        let what = if !plain_token(e.login.as_bytes()) {
            Some("login")
        } else if !plain_token(e.password.expose()) {
            Some("value")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::other(
                format!(
                    "the {what} of '{}' has white space, a quote, a backslash or a control \
                     character, or is empty, which a netrc cannot carry",
                    e.address
                ),
                Some("store a plain token for the netrc in that field".into()),
            ));
        }
        out.extend_from_slice(b"machine ");
        out.extend_from_slice(e.host.as_bytes());
        out.extend_from_slice(b" login ");
        out.extend_from_slice(e.login.as_bytes());
        out.extend_from_slice(b" password ");
        out.extend_from_slice(e.password.expose());
        out.push(b'\n');
    }
    Ok(out)
}

/// A netrc in a private temporary directory for a command's lifetime: the directory is 0700,
/// the file 0600, and both are removed when this is dropped (after the command ends, also
/// when a signal sigil passes on ends it). The directory also holds a `.curlrc` that points
/// curl at the file, for `CURL_HOME`.
pub struct TempNetrc {
    dir: tempfile::TempDir,
}

impl TempNetrc {
    /// Writes `text` into a fresh private directory under `$XDG_RUNTIME_DIR` (a per-user
    /// tmpfs, gone at logout) when there is one, else the system's temporary directory.
    pub fn create(text: &[u8]) -> Result<TempNetrc> {
        let dir = crate::fsutil::private_temp_dir("sigil-netrc-", &[runtime_dir()])?;
        let me = TempNetrc { dir };
        crate::fsutil::write_new_private(&me.netrc(), text)?;
        let mut curlrc = b"netrc-file = \"".to_vec();
        for &b in me.netrc().to_string_lossy().as_bytes() {
            if b == b'"' || b == b'\\' {
                curlrc.push(b'\\');
            }
            curlrc.push(b);
        }
        curlrc.extend_from_slice(b"\"\n");
        crate::fsutil::write_new_private(&me.dir.path().join(".curlrc"), &curlrc)?;
        Ok(me)
    }

    /// The netrc file (`NETRC`).
    pub fn netrc(&self) -> PathBuf {
        self.dir.path().join("netrc")
    }

    /// The directory holding `.curlrc` (`CURL_HOME`).
    pub fn curl_home(&self) -> &Path {
        self.dir.path()
    }
}

/// `$XDG_RUNTIME_DIR`, the per-user tmpfs that is removed at logout, if it is set.
pub(crate) fn runtime_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_bare_host_names() {
        assert_eq!(host("API.Example.COM").as_deref(), Some("api.example.com"));
        assert_eq!(host("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(
            host("bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        for bad in [
            "",
            "api.example.com:443",
            "https://api.example.com",
            "a b",
            "user@host",
            "[::1]",
            "host/path",
        ] {
            assert_eq!(host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn render_writes_machine_lines_and_refuses_what_a_netrc_cannot_carry() {
        let e = |login: &str, pw: &[u8]| Entry {
            host: "api.example.com".into(),
            address: "corp/me/api_key".parse().unwrap(),
            login: login.into(),
            password: Secret::new(pw.to_vec()),
        };
        assert_eq!(
            &render(&[e("me", b"s3cret!")]).unwrap()[..],
            b"machine api.example.com login me password s3cret!\n"
        );
        for (login, pw) in [
            ("me", &b"two words"[..]),
            ("me", b"tab\there"),
            ("me", b"q\"uote"),
            ("me", b"back\\slash"),
            ("me", b"#comment"),
            ("me", b""),
            ("me", b"line\nmachine evil.example"),
            ("a b", b"ok"),
        ] {
            let err = render(&[e(login, pw)]).unwrap_err().to_string();
            assert!(err.contains("corp/me/api_key"), "{err}");
            assert!(!err.contains("machine evil"), "{err}");
        }
    }

    #[test]
    fn temp_netrc_is_private_and_gone_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let t = TempNetrc::create(b"machine h login l password p\n").unwrap();
        let file = t.netrc();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(t.curl_home()), 0o700);
        let curlrc = std::fs::read_to_string(t.curl_home().join(".curlrc")).unwrap();
        assert_eq!(curlrc, format!("netrc-file = \"{}\"\n", file.display()));
        let dir = t.curl_home().to_owned();
        drop(t);
        assert!(!dir.exists());
    }
}
