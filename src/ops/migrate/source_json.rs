//! JSON config sources: credential-looking `"key": "value"` pairs, each value replaced by its
//! reference.

use super::parse::{config_item, is_reference, item, line_at, lines_of, matches};
use super::{CONFIG_PATTERNS, Item, Options};
use crate::model::error::Result;
use crate::model::error::json_kind;
use std::path::Path;

/// Ends of a JSON string token starting at `i` (a `"`).
fn json_string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    (i + 1).min(b.len())
}

pub(super) fn parse_json(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        if opts.lenient {
            return json_strings(path, text, opts);
        }
        return Err(crate::model::error::MalformedFile {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: json_kind(&e),
        }
        .into());
    }
    json_strings(path, text, opts)
}

/// Every `"key": "value"` pair whose key looks like a credential, found by scanning the text
/// for string tokens: the same for valid JSON and for JSON with comments or trailing commas
/// (which `--scan` reads this way rather than skipping).
fn json_strings(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let b = text.as_bytes();
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut i = 0;
    let skip_ws = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    };
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let kend = json_string_end(b, i);
        let key: String = serde_json::from_str(&text[i..kend]).unwrap_or_default();
        let c = skip_ws(kend);
        if c < b.len() && b[c] == b':' {
            let v = skip_ws(c + 1);
            if v < b.len() && b[v] == b'"' {
                let vend = json_string_end(b, v);
                let value: String = serde_json::from_str(&text[v..vend]).unwrap_or_default();
                if !value.is_empty()
                    && !is_reference(&value)
                    && matches(&opts.key_patterns, CONFIG_PATTERNS, &key)
                {
                    let address = config_item(opts, path, &mut seen, &key)?;
                    out.push(item(
                        line_at(&starts, v),
                        &key,
                        address,
                        &value,
                        (v, vend),
                        false,
                        Some('"'),
                    ));
                }
                i = vend;
                continue;
            }
        }
        i = kend;
    }
    Ok(out)
}
