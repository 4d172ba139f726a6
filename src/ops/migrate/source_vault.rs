//! Other password managers' entries, whatever their source: how one entry (a pass file, a
//! Bitwarden item, a CSV row) becomes addresses, and the exports read as text (Bitwarden
//! JSON, KeePassXC and 1Password CSV) or as a zip (1Password `.1pux`). The stores
//! (pass, passage, gopass) are read in `source_pass.rs`.
//!
//! The rules, documented in docs/migrate.md:
//! - service: the entry's name (pass: its folder; exports: its title), lowercased, every
//!   character outside `[a-z0-9._-]` turned into `-`, runs of `-` joined, leading and
//!   trailing `-`/`.` cut, at most 64; `unnamed` when nothing is left. `--prefix` applies.
//! - account: the entry's user name (pass: its file name), every character outside
//!   `[A-Za-z0-9@._+-]` turned into `-`, at most 128; `default` when there is none.
//! - fields: `password`, `username`, `totp` (the normalised `otpauth://` URI, as
//!   `sigil add --totp` stores it), `notes`, and one per custom field (lowercased, `_` for
//!   anything outside `[a-z0-9_]`, at most 32).
//! - metadata note (plaintext, like all metadata): the URLs and the folder, never a secret.
//! - two entries on one address: the later one's account gets `-2`, `-3`…, and the plan
//!   says so. Nothing is overwritten.

use super::parse::with_prefix;
use super::{Action, Format, Item, Options};
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::registry::Kind;
use crate::model::secret::Secret;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Most entries read from one store or export.
pub(super) const MAX_ENTRIES: usize = 100_000;
/// Most bytes of a `.1pux`'s `export.data` once decompressed.
pub(super) const MAX_1PUX_DATA: u64 = 64 << 20;
/// Most bytes of a `.1pux` file itself.
const MAX_1PUX_FILE: u64 = 64 << 20;

/// One entry of a password manager, before it is mapped to addresses.
#[derive(Debug, Default)]
pub(super) struct Entry {
    /// How the plan names it (its path or title), escaped for the terminal.
    pub name: String,
    /// 1-based line (CSV row, JSON item) or 0 for a store's file.
    pub line: usize,
    /// The text the service is made of.
    pub service: String,
    /// The text the account is made of, if the entry names a user.
    pub account: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// The user name.
    pub username: Option<String>,
    /// A TOTP seed: an `otpauth://` URI or a base32 secret.
    pub totp: Option<String>,
    /// Free text.
    pub notes: Vec<String>,
    /// Further fields, by their name in the source.
    pub fields: Vec<(String, String)>,
    /// URLs (metadata).
    pub urls: Vec<String>,
    /// The folder or group (metadata).
    pub folder: Option<String>,
}

/// A service from free text (see the module's rules).
pub(super) fn service_name(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
            if c == '_' { '-' } else { c }
        } else {
            '-'
        };
        if c == '-' && s.ends_with('-') {
            continue;
        }
        s.push(c);
    }
    let s = s.trim_matches(|c| c == '-' || c == '.');
    let s: String = s.chars().take(64).collect();
    let s = s.trim_end_matches(['-', '.']).to_owned();
    if s.is_empty() { "unnamed".into() } else { s }
}

/// An account from free text (see the module's rules).
pub(super) fn account_name(text: &str) -> String {
    let mut s = String::new();
    for c in text.trim().chars() {
        let c = if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
            c
        } else {
            '-'
        };
        if c == '-' && s.ends_with('-') {
            continue;
        }
        s.push(c);
    }
    let s: String = s.trim_matches(['-', '.']).chars().take(120).collect();
    if s.is_empty() || s == "." || s == ".." {
        "default".into()
    } else {
        s
    }
}

/// A field from free text: camelCase split, lowercased, `_` for the rest, at most 32.
pub(super) fn field_name(text: &str) -> String {
    let mut s = String::new();
    let mut prev_lower = false;
    for c in text.trim().chars() {
        if c.is_ascii_uppercase() && prev_lower {
            s.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if c == '_' && (s.ends_with('_') || s.is_empty()) {
            continue;
        }
        s.push(c);
    }
    let s: String = s.trim_end_matches('_').chars().take(28).collect();
    let s = s.trim_end_matches('_').to_owned();
    if s.is_empty() { "field".into() } else { s }
}

/// Text for the terminal and the metadata: control characters (escape sequences) escaped.
pub(super) fn shown(text: &str) -> String {
    crate::model::shown::line(text).into_owned()
}

/// The account an entry goes to: its service and account normalised, and a later entry on an
/// account already made renamed `-2`, `-3`… (said in `notes`).
fn account_of(
    e: &Entry,
    opts: &Options,
    taken: &mut HashMap<String, String>,
    notes: &mut Vec<String>,
) -> Result<Address> {
    let service = with_prefix(opts, service_name(&e.service));
    let base = account_name(e.account.as_deref().unwrap_or(""));
    let mut account = base.clone();
    let mut n = 1;
    while let Some(first) = taken.get(&format!("{service}/{account}")) {
        n += 1;
        if n == 2 {
            notes.push(format!(
                "'{}' and '{}' both map to '{service}/{base}'",
                first, e.name
            ));
        }
        account = format!("{base}-{n}");
    }
    if n > 1 {
        notes.push(format!("'{}' is imported as '{service}/{account}'", e.name));
    }
    taken.insert(format!("{service}/{account}"), e.name.clone());
    Ok(Address::new(&service, &account, None)?)
}

/// Maps entries to items, renaming collisions. Returns the items and what to report.
pub(super) fn items_of(entries: Vec<Entry>, opts: &Options) -> Result<(Vec<Item>, Vec<String>)> {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    // The address of every account made so far, with the entry that made it.
    let mut taken: HashMap<String, String> = HashMap::new();
    for e in entries {
        let acct = account_of(&e, opts, &mut taken, &mut notes)?;
        let mut values: Vec<(String, String)> = Vec::new();
        let mut put = |field: String, value: String| {
            if value.is_empty() {
                return;
            }
            let mut f = field.clone();
            let mut k = 1;
            while values.iter().any(|(g, _)| *g == f) {
                k += 1;
                f = format!("{field}_{k}");
            }
            values.push((f, value));
        };
        if let Some(p) = e.password {
            put("password".into(), p);
        }
        if let Some(u) = e.username {
            put("username".into(), u);
        }
        if let Some(t) = e.totp.filter(|t| !t.trim().is_empty()) {
            let addr = acct.with_field(crate::model::otp::FIELD)?;
            match crate::model::otp::Otp::parse(&t, &addr).and_then(|o| o.uri()) {
                Ok(uri) => put(
                    "totp".into(),
                    String::from_utf8_lossy(uri.expose()).into_owned(),
                ),
                Err(why) => {
                    notes.push(format!(
                        "the TOTP seed of '{}' is not one sigil can use ({}); it is kept as text in '{}/totp_text'",
                        e.name,
                        crate::model::error::kind_of(&why.to_string()),
                        acct.account_key()
                    ));
                    put("totp_text".into(), t);
                }
            }
        }
        let note = e.notes.join("\n");
        if !note.trim().is_empty() {
            put("notes".into(), note);
        }
        for (k, v) in e.fields {
            let f = match field_name(&k).as_str() {
                // A custom field may not take the place of the entry's own.
                "password" | "username" | "totp" | "notes" if !v.is_empty() => {
                    format!("field_{}", field_name(&k))
                }
                f => f.to_owned(),
            };
            put(f, v);
        }
        if values.is_empty() {
            notes.push(format!("'{}' holds nothing to import; skipped", e.name));
            continue;
        }
        let kind = if values.iter().any(|(f, _)| f == "password") {
            Kind::Password
        } else if values.iter().all(|(f, _)| f == "totp") {
            Kind::Totp
        } else {
            Kind::ApiKey
        };
        let mut meta: Vec<String> = e
            .urls
            .iter()
            .map(|u| format!("url: {}", shown(u)))
            .collect();
        if let Some(f) = e.folder.filter(|f| !f.is_empty()) {
            meta.push(format!("folder: {}", shown(&f)));
        }
        let note = (!meta.is_empty()).then(|| meta.join("\n"));
        for (field, value) in values {
            let address: FieldAddress = acct.with_field(&field)?;
            items.push(Item {
                line: e.line,
                name: e.name.clone(),
                address,
                value: Secret::new(value.into_bytes()),
                action: Action::Store,
                span: (0, 0),
                remove: false,
                quote: None,
                bound: None,
                replacement: None,
                kind: Some(kind),
                note: note.clone(),
            });
        }
    }
    Ok((items, notes))
}

fn too_many(path: &Path) -> Error {
    Error::UsageHelp {
        message: format!(
            "'{}' has more than {MAX_ENTRIES} entries, the most sigil imports at once",
            path.display()
        ),
        help: "split the export, or migrate the store's folders one by one".into(),
    }
}

fn malformed(path: &Path, line: usize, message: impl Into<String>) -> Error {
    crate::model::error::MalformedFile {
        path: path.to_owned(),
        line,
        column: 1,
        message: message.into(),
    }
    .into()
}

// ---------------------------------------------------------------------------------------
// Bitwarden JSON

/// Whether a JSON text is a Bitwarden export (`{"encrypted": …, "items": [...]}`).
pub(super) fn is_bitwarden(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.contains("\"encrypted\"")
        && (text.contains("\"items\"") || head.contains("passwordProtected"))
}

/// A JSON string member, when it is a non-empty string.
fn jstr<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(|x| x.as_str())
        .filter(|s| !s.is_empty())
}

/// One item of a Bitwarden export (the `n`th, 0-based) as an [`Entry`].
fn bitwarden_entry(n: usize, it: &serde_json::Value, folders: &HashMap<&str, &str>) -> Entry {
    let name = jstr(it, "name").unwrap_or("unnamed");
    let mut e = Entry {
        name: shown(name),
        line: n + 1,
        service: name.to_owned(),
        folder: it
            .get("folderId")
            .and_then(|v| v.as_str())
            .and_then(|id| folders.get(id))
            .map(|s| s.to_string()),
        ..Entry::default()
    };
    if let Some(notes) = jstr(it, "notes") {
        e.notes.push(notes.to_owned());
    }
    if let Some(login) = it.get("login").filter(|l| l.is_object()) {
        e.username = jstr(login, "username").map(str::to_owned);
        e.account = e.username.clone();
        e.password = jstr(login, "password").map(str::to_owned);
        e.totp = jstr(login, "totp").map(str::to_owned);
        if let Some(uris) = login.get("uris").and_then(|u| u.as_array()) {
            e.urls = uris
                .iter()
                .filter_map(|u| jstr(u, "uri"))
                .map(str::to_owned)
                .collect();
        }
    }
    // A card, an identity, an SSH key: each of its strings a field.
    for part in ["card", "identity", "sshKey"] {
        if let Some(obj) = it.get(part).and_then(|v| v.as_object()) {
            for (k, v) in obj {
                if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                    e.fields.push((k.clone(), s.to_owned()));
                }
            }
        }
    }
    if let Some(fields) = it.get("fields").and_then(|f| f.as_array()) {
        for f in fields {
            // Type 3 is a linked field: a pointer to another, no value of its own.
            if f.get("type").and_then(|t| t.as_u64()) == Some(3) {
                continue;
            }
            if let (Some(k), Some(v)) = (jstr(f, "name"), jstr(f, "value")) {
                e.fields.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    e
}

/// Bitwarden's unencrypted JSON export (`bw export --format json`, or the web vault's
/// "File format: .json"), as Bitwarden's help article "Condition a Bitwarden .json file"
/// describes it: `folders: [{id, name}]`, `items: [{type, name, folderId, notes,
/// fields: [{name, value, type}], login: {username, password, totp, uris: [{uri}]}, card,
/// identity, sshKey, secureNote}]`; `type` 1 login, 2 secure note, 3 card, 4 identity, 5 SSH key.
pub(super) fn parse_bitwarden(
    path: &Path,
    text: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<String>)> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        crate::model::error::Error::from(crate::model::error::MalformedFile {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: crate::model::error::json_kind(&e),
        })
    })?;
    if doc.get("encrypted").and_then(|v| v.as_bool()) == Some(true) {
        return Err(Error::UsageHelp {
            message: format!("'{}' is an encrypted Bitwarden export", path.display()),
            help: "export again as unencrypted JSON (`bw export --format json`); sigil cannot \
                   open Bitwarden's encryption"
                .into(),
        });
    }
    let Some(items) = doc.get("items").and_then(|v| v.as_array()) else {
        return Err(malformed(
            path,
            1,
            "a Bitwarden export has an \"items\" array",
        ));
    };
    if items.len() > MAX_ENTRIES {
        return Err(too_many(path));
    }
    let folders: HashMap<&str, &str> = doc
        .get("folders")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|f| Some((jstr(f, "id")?, jstr(f, "name")?)))
                .collect()
        })
        .unwrap_or_default();
    let mut entries = Vec::new();
    for (n, it) in items.iter().enumerate() {
        if !it.is_object() {
            return Err(malformed(
                path,
                1,
                format!("item {} is not an object", n + 1),
            ));
        }
        entries.push(bitwarden_entry(n, it, &folders));
    }
    items_of(entries, opts)
}

// ---------------------------------------------------------------------------------------
// CSV (KeePassXC, 1Password)

/// RFC 4180 records: `"` quotes fields, `""` is a quote, quoted fields may hold newlines.
/// Each record with the 1-based line it starts on.
fn csv_records(path: &Path, text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut start) = (1, 1);
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                rec.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                was_quoted = false;
                if !(rec.len() == 1 && rec[0].is_empty()) {
                    out.push((start, std::mem::take(&mut rec)));
                }
                rec.clear();
                line += 1;
                start = line;
                if out.len() > MAX_ENTRIES + 1 {
                    return Err(too_many(path));
                }
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(malformed(
            path,
            start,
            "a quoted field is not closed (the file is cut short?)",
        ));
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push((start, rec));
    }
    Ok(out)
}

/// Which password manager wrote a CSV export, from its header row.
pub(super) fn csv_format(path: &Path, text: &str) -> Result<Format> {
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}');
    let cols: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |c: &str| cols.iter().any(|x| x == c);
    if has("group") && has("title") && has("password") {
        Ok(Format::KeepassCsv)
    } else if has("title") && has("password") && (has("otpauth") || has("url") || has("username")) {
        Ok(Format::OnePasswordCsv)
    } else {
        Err(Error::UsageHelp {
            message: format!(
                "'{}' is not a CSV export sigil knows: its first row names no Title and Password columns",
                path.display()
            ),
            help: "sigil reads KeePassXC's CSV (Group, Title, Username, Password, URL, Notes, TOTP, …) \
                   and 1Password's (Title, Url, Username, Password, OTPAuth, …)"
                .into(),
        })
    }
}

/// KeePassXC's "Export to CSV" (columns Group, Title, Username, Password, URL, Notes, TOTP,
/// Icon, Last Modified, Created, as KeePassXC's user guide lists them) and 1Password 8's CSV
/// export (Title, Url, Username, Password, OTPAuth, Favorite, Archived, Tags, Notes, as
/// 1Password's support article "Export your data" describes it). Columns are found by
/// their header, in any order.
pub(super) fn parse_csv(
    path: &Path,
    text: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<String>)> {
    let records = csv_records(path, text)?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Ok((vec![], vec![]));
    };
    let col: BTreeMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
        .collect();
    let get = |row: &[String], names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| col.get(*n).and_then(|&i| row.get(i)))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let mut entries = Vec::new();
    for (line, row) in rows {
        if row.len() != header.len() {
            return Err(malformed(
                path,
                *line,
                format!(
                    "the row has {} columns and the header {} (the file is cut short or damaged?)",
                    row.len(),
                    header.len()
                ),
            ));
        }
        let title = get(row, &["title"]).unwrap_or_else(|| "unnamed".into());
        let username = get(row, &["username"]);
        let group = get(row, &["group"]).or_else(|| get(row, &["tags"]));
        entries.push(Entry {
            name: shown(&title),
            line: *line,
            service: title,
            account: username.clone(),
            password: get(row, &["password"]),
            username,
            totp: get(row, &["totp", "otpauth"]),
            notes: get(row, &["notes"]).into_iter().collect(),
            fields: vec![],
            urls: get(row, &["url"]).into_iter().collect(),
            folder: group,
        });
    }
    items_of(entries, opts)
}

// ---------------------------------------------------------------------------------------
// 1Password .1pux

/// `export.data` out of a `.1pux` (a zip archive): read with the `zip` crate, its
/// decompressed size bounded by [`MAX_1PUX_DATA`] whatever the archive claims.
fn onepux_data(path: &Path) -> Result<String> {
    use std::io::Read;
    let ctx = |e: std::io::Error| Error::io(format!("cannot read '{}'", path.display()), e);
    let file = std::fs::File::open(path).map_err(ctx)?;
    let size = file.metadata().map_err(ctx)?.len();
    if size > MAX_1PUX_FILE {
        return Err(Error::UsageHelp {
            message: format!(
                "'{}' is larger than 64 MiB, the limit for a .1pux export",
                path.display()
            ),
            help: "export the vaults one by one".into(),
        });
    }
    let not_zip = |why: String| Error::UsageHelp {
        message: format!("'{}' is not a readable .1pux export: {why}", path.display()),
        help: "export again from 1Password (File › Export › 1PUX); nothing was changed".into(),
    };
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        not_zip(match e {
            zip::result::ZipError::InvalidArchive(_) => {
                "it is not a zip archive (or it is cut short)".into()
            }
            e => crate::model::error::kind_of(&e.to_string()),
        })
    })?;
    let entry = zip
        .by_name("export.data")
        .map_err(|_| not_zip("it has no export.data".into()))?;
    let mut data = Vec::new();
    entry
        .take(MAX_1PUX_DATA + 1)
        .read_to_end(&mut data)
        .map_err(|e| not_zip(crate::model::error::kind_of(&e.to_string())))?;
    if data.len() as u64 > MAX_1PUX_DATA {
        return Err(not_zip(
            "export.data decompresses to more than 64 MiB (a zip bomb?)".into(),
        ));
    }
    String::from_utf8(data).map_err(|_| not_zip("export.data is not UTF-8 text".into()))
}

/// One item of a `.1pux` vault (the `line`th entry, in the vault named `folder`) as an
/// [`Entry`].
fn onepux_entry(it: &serde_json::Value, line: usize, folder: Option<String>) -> Entry {
    let overview = it.get("overview").cloned().unwrap_or_default();
    let details = it.get("details").cloned().unwrap_or_default();
    let title = jstr(&overview, "title").unwrap_or("unnamed").to_owned();
    let mut e = Entry {
        name: shown(&title),
        line,
        service: title,
        folder,
        ..Entry::default()
    };
    if let Some(urls) = overview.get("urls").and_then(|u| u.as_array()) {
        e.urls = urls
            .iter()
            .filter_map(|u| jstr(u, "url"))
            .map(str::to_owned)
            .collect();
    }
    if e.urls.is_empty()
        && let Some(u) = jstr(&overview, "url")
    {
        e.urls.push(u.to_owned());
    }
    for f in details
        .get("loginFields")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
    {
        let Some(v) = jstr(f, "value") else { continue };
        match jstr(f, "designation") {
            Some("username") => e.username = Some(v.to_owned()),
            Some("password") => e.password = Some(v.to_owned()),
            _ => e
                .fields
                .push((jstr(f, "name").unwrap_or("field").to_owned(), v.to_owned())),
        }
    }
    if e.password.is_none() {
        e.password = jstr(&details, "password").map(str::to_owned);
    }
    if let Some(n) = jstr(&details, "notesPlain") {
        e.notes.push(n.to_owned());
    }
    for s in details
        .get("sections")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
    {
        for f in s
            .get("fields")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let Some(value) = f.get("value").and_then(|v| v.as_object()) else {
                continue;
            };
            let name = jstr(f, "title")
                .or_else(|| jstr(f, "id"))
                .unwrap_or("field");
            for (kind, v) in value {
                let Some(v) = v.as_str().filter(|s| !s.is_empty()) else {
                    continue;
                };
                if kind == "totp" && e.totp.is_none() {
                    e.totp = Some(v.to_owned());
                } else if kind == "url" {
                    e.urls.push(v.to_owned());
                } else {
                    e.fields.push((name.to_owned(), v.to_owned()));
                }
            }
        }
    }
    e.account = e.username.clone();
    e
}

/// 1Password's `.1pux`, as its support article "About the 1Password Unencrypted Export
/// (.1PUX) format" describes it: a zip whose `export.data` is JSON `{accounts: [{vaults:
/// [{attrs: {name}, items: [{state, overview: {title, url, urls: [{url}], tags}, details:
/// {loginFields: [{value, designation, name}], notesPlain, password, sections: [{title,
/// fields: [{title, id, value: {concealed | string | totp | url | email …}}]}]}}]}]}]}`.
pub(super) fn read_1pux(path: &Path, opts: &Options) -> Result<(Vec<Item>, Vec<String>)> {
    let text = zeroize::Zeroizing::new(onepux_data(path)?);
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::from(crate::model::error::MalformedFile {
            path: path.join("export.data"),
            line: e.line(),
            column: e.column(),
            message: crate::model::error::json_kind(&e),
        })
    })?;
    let Some(accounts) = doc.get("accounts").and_then(|a| a.as_array()) else {
        return Err(malformed(path, 1, "export.data has no \"accounts\" array"));
    };
    let mut entries = Vec::new();
    for account in accounts {
        for vault in account
            .get("vaults")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let vault_name = vault
                .get("attrs")
                .and_then(|a| jstr(a, "name"))
                .map(str::to_owned);
            for it in vault
                .get("items")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                if entries.len() >= MAX_ENTRIES {
                    return Err(too_many(path));
                }
                if it.get("state").and_then(|s| s.as_str()) == Some("archived") {
                    continue;
                }
                entries.push(onepux_entry(it, entries.len() + 1, vault_name.clone()));
            }
        }
    }
    items_of(entries, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(service_name("GitHub (work)"), "github-work");
        assert_eq!(service_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(service_name("\u{1b}[31mred"), "31mred");
        assert_eq!(service_name(".."), "unnamed");
        assert_eq!(account_name("alice@example.com"), "alice@example.com");
        assert_eq!(account_name("Alice Smith"), "Alice-Smith");
        assert_eq!(account_name(".."), "default");
        assert_eq!(account_name("../root"), "root");
        assert_eq!(field_name("Recovery Code"), "recovery_code");
        assert_eq!(field_name("cardholderName"), "cardholder_name");
        assert_eq!(field_name("!!"), "field");
    }

    #[test]
    fn csv_quotes_and_newlines() {
        let r = csv_records(Path::new("x"), "a,b\r\n\"x,1\",\"l1\nl2 \"\"q\"\"\"\n").unwrap();
        assert_eq!(r[1].1, vec!["x,1".to_string(), "l1\nl2 \"q\"".to_string()]);
        assert!(csv_records(Path::new("x"), "a,b\n\"open,1\n").is_err());
    }

    /// Every prefix of an export (a file cut short anywhere) parses or is refused: never a
    /// panic, and never more entries than the whole file has.
    #[test]
    fn every_truncation_is_an_error_or_a_subset() {
        let opts = Options::default();
        let p = Path::new("/x/export");
        let csv = "Group,Title,Username,Password,URL,Notes,TOTP,Icon,Last Modified,Created\n\
                   \"G\",\"T é\",\"u\",\"p\"\"q\",\"https://x\",\"n1\nn2\",\"JBSWY3DPEHPK3PXP\",\"0\",\"\",\"\"\n";
        let json = r#"{"encrypted": false, "folders": [{"id": "f", "name": "F"}], "items": [{"type": 1, "name": "N", "folderId": "f", "login": {"username": "u", "password": "p", "totp": "JBSWY3DPEHPK3PXP", "uris": [{"uri": "https://x"}]}, "fields": [{"name": "k", "value": "v", "type": 0}]}]}"#;
        let whole_csv = parse_csv(p, csv, &opts).unwrap().0.len();
        let whole_json = parse_bitwarden(p, json, &opts).unwrap().0.len();
        for end in (0..=csv.len()).filter(|&i| csv.is_char_boundary(i)) {
            if let Ok((items, _)) = parse_csv(p, &csv[..end], &opts) {
                assert!(items.len() <= whole_csv);
            }
        }
        for end in (0..=json.len()).filter(|&i| json.is_char_boundary(i)) {
            if let Ok((items, _)) = parse_bitwarden(p, &json[..end], &opts) {
                assert!(items.len() <= whole_json);
            }
        }
    }
}
