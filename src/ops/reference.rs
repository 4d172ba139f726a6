//! Resolving references: `auth://service/account[/field]` through sigil itself (each distinct
//! secret read once per run, OAuth tokens refreshed as `get` would) and `ref+<backend>://…`
//! through an installed `vals`; and rendering templates that contain them.

use crate::Sigil;
use crate::model::address::{Address, Reference};
use crate::model::dotenv;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use std::collections::HashMap;
use zeroize::Zeroizing;

/// Resolves references for one run, remembering every value it read.
pub struct Resolver<'a> {
    /// `None` for an offline resolver, which knows only the values it was given.
    sigil: Option<&'a Sigil>,
    values: HashMap<String, Secret>,
    reads: usize,
}

impl std::fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("reads", &self.reads)
            .finish()
    }
}

impl<'a> Resolver<'a> {
    /// A resolver over an open sigil.
    pub fn new(sigil: &'a Sigil) -> Resolver<'a> {
        Resolver {
            sigil: Some(sigil),
            values: HashMap::new(),
            reads: 0,
        }
    }

    #[doc(hidden)]
    /// A resolver that reads no store and runs no `vals`: it knows exactly `values`, keyed
    /// by reference text (`auth://service/account/field`, `ref+…`); any other reference is
    /// not found. For the template fuzz target, which must render without a sigil home.
    pub fn offline(values: HashMap<String, Secret>) -> Resolver<'static> {
        Resolver {
            sigil: None,
            values,
            reads: 0,
        }
    }

    /// Parses and resolves reference text: `auth://…` (or a bare address) or `ref+…://…`.
    pub fn resolve_text(&mut self, text: &str) -> Result<Secret> {
        let reference = match Reference::parse(text) {
            Some(r) => r?,
            None => Reference::Auth(Address::parse(text)?),
        };
        self.resolve(&reference)
    }

    /// Resolves one reference, reading each distinct secret only once.
    pub fn resolve(&mut self, reference: &Reference) -> Result<Secret> {
        let key = match reference {
            Reference::Auth(a) => a.to_reference(),
            Reference::Vals(v) => v.clone(),
        };
        if let Some(s) = self.values.get(&key) {
            return Ok(s.clone());
        }
        let Some(sigil) = self.sigil else {
            return Err(Error::NotFound {
                message: format!("'{key}' not found"),
                help: None,
            });
        };
        let secret = match reference {
            Reference::Auth(a) => {
                // `github/me` and `github/me/api_key` are the same secret: key on the field.
                let full = sigil.resolve_field(a)?.to_reference();
                match self.values.get(&full) {
                    Some(s) => s.clone(),
                    None => {
                        let s = sigil.get_address(a)?.1;
                        self.reads += 1;
                        self.values.insert(full, s.clone());
                        s
                    }
                }
            }
            Reference::Vals(v) => {
                self.reads += 1;
                vals_get(v)?
            }
        };
        self.values.insert(key, secret.clone());
        Ok(secret)
    }

    /// How many secrets were actually read (not served from memory).
    pub fn reads(&self) -> usize {
        self.reads
    }

    /// Every value resolved so far, for masking.
    pub fn values(&self) -> Vec<Vec<u8>> {
        self.values.values().map(|s| s.expose().to_vec()).collect()
    }
}

/// Runs `vals get REF`, the resolver of `ref+<backend>://…` references.
fn vals_get(reference: &str) -> Result<Secret> {
    let Some(vals) = crate::ops::child::find_program("vals") else {
        return Err(Error::other(
            format!("cannot resolve '{reference}': `vals` is not installed"),
            Some(
                "ref+… references are resolved by vals (https://github.com/helmfile/vals); install it, or use auth:// references"
                    .into(),
            ),
        ));
    };
    let out = crate::ops::child::command(vals)
        .args(["get", reference])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("cannot run 'vals' for '{reference}'"), e))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(Error::other(
            format!(
                "vals could not resolve '{reference}': {}",
                crate::model::shown::line(why.trim())
            ),
            None,
        ));
    }
    let mut v = out.stdout;
    if v.ends_with(b"\n") {
        v.pop();
    }
    Ok(Secret::new(v))
}

/// A secret as template text.
fn as_text<'s>(secret: &'s Secret, reference: &str) -> Result<&'s str> {
    secret.expose_str().ok_or_else(|| {
        Error::other(
            format!("'{reference}' is not UTF-8 text, so it cannot go into a template"),
            None,
        )
    })
}

/// Wraps an error with the reference and where it was written. A reference that does not
/// parse is named by its place and the kind of problem, never by its text: what starts with
/// `auth://` in a template or an env file may be a URL with a password in it
/// (`DATABASE_URL=auth://me:hunter2@db/app`).
pub fn located(reference: &str, location: String, source: Error) -> Error {
    match source {
        Error::Address(e) => Error::Resolve {
            reference: "auth://…".to_owned(),
            location,
            source: Box::new(Error::UsageHelp {
                message: format!(
                    "it is not a valid reference: {}",
                    crate::model::address::reason_kind(&e)
                ),
                help: crate::model::address::GRAMMAR.to_owned(),
            }),
        },
        source => Error::Resolve {
            reference: reference.to_owned(),
            location,
            source: Box::new(source),
        },
    }
}

/// Whether text is a reference, exactly: `auth://` followed by a valid address,
/// `ref+<backend>://…`, or text holding a `{{ … }}` template expression around one. This is
/// the one test of what is already out of plaintext (for `migrate`, `--scan`, `status` and
/// `check`): anything else is plaintext however much it looks like a reference
/// (`ab{{cd`, `ref+abc123`, `auth://me:pw@db`).
pub fn is_reference(text: &str) -> bool {
    if matches!(Reference::parse(text), Some(Ok(_))) {
        return true;
    }
    // Scanned as `render_into` scans a template, so what it would render counts.
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return false;
        };
        if matches!(Reference::parse(after[..close].trim()), Some(Ok(_))) {
            return true;
        }
        rest = after;
    }
    false
}

/// Renders a template: every `{{ auth://… }}` (spaces optional) is replaced by its value,
/// and so is the value of a dotenv line (`NAME=auth://…`, quoted or not, `export` allowed)
/// that is exactly a reference. `{{` that does not hold a reference passes through untouched.
/// Lines end where the dotenv parser ends them (`\n`, `\r\n` or a lone `\r`), so that both
/// agree on a line and its number. `origin` names the template in errors (`file:line`).
pub fn render(template: &str, origin: &str, resolver: &mut Resolver<'_>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    render_into(template, origin, resolver, &mut |piece| {
        out.push_str(piece);
        Ok(())
    })?;
    Ok(out)
}

/// [`render`], handing the output to `out` piece by piece instead of building it: a template
/// of a few hundred references to a large secret renders in the memory of one copy of it.
/// The resolver keeps each distinct secret, so rendering twice (once to check that every
/// reference resolves, then to write) reads and counts each secret once.
pub fn render_into(
    template: &str,
    origin: &str,
    resolver: &mut Resolver<'_>,
    out: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<()> {
    for (n, line) in dotenv::lines(template).enumerate() {
        let at = || format!("{origin}:{}", n + 1);
        // The rest of a dotenv reference line (`export`, a trailing comment) is template text
        // like any other: its `{{ … }}` are rendered too, so that rendering the output again
        // finds nothing left to do. The value itself is put in as it is, never scanned.
        if let Some((span, value)) = dotenv_reference(line, resolver, &at)? {
            render_braces(&line[..span.start], resolver, &at, out)?;
            out(&value)?;
            render_braces(&line[span.end..], resolver, &at, out)?;
        } else {
            render_braces(line, resolver, &at, out)?;
        }
    }
    Ok(())
}

/// Renders the `{{ … }}` of one piece of a line.
fn render_braces(
    piece: &str,
    resolver: &mut Resolver<'_>,
    at: &dyn Fn() -> String,
    out: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<()> {
    let mut rest = piece;
    while let Some(open) = rest.find("{{") {
        out(&rest[..open])?;
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out(&rest[open..])?;
            return Ok(());
        };
        let inner = after[..close].trim();
        match Reference::parse(inner) {
            Some(parsed) => {
                let reference = parsed.map_err(|e| located(inner, at(), e.into()))?;
                let secret = resolver
                    .resolve(&reference)
                    .map_err(|e| located(inner, at(), e))?;
                out(as_text(&secret, inner).map_err(|e| located(inner, at(), e))?)?;
                rest = &after[close + 2..];
            }
            None => {
                out("{{")?;
                rest = after;
            }
        }
    }
    out(rest)
}

/// A dotenv assignment whose whole value is a reference: the value's span (as the dotenv
/// parser read it) and the secret quoted to stand in it. `None` for other lines; a value built
/// by `${…}` expansion is never a reference.
fn dotenv_reference(
    line: &str,
    resolver: &mut Resolver<'_>,
    at: &dyn Fn() -> String,
) -> Result<Option<(std::ops::Range<usize>, Zeroizing<String>)>> {
    let Ok(entries) = dotenv::parse(line, "") else {
        return Ok(None);
    };
    let [entry] = entries.as_slice() else {
        return Ok(None);
    };
    if entry.expands() {
        return Ok(None);
    }
    let Some(parsed) = Reference::parse(&entry.value) else {
        return Ok(None);
    };
    let reference = parsed.map_err(|e| located(&entry.value, at(), e.into()))?;
    let secret = resolver
        .resolve(&reference)
        .map_err(|e| located(&entry.value, at(), e))?;
    let value = as_text(&secret, &entry.value).map_err(|e| located(&entry.value, at(), e))?;
    Ok(Some((
        entry.span.clone(),
        Zeroizing::new(dotenv::quote(value)),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PutOptions;
    use crate::model::address::FieldAddress;

    #[test]
    fn each_distinct_secret_is_read_once() {
        let d = tempfile::tempdir().unwrap();
        let sigil = Sigil::builder()
            .home(d.path().join("h"))
            .memory()
            .open()
            .unwrap();
        for i in 0..10 {
            let a: FieldAddress = format!("svc/u{i}/api_key").parse().unwrap();
            sigil
                .put(&a, &Secret::from(format!("v{i}")), &PutOptions::default())
                .unwrap();
        }
        let mut template = String::new();
        for i in 0..100 {
            let addr = if i % 2 == 0 {
                "svc/u{}"
            } else {
                "svc/u{}/api_key"
            };
            template.push_str(&format!(
                "{{{{ auth://{} }}}}\n",
                addr.replace("{}", &(i % 10).to_string())
            ));
        }
        let mut r = Resolver::new(&sigil);
        let out = render(&template, "t", &mut r).unwrap();
        assert_eq!(out.lines().count(), 100);
        assert_eq!(out.lines().nth(13), Some("v3"));
        assert_eq!(r.reads(), 10);
    }

    fn offline() -> Resolver<'static> {
        let mut values = HashMap::new();
        values.insert(
            "auth://svc/a".to_owned(),
            Secret::from("one two".to_owned()),
        );
        values.insert("auth://svc/b".to_owned(), Secret::from("bee".to_owned()));
        Resolver::offline(values)
    }

    #[test]
    fn the_rest_of_a_dotenv_reference_line_is_rendered_too_and_once_is_enough() {
        let template = "export A=auth://svc/a  # was {{ auth://svc/b }}\n";
        let out = render(template, "t", &mut offline()).unwrap();
        assert_eq!(out, "export A='one two'  # was bee\n");
        assert_eq!(render(&out, "t", &mut offline()).unwrap(), out);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_in_dotenv() {
        // The dotenv parser reads `# {{ … }}` and `B=…` as two lines here: the template too.
        let out = render(
            "# {{ auth://svc/b }}\rB=auth://svc/a\r",
            "t",
            &mut offline(),
        )
        .unwrap();
        assert_eq!(out, "# bee\rB='one two'\r");
        let Err(Error::Resolve { location, .. }) =
            render("A=1\rB=2\rC={{ auth://svc/none }}\n", "t", &mut offline())
        else {
            panic!("an unknown reference resolved");
        };
        assert_eq!(location, "t:3");
    }
}
