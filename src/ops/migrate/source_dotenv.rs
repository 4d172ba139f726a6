//! Dotenv sources (`NAME=value` lines): which variables are credentials, the addresses they
//! get, and the check that a rewrite reads back as intended.

use super::parse::account_of;
use super::parse::{dir_name, field_of, is_reference, item, matches, service_of, with_prefix};
use super::{DOTENV_PATTERNS, Expanded, Item, Options, SourcePlan};
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use std::path::Path;

/// Suffixes that become the field of a dotenv variable's address, longest first.
const SUFFIXES: &[&str] = &[
    "_CLIENT_SECRET",
    "_ACCESS_TOKEN",
    "_PRIVATE_KEY",
    "_ACCESS_KEY",
    "_SECRET_KEY",
    "_AUTH_TOKEN",
    "_API_TOKEN",
    "_API_KEY",
    "_CREDENTIALS",
    "_PASSWORD",
    "_PASSWD",
    "_SECRET",
    "_TOKEN",
    "_PASS",
    "_AUTH",
    "_KEY",
    "_PWD",
];

/// The address of a dotenv variable: `<prefix>/<dir>/<suffix>`, e.g. `OPENAI_API_KEY` in
/// `app/.env` → `openai/app/api_key`; `--service S` → `S/<dir>/<name>`.
pub fn dotenv_address(opts: &Options, dir: &str, name: &str) -> Result<FieldAddress> {
    let account = opts.account.clone().unwrap_or_else(|| account_of(dir));
    let upper = name.to_ascii_uppercase();
    let (service, field) = match &opts.service {
        Some(s) => (s.clone(), field_of(name)),
        None => match SUFFIXES
            .iter()
            .find(|s| upper.ends_with(*s) && upper.len() > s.len())
        {
            Some(suf) => (
                with_prefix(opts, service_of(&upper[..upper.len() - suf.len()])),
                field_of(&suf[1..]),
            ),
            None => (
                with_prefix(opts, service_of(name)),
                crate::model::address::DEFAULT_FIELD.into(),
            ),
        },
    };
    Ok(Address::new(&service, &account, Some(&field))?
        .to_field_address()
        .expect("a field was given"))
}

/// The credentials of a dotenv file, each at the span the parser read its value from, so
/// that the rewrite replaces exactly that (and [`verify_dotenv_rewrite`] checks it). Also
/// the credential-named variables left as they are because they are built by `${…}`
/// expansion.
pub(super) fn parse_dotenv(
    path: &Path,
    text: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<Expanded>)> {
    let origin = path.display().to_string();
    let entries = crate::model::dotenv::parse(text, &origin)?;
    let dir = dir_name(path);
    let mut out = Vec::new();
    let mut expanded = Vec::new();
    for e in entries {
        if e.value.is_empty() || is_reference(&e.value) {
            continue;
        }
        if !opts.all && !matches(&opts.key_patterns, DOTENV_PATTERNS, &e.name) {
            continue;
        }
        // What `${…}` gives is known only when the program runs, and the variables it names
        // may be references by then: storing today's expansion would freeze it, storing the
        // text would store no secret. Such a value stays as it is.
        if e.expands() {
            expanded.push((e.line, e.name));
            continue;
        }
        let address = dotenv_address(opts, &dir, &e.name)?;
        out.push(item(
            e.line,
            &e.name,
            address,
            &e.value,
            (e.span.start, e.span.end),
            false,
            e.quote,
        ));
    }
    Ok((out, expanded))
}

/// Checks, before a dotenv source is replaced, that its rewrite reads back as intended:
/// the same assignments on the same lines, each taken value now its reference and every
/// other value as it was. The rewrite is built from the parser's spans, so this never
/// fails; it is the guard that a future change to either cannot slip past.
pub(super) fn verify_dotenv_rewrite(s: &SourcePlan) -> Result<()> {
    let origin = s.path.display().to_string();
    let failed = |line: usize| {
        Error::other(
            format!("'{origin}' line {line}: the rewritten file would not read back as intended"),
            Some("nothing was changed; please report this".into()),
        )
    };
    let before_text = String::from_utf8_lossy(&s.original);
    let before = crate::model::dotenv::parse(&before_text, &origin)?;
    let new = s.rewritten();
    let after = std::str::from_utf8(&new)
        .ok()
        .and_then(|t| crate::model::dotenv::parse(t, &origin).ok())
        .ok_or_else(|| failed(1))?;
    let taken: std::collections::HashMap<usize, String> = s
        .items
        .iter()
        .filter(|i| i.taken())
        .map(|i| (i.span.0, i.address.to_reference()))
        .collect();
    if before.len() != after.len() {
        return Err(failed(1));
    }
    // A multi-line value replaced by its one-line reference moves the lines after it up.
    let mut moved_up = 0;
    for (b, a) in before.iter().zip(&after) {
        let value_ok = match taken.get(&b.span.start) {
            Some(r) => a.value == *r && !a.expands(),
            None => a.value == b.value && a.pieces == b.pieces,
        };
        let same = a.name == b.name && a.export == b.export && a.line + moved_up == b.line;
        if !same || !value_ok {
            return Err(failed(b.line));
        }
        if taken.contains_key(&b.span.start) {
            moved_up += crate::model::dotenv::line_ends(&before_text[b.span.clone()]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::migrate::Format;

    #[test]
    fn names_are_derived_predictably() {
        let o = Options::default();
        let a = |n: &str| dotenv_address(&o, "app", n).unwrap().to_string();
        assert_eq!(a("OPENAI_API_KEY"), "openai/app/api_key");
        assert_eq!(a("GITHUB_TOKEN"), "github/app/token");
        assert_eq!(a("DB_PASSWORD"), "db/app/password");
        assert_eq!(a("AWS_SECRET_ACCESS_KEY"), "aws-secret/app/access_key");
        assert_eq!(a("PORT"), "port/app/api_key");
        let o = Options {
            prefix: Some("acme".into()),
            account: Some("prod".into()),
            ..Options::default()
        };
        assert_eq!(
            dotenv_address(&o, "app", "STRIPE_KEY").unwrap().to_string(),
            "acme-stripe/prod/key"
        );
    }

    /// Found by the `dotenv` fuzz target: whitespace other than spaces and tabs before a
    /// quoted value made the rewrite replace only the opening quote, leaving the secret in
    /// the file and the file unreadable.
    #[test]
    fn dotenv_value_after_other_whitespace_is_replaced_whole() {
        for gap in ["\u{b}", "\u{c}", " \u{a0}\t", "\u{3000}"] {
            let text = format!("API_KEY={gap}\"sk-1\nsk-2\"\r\nPORT=1\n");
            let (items, expanded) =
                parse_dotenv(Path::new("/x/app/.env"), &text, &Options::default()).unwrap();
            assert_eq!(items.len(), 1, "{gap:?}");
            let plan = SourcePlan {
                path: "/x/app/.env".into(),
                format: Format::Dotenv,
                original: text.as_bytes().to_vec(),
                items,
                expanded,
                notes: vec![],
            };
            assert_eq!(
                String::from_utf8(plan.rewritten()).unwrap(),
                format!("API_KEY={gap}\"auth://api/app/key\"\r\nPORT=1\n"),
                "{gap:?}"
            );
        }
    }

    /// xorshift64*: a deterministic generator, so a failing file is reproduced by its seed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        fn text(&mut self, soup: &[&str], max: usize) -> String {
            (0..self.below(max)).map(|_| self.pick(soup)).collect()
        }
    }

    /// Pieces of values: blanks and hashes (comments), quotes and backslashes (escapes),
    /// expansions, reference look-alikes, non-ASCII.
    const SOUP: &[&str] = &[
        "a",
        "Z",
        "0",
        "#",
        " ",
        "\t",
        "'",
        "\"",
        "\\",
        "$",
        "{",
        "}",
        "${A}",
        "${B:-x}",
        "=",
        "é",
        "auth://",
        "auth://svc/acct",
        "ref+",
        "ref+vault://x",
        "{{",
        "}}",
        ":",
        "\\n",
    ];

    /// A random dotenv file: assignments in every style, comments, blank and bare lines,
    /// some garbage, every line ending, sometimes a byte order mark.
    fn random_dotenv(r: &mut Rng) -> String {
        let mut text = String::new();
        if r.below(8) == 0 {
            text.push('\u{feff}');
        }
        let names = [
            "API_KEY",
            "DB_PASSWORD",
            "A_TOKEN",
            "TOKEN",
            "x.y",
            "'Q K'",
            "CLÉ_KEY",
        ];
        for _ in 0..r.below(8) {
            let line = match r.below(10) {
                0 => r.pick(&["", " ", "\t "]).to_owned(),
                1 => format!("{}# {}", r.pick(&["", "  "]), r.text(SOUP, 6)),
                2 => r.text(SOUP, 8),
                3 => r.pick(&names).to_owned(),
                _ => {
                    let body = r.text(SOUP, 8);
                    let multi = r.text(&["\n", "\r\n", "\r", "x"], 3);
                    let value = match r.below(4) {
                        0 => body,
                        1 => format!("'{body}{multi}'"),
                        2 => format!("\"{body}{multi}\""),
                        _ => String::new(),
                    };
                    format!(
                        "{}{}{}{}={}{value}{}",
                        r.pick(&["", " ", "\t"]),
                        r.pick(&["", "export ", "export\t"]),
                        r.pick(&names),
                        r.pick(&["", " "]),
                        r.pick(&["", " ", "\t"]),
                        r.pick(&["", " ", "\t# c", " # c", "#c", " #", "\t"]),
                    )
                }
            };
            text.push_str(&line);
            text.push_str(r.pick(&["\n", "\n", "\r\n", "\r", ""]));
        }
        text
    }

    /// The property behind migrate's rewrite: for every file the parser reads, the rewrite
    /// reads back with a reference exactly where each plaintext value was, every other value
    /// and every other byte as they were.
    #[test]
    fn a_rewrite_reads_back_with_references_exactly_where_the_values_were() {
        // One service, so that any name the garbage lines make has an address.
        let opts = Options {
            all: true,
            service: Some("svc".into()),
            ..Options::default()
        };
        let path = Path::new("/p/app/.env");
        let mut parsed = 0;
        for seed in 1..=20_000u64 {
            let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let text = random_dotenv(&mut r);
            let Ok(before) = crate::model::dotenv::parse(&text, "t") else {
                continue;
            };
            parsed += 1;
            let (items, _) = parse_dotenv(path, &text, &opts).unwrap();
            let plan = SourcePlan {
                path: path.into(),
                format: Format::Dotenv,
                original: text.as_bytes().to_vec(),
                items,
                expanded: vec![],
                notes: vec![],
            };
            let new = String::from_utf8(plan.rewritten()).unwrap();
            let after = crate::model::dotenv::parse(&new, "t")
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text:?}\n{new:?}"));
            assert_eq!(before.len(), after.len(), "seed {seed}: {text:?}");
            let (mut kept_old, mut kept_new) = (String::new(), String::new());
            let (mut at_old, mut at_new) = (0, 0);
            let mut moved_up = 0;
            for (b, a) in before.iter().zip(&after) {
                let why = format!("seed {seed}, line {}: {text:?} → {new:?}", b.line);
                let now = (&a.name, a.line + moved_up, a.export);
                assert_eq!(now, (&b.name, b.line, b.export), "{why}");
                let plaintext = !b.value.is_empty() && !b.expands() && !is_reference(&b.value);
                let item = plan.items.iter().find(|i| i.span.0 == b.span.start);
                assert_eq!(item.is_some(), plaintext, "{why}");
                match item {
                    Some(i) => {
                        assert_eq!(a.value, i.address.to_reference(), "{why}");
                        assert_eq!(i.value.expose(), b.value.as_bytes(), "{why}");
                        kept_old.push_str(&text[at_old..b.span.start]);
                        kept_new.push_str(&new[at_new..a.span.start]);
                        (at_old, at_new) = (b.span.end, a.span.end);
                        moved_up += crate::model::dotenv::line_ends(&text[b.span.clone()]);
                    }
                    None => assert_eq!((&a.value, &a.pieces), (&b.value, &b.pieces), "{why}"),
                }
            }
            kept_old.push_str(&text[at_old..]);
            kept_new.push_str(&new[at_new..]);
            assert_eq!(
                kept_old, kept_new,
                "seed {seed}: bytes outside the values changed"
            );
            verify_dotenv_rewrite(&plan).unwrap();
        }
        // Most files must parse, or the property says little.
        assert!(parsed > 6_000, "only {parsed} of 20,000 files parsed");
    }
}
