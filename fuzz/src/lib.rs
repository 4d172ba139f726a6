//! The checks behind sigil's fuzz targets: one function per parser that reads what others
//! wrote (addresses, dotenv, netrc, `.git-credentials`, `~/.aws/credentials`, gh `hosts.yml`, JSON and TOML
//! configs, templates, git's credential protocol, otpauth URIs, QR images, exports, backups,
//! audit lines, OAuth token responses and discovery documents). Each one feeds the input to
//! the parser, then checks the parser's own invariants: what a printer writes reads back the
//! same, and no error names a secret that was in the input.
//!
//! The same functions run in two places: under libFuzzer (`fuzz_targets/*.rs`, driven by
//! `cargo xtask fuzz`), and on stable in sigil's test suite, which replays the committed
//! corpus under `fuzz/corpus/<target>/` through them (`tests/it/fuzz_corpus.rs` includes
//! this file). So it uses only crates sigil itself depends on.
//!
//! Secrets are checked with a marker: the placeholder [`PLACEHOLDER`] in the input (the seed
//! corpus puts it where secrets go) is replaced by a marker drawn afresh for every input,
//! which the fuzzer therefore cannot learn, and an error's Display and Debug must not contain
//! it. Where a parser's errors never quote their input, the marker goes anywhere instead.

use sigil::internal::audit;
use sigil::internal::model::{dotenv, otp};
use sigil::internal::ops::{export, git_credential, migrate, reference};
use sigil::{Address, FieldAddress, Reference, Secret};
use std::collections::HashMap;
use std::fmt::{Debug, Display};
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::OnceLock;

/// Where the seed corpus puts a secret; replaced by a fresh marker before parsing.
pub const PLACEHOLDER: &str = "SECRET";

/// A target's check: it panics when the input breaks an invariant.
pub type Check = fn(&[u8]);

/// Every target: its name (the fuzz target's and the corpus directory's) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("address", address),
    ("dotenv", dotenv),
    ("netrc", netrc),
    ("git_credentials", git_credentials),
    ("aws_credentials", aws_credentials),
    ("gh_hosts", gh_hosts),
    ("config_json", config_json),
    ("config_toml", config_toml),
    ("template", template),
    ("git_credential", git_credential),
    ("otpauth", otpauth),
    #[cfg(feature = "cli")]
    ("qr_image", qr_image),
    ("export", export),
    ("backup", backup),
    ("audit_line", audit_line),
    #[cfg(feature = "oauth")]
    ("oauth_token", oauth_token),
    #[cfg(feature = "oauth")]
    ("oauth_discovery", oauth_discovery),
];

/// A marker of 16 characters from the base32 alphabet (`A`–`Z`, `2`–`7`), so that it is a
/// valid value in every format here, a TOTP secret included. Drawn from the standard
/// library's per-process random hash keys and a counter, so it differs for every input.
pub fn marker() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    let mut bits = h.finish();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..16)
        .map(|_| {
            let c = ALPHABET[(bits & 31) as usize] as char;
            bits = bits.rotate_right(5);
            c
        })
        .collect()
}

/// `text` with every [`PLACEHOLDER`] replaced by a fresh marker; `None` when it has none.
fn planted(text: &str) -> Option<(String, String)> {
    if !text.contains(PLACEHOLDER) {
        return None;
    }
    let m = marker();
    Some((text.replace(PLACEHOLDER, &m), m))
}

/// `text` with a fresh marker inserted at the character boundary `at` chooses, for parsers
/// whose errors never quote their input (so any position is a secret's).
fn inserted(text: &str, at: u8) -> (String, String) {
    let m = marker();
    let mut pos = (at as usize * text.len()) / 256;
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    (format!("{}{m}{}", &text[..pos], &text[pos..]), m)
}

/// Fails when `error` shows the marker, in its Display or its Debug.
fn assert_hidden(marker: &str, error: &(impl Display + Debug)) {
    let shown = error.to_string();
    assert!(
        !shown.contains(marker),
        "an error shows the secret {marker}: {shown}"
    );
    let debug = format!("{error:?}");
    assert!(
        !debug.contains(marker),
        "an error's Debug shows the secret {marker}: {debug}"
    );
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/// `auth://` references and (field) addresses: what parses prints as text that parses to the
/// same address, and printing is stable.
pub fn address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = Address::parse(text) {
        let printed = a.to_string();
        let again = Address::parse(&printed).expect("a printed address parses");
        assert_eq!(a, again, "{printed}");
        assert_eq!(again.to_string(), printed);
        let reference = a.to_reference();
        assert_eq!(Address::parse(&reference).ok(), Some(a.clone()));
        match Reference::parse(&reference) {
            Some(Ok(Reference::Auth(r))) => assert_eq!(r, a),
            other => panic!("{reference} is not read back as a reference: {other:?}"),
        }
        if let Some(f) = a.to_field_address() {
            assert_eq!(printed.parse::<FieldAddress>().ok(), Some(f.clone()));
            assert_eq!(f.to_string(), printed);
            assert_eq!(Address::from(f), a);
        }
    }
    if let Ok(f) = text.parse::<FieldAddress>() {
        let printed = f.to_string();
        assert_eq!(printed.parse::<FieldAddress>().ok(), Some(f.clone()));
        assert_eq!(Address::parse(&f.to_reference()).ok(), Some(f.into()));
    }
    if let Some(Ok(Reference::Auth(a))) = Reference::parse(text) {
        assert_eq!(Address::parse(&a.to_reference()).ok(), Some(a));
    }
}

// ---------------------------------------------------------------------------------------------
// Files migrate reads
// ---------------------------------------------------------------------------------------------

/// Dotenv files, both as `sigil run --env-file` reads them and as `sigil migrate` does: every
/// entry written back with `dotenv::quote` reads back the same, any value survives
/// `quote`, no error names a secret (the parser never quotes its input, so the marker goes
/// anywhere), and migrate's rewrite of the file is still a dotenv file.
pub fn dotenv(data: &[u8]) {
    let Some((&at, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(entries) = dotenv::parse(text, "fuzz.env") {
        for e in entries {
            quoted_reads_back(&e.name, &e.value);
        }
    }
    quoted_reads_back("VALUE", text);
    let (text, m) = inserted(text, at);
    if let Err(e) = dotenv::parse(&text, "fuzz.env") {
        assert_hidden(&m, &e);
    }
    migrated(Path::new("/fuzz/app/.env"), migrate::Format::Dotenv, rest);
}

/// `NAME=quote(value)` parses to exactly that entry (for a value a variable can hold).
fn quoted_reads_back(name: &str, value: &str) {
    // No variable can hold a NUL: the parser refuses it wherever it is written.
    if value.contains('\0') {
        return;
    }
    // On a second line: a byte order mark that starts a file is not part of it, while one
    // that starts a later line is a name's first character.
    // A name that a bare one cannot be (a blank, `#` in it) is written `'quoted'`.
    let blank = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    let name_written = if name.chars().any(|c| c == '#' || blank(c)) {
        format!("'{name}'")
    } else {
        name.to_owned()
    };
    let line = format!("\n{name_written}={}", dotenv::quote(value));
    let entries = dotenv::parse(&line, "quoted")
        .unwrap_or_else(|e| panic!("the quoted value {line:?} does not parse: {e}"));
    assert_eq!(entries.len(), 1, "{line:?}");
    assert_eq!(entries[0].name, name, "{line:?}");
    assert_eq!(entries[0].value, value, "{line:?}");
}

/// `~/.netrc` as `sigil migrate` reads it.
pub fn netrc(data: &[u8]) {
    migrated(Path::new("/fuzz/.netrc"), migrate::Format::Netrc, data);
}

/// `~/.git-credentials` as `sigil migrate` reads it.
pub fn git_credentials(data: &[u8]) {
    migrated(
        Path::new("/fuzz/.git-credentials"),
        migrate::Format::GitCredentials,
        data,
    );
}

/// `~/.aws/credentials` as `sigil migrate` reads it.
pub fn aws_credentials(data: &[u8]) {
    migrated(
        Path::new("/fuzz/.aws/credentials"),
        migrate::Format::Aws,
        data,
    );
}

/// gh's `hosts.yml` as `sigil migrate` reads it.
pub fn gh_hosts(data: &[u8]) {
    migrated(
        Path::new("/fuzz/gh/hosts.yml"),
        migrate::Format::GhHosts,
        data,
    );
}

/// A JSON config as `sigil migrate` reads it.
pub fn config_json(data: &[u8]) {
    migrated(
        Path::new("/fuzz/app/config.json"),
        migrate::Format::Json,
        data,
    );
}

/// A TOML config as `sigil migrate` reads it.
pub fn config_toml(data: &[u8]) {
    migrated(
        Path::new("/fuzz/app/config.toml"),
        migrate::Format::Toml,
        data,
    );
}

/// One source through migrate's parser: no error names the secret planted at
/// [`PLACEHOLDER`]; what it finds lies within the text; and the rewritten file (every
/// entry taken) is text of the same format that parses again and holds none of the values
/// taken from it.
fn migrated(path: &Path, format: migrate::Format, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = migrate::Options::default();
    if let Some((text, m)) = planted(text)
        && let Err(e) = migrate::parse_text(path, format, &text, &opts)
    {
        assert_hidden(&m, &e);
    }
    let Ok(items) = migrate::parse_text(path, format, text, &opts) else {
        return;
    };
    let values: Vec<Vec<u8>> = items.iter().map(|i| i.value.expose().to_vec()).collect();
    let plan = migrate::SourcePlan {
        path: path.to_owned(),
        format,
        original: data.to_vec(),
        items,
        expanded: Vec::new(),
        notes: Vec::new(),
    };
    let rewritten = plan.rewritten();
    let rewritten = String::from_utf8(rewritten).expect("the rewritten source is UTF-8");
    let again = migrate::parse_text(path, format, &rewritten, &opts).unwrap_or_else(|e| {
        panic!(
            "the rewritten source does not parse: {e}\n--- before\n{text}\n--- after\n{rewritten}"
        )
    });
    // A value written twice in the source may stay where its second copy was not an entry
    // (gh_hosts: a removed line can move a later one under another host): only values that
    // occur once must be gone.
    let once = |v: &[u8]| text.matches(&*String::from_utf8_lossy(v)).count() <= 1;
    for i in &again {
        assert!(
            !values.iter().any(|v| v == i.value.expose() && once(v)),
            "the rewritten source still holds a value it gave up ({}, line {})\n--- before\n{text}\n--- after\n{rewritten}",
            i.name,
            i.line
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// What the offline resolver of the template target knows.
fn template_values() -> HashMap<String, Secret> {
    let mut values = HashMap::new();
    let text = Secret::from("v4lue 'with' $quotes\nand a line break".to_owned());
    values.insert("auth://svc/acc".to_owned(), text.clone());
    values.insert("auth://svc/acc/api_key".to_owned(), text);
    values.insert(
        "auth://svc/plain".to_owned(),
        Secret::from("plain".to_owned()),
    );
    values.insert("auth://svc/bin".to_owned(), Secret::new(vec![0xff, 0xfe]));
    values
}

/// Templates (`{{ auth://… }}` and dotenv lines that are references), rendered by a resolver
/// that reads no store: rendering is idempotent (values hold no reference), text without
/// `{{` or a reference passes through unchanged, and no error names text that cannot be a
/// reference (a marker with `%`, which no address has).
pub fn template(data: &[u8]) {
    let Some((&at, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let render = |t: &str| {
        let mut r = reference::Resolver::offline(template_values());
        reference::render(t, "fuzz.tpl", &mut r)
    };
    if let Ok(out) = render(text) {
        if !text.contains("{{") && !text.contains("auth://") && !text.contains("ref+") {
            assert_eq!(out, text);
        }
        // A multi-line secret put in by `{{ … }}` splits its line in the output, and the
        // pieces are new lines with a meaning of their own (a dotenv reference, say) that the
        // template never had: the output is then not a template to render again.
        if dotenv::line_ends(&out) == dotenv::line_ends(text) {
            let twice = render(&out).expect("a rendered template renders again");
            assert_eq!(twice, out, "rendering is not idempotent");
        }
    }
    // A `ref+…` reference is named whole in errors, whatever it holds: keep the marker out.
    let (text, m) = inserted(text, at);
    let m = format!("%{m}");
    let text = text.replacen(&m[1..], &m, 1);
    if !text.contains("ref+")
        && let Err(e) = render(&text)
    {
        assert_hidden(&m, &e);
    }
}

// ---------------------------------------------------------------------------------------------
// git's credential protocol
// ---------------------------------------------------------------------------------------------

/// A credential description as git sends it to `git-credential-sigil`: no error names any of
/// its text (the marker goes anywhere), an origin prints as text that parses to the same
/// origin, and an answer in the protocol reads back as what was answered.
pub fn git_credential(data: &[u8]) {
    let Some((&at, rest)) = data.split_first() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(rest) {
        let (text, m) = inserted(text, at);
        if let Err(e) = git_credential::Request::parse(text.as_bytes()) {
            assert_hidden(&m, &e);
        }
    }
    let Ok(req) = git_credential::Request::parse(rest) else {
        return;
    };
    if let Some(origin) = req.origin() {
        let printed = origin.to_string();
        // Display does not percent-encode the path, and parsing trims its slashes and
        // refuses a line break or NUL, as git does: only a plain path reads back.
        let plain_path =
            origin_path(&printed).is_none_or(|p| !p.starts_with('/') && !p.ends_with('/'));
        if !printed.contains(['%', '?', '#', '\n', '\0']) && plain_path {
            assert_eq!(
                git_credential::Origin::parse(&printed).as_ref(),
                Ok(&origin),
                "{printed}"
            );
        }
    }
    if let (Some(username), Some(password)) = (&req.username, &req.password) {
        answer_reads_back(&req, username, password);
    }
}

/// The path of a printed origin (`protocol://host[:port]/path`), if it has one.
fn origin_path(printed: &str) -> Option<&str> {
    let rest = &printed[printed.find("://")? + 3..];
    Some(&rest[rest.find('/')? + 1..])
}

/// An answer built from `req`'s username and password, written in the protocol, parses to
/// the same attributes; an answer that cannot be written names no value.
fn answer_reads_back(req: &git_credential::Request, username: &str, password: &Secret) {
    let expires_at = req
        .password_expiry_utc
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
    let answer = git_credential::Answer {
        address: "git.example.com/me/password".parse().expect("valid"),
        source: git_credential::Source::Stored,
        username: username.to_owned(),
        password: password.clone(),
        expires_at,
        refresh_token: req.oauth_refresh_token.clone(),
    };
    let written = match answer.to_protocol() {
        Ok(w) => w,
        Err(e) => {
            let shown = format!("{e} {e:?}");
            if password.len() >= 8
                && let Some(p) = password.expose_str()
            {
                assert!(!shown.contains(p), "an error shows the password: {shown}");
            }
            return;
        }
    };
    let back = git_credential::Request::parse(&written).expect("an answer parses");
    assert_eq!(back.username.as_deref(), Some(username));
    assert_eq!(back.password.as_ref(), Some(password));
    assert_eq!(back.oauth_refresh_token, req.oauth_refresh_token);
    assert_eq!(
        back.password_expiry_utc,
        expires_at.map(|t| t.unix_timestamp()).filter(|&t| t > 0)
    );
}

// ---------------------------------------------------------------------------------------------
// TOTP
// ---------------------------------------------------------------------------------------------

/// Instants the otpauth target compares codes at.
const INSTANTS: [u64; 4] = [0, 59, 1_700_000_000, u32::MAX as u64];

/// `otpauth://` URIs and base32 secrets (`sigil add --totp`): the normalized URI sigil stores
/// parses to the same generator (same codes), reads back as a stored seed, and neither an
/// error nor the generator's Debug names the secret planted at [`PLACEHOLDER`].
pub fn otpauth(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let addr: FieldAddress = "svc/acc/totp".parse().expect("valid");
    if let Some((text, m)) = planted(text) {
        match otp::Otp::parse(&text, &addr) {
            Ok(o) => assert!(!format!("{o:?}").contains(&m)),
            Err(e) => assert_hidden(&m, &e),
        }
    }
    let Ok(o) = otp::Otp::parse(text, &addr) else {
        return;
    };
    for t in INSTANTS {
        let _ = o.seconds_left(t);
    }
    let uri = o.uri().expect("a parsed seed has a URI");
    let uri_text = uri.expose_str().expect("a URI is text");
    let again = otp::Otp::parse(uri_text, &addr)
        .unwrap_or_else(|e| panic!("the normalized URI does not parse: {e}"));
    let stored = otp::Otp::from_stored(&addr, &uri)
        .unwrap_or_else(|e| panic!("the stored seed does not read back: {e}"));
    for other in [&again, &stored] {
        assert_eq!(other.algorithm(), o.algorithm());
        assert_eq!(other.digits(), o.digits());
        assert_eq!(other.period(), o.period());
        for t in INSTANTS {
            assert_eq!(*other.code_at(t), *o.code_at(t), "at {t}");
        }
    }
}

#[cfg(feature = "cli")]
/// QR images (`sigil add --totp --qr-image`): inputs stay small (a screenshot of a QR code
/// needs no more to exercise the decoders), and what is read back is an otpauth:// URI.
pub fn qr_image(data: &[u8]) {
    if data.len() > 64 << 10 {
        return;
    }
    if let Ok(text) = sigil::internal::cli::otp::qr_in_image(data) {
        assert!(
            text.trim_start()
                .to_ascii_lowercase()
                .starts_with("otpauth://")
        );
        let addr: FieldAddress = "svc/acc/totp".parse().expect("valid");
        let _ = otp::Otp::parse(&text, &addr);
    }
}

// ---------------------------------------------------------------------------------------------
// Exports, backups, the audit log
// ---------------------------------------------------------------------------------------------

/// The identity the export and backup targets decrypt with.
fn identity() -> &'static sigil::Identity {
    static ID: OnceLock<sigil::Identity> = OnceLock::new();
    ID.get_or_init(sigil::Identity::generate)
}

/// Export files (`sigil import`): the first byte picks the layer. Even: the decrypted
/// envelope, which re-encodes to an envelope that decodes to the same credential, and whose
/// errors never name the secret planted at [`PLACEHOLDER`]. Odd: the age file itself,
/// decrypted with a generated identity.
pub fn export(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let path = Path::new("/fuzz/export.age");
    if mode & 1 == 1 {
        let key = sigil::internal::ops::backup::Key::Identity(identity());
        if let Ok(plain) = export::decrypt(path, rest, &key) {
            let _ = export::decode(path, &plain);
        }
        return;
    }
    if let Ok(text) = std::str::from_utf8(rest)
        && let Some((text, m)) = planted(text)
        && let Err(e) = export::decode(path, text.as_bytes())
    {
        assert_hidden(&m, &e);
    }
    let Ok(cred) = export::decode(path, rest) else {
        return;
    };
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let encoded = export::encode(&cred, now).expect("a decoded credential encodes");
    let back = export::decode(path, &encoded).expect("an encoded credential decodes");
    assert_eq!(back.address, cred.address);
    assert_eq!(back.fields, cred.fields);
    assert_eq!(
        back.meta.as_ref().map(|m| m.kind),
        cred.meta.as_ref().map(|m| m.kind)
    );
}

/// Backups (`sigil backup verify` and the first pass of `restore`). The first byte picks
/// what the rest is: 0, the age file itself; 1, the gzip stream inside it; 2, the tar
/// archive inside that (both encrypted here to a generated identity). Bit 2 plants a marker
/// at [`PLACEHOLDER`] (same length, so the tar stays well-formed). Checked: `read` and
/// `verify` agree, and no error names the marker.
pub fn backup(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut plain = rest.to_vec();
    let m = marker()[..PLACEHOLDER.len()].to_owned();
    let planted = mode & 4 != 0 && replace_bytes(&mut plain, PLACEHOLDER.as_bytes(), m.as_bytes());
    let file = match mode & 3 {
        0 => plain,
        1 => encrypted(&plain),
        _ => encrypted(&gzipped(&plain)),
    };
    let dir = scratch();
    let path = dir.join("fuzz.sigil-backup");
    std::fs::write(&path, &file).expect("the scratch directory is writable");
    let key = sigil::internal::ops::backup::Key::Identity(identity());
    let mut entries = 0;
    let read = sigil::internal::ops::backup::read(&path, &key, None, &mut |_| {
        entries += 1;
        Ok(())
    });
    let verified = sigil::internal::ops::backup::verify(&path, &key);
    for e in [read.as_ref().err(), verified.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if planted {
            assert_hidden(&m, e);
        }
    }
    if let (Ok(r), Ok(v)) = (&read, &verified) {
        assert_eq!(r, v);
        assert_eq!(r.entries.len(), entries);
    }
    assert!(
        verified.is_err() || read.is_ok(),
        "verify passed what read refused"
    );
}

/// Replaces every `from` in `bytes` by `to` (of the same length); whether there was one.
fn replace_bytes(bytes: &mut [u8], from: &[u8], to: &[u8]) -> bool {
    let mut found = false;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            found = true;
            i += from.len();
        } else {
            i += 1;
        }
    }
    found
}

/// A directory of this process's own for the files the backup target writes.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

/// `plain` encrypted to [`identity`], as a binary age file.
fn encrypted(plain: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let recipients = identity().recipients();
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().filter_map(|r| r.as_native()))
            .expect("one recipient");
    let mut out = Vec::new();
    let mut w = encryptor.wrap_output(&mut out).expect("in memory");
    w.write_all(plain).expect("in memory");
    w.finish().expect("in memory");
    out
}

/// `plain` gzip-compressed.
fn gzipped(plain: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(plain).expect("in memory");
    gz.finish().expect("in memory")
}

/// Lines of the audit log: a line that decodes re-encodes to exactly its bytes (so one MAC
/// has one spelling), and an entry encoded with any MAC decodes to that entry and MAC.
pub fn audit_line(data: &[u8]) {
    let line = data.strip_suffix(b"\n").unwrap_or(data);
    if let Some((content, mac, entry)) = audit::decode_line(line) {
        let mut expected = line.to_vec();
        expected.push(b'\n');
        assert_eq!(
            audit::encode_line(&content, &mac),
            expected,
            "a decoded line re-encodes differently"
        );
        if let Some(e) = entry {
            let json = serde_json::to_vec(&e).expect("an entry serializes");
            let again: audit::Entry = serde_json::from_slice(&json).expect("and reads back");
            assert_eq!(again, e);
        }
    }
    if let Ok(e) = serde_json::from_slice::<audit::Entry>(data) {
        let json = serde_json::to_vec(&e).expect("an entry serializes");
        let mac = [data.len() as u8; 32];
        let line = audit::encode_line(&json, &mac);
        let (content, back_mac, back) =
            audit::decode_line(line.strip_suffix(b"\n").expect("a line ends in a newline"))
                .expect("an encoded line decodes");
        assert_eq!(content, json);
        assert_eq!(back_mac, mac);
        assert_eq!(back, Some(e));
    }
}

// ---------------------------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "oauth")]
mod oauth;
#[cfg(feature = "oauth")]
pub use oauth::{oauth_discovery, oauth_token};
