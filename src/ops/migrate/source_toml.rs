//! TOML config sources: credential-looking single-line string assignments, each value
//! replaced by its reference.

use super::parse::{config_item, is_reference, item, lines_of, matches};
use super::{CONFIG_PATTERNS, Item, Options};
use crate::model::error::Result;
use std::path::Path;

/// TOML: single-line `key = "value"` / `key = 'value'` assignments are taken; the document
/// is parsed first so that a malformed file is refused, not half-understood.
pub(super) fn parse_toml(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    if let Err(e) = crate::model::error::parse_toml::<toml::Table>(path, text)
        && !opts.lenient
    {
        return Err(e.into());
    }
    let starts = lines_of(text);
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (n, &ls) in starts.iter().enumerate() {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        let line = &text[ls..le];
        let Some((k, rest)) = line.split_once('=') else {
            continue;
        };
        let key = k.trim().trim_matches(['"', '\'']);
        if key.is_empty() || k.trim_start().starts_with('#') || k.trim_start().starts_with('[') {
            continue;
        }
        let lead = rest.len() - rest.trim_start().len();
        let vs = ls + k.len() + 1 + lead;
        let q = text.as_bytes().get(vs).copied();
        if !matches!(q, Some(b'"') | Some(b'\'')) {
            continue;
        }
        let q = q.expect("checked") as char;
        if text[vs..].starts_with(&format!("{q}{q}{q}")) {
            continue;
        }
        let b = text.as_bytes();
        let mut e = vs + 1;
        while e < le && b[e] != q as u8 {
            if q == '"' && b[e] == b'\\' {
                e += 1;
            }
            e += 1;
        }
        let vend = (e + 1).min(le);
        let Ok(t) = toml::from_str::<toml::Table>(&format!("v = {}", &text[vs..vend])) else {
            continue;
        };
        let Some(value) = t.get("v").and_then(|v| v.as_str()).map(str::to_owned) else {
            continue;
        };
        if value.is_empty()
            || is_reference(&value)
            || !matches(&opts.key_patterns, CONFIG_PATTERNS, key)
        {
            continue;
        }
        let address = config_item(opts, path, &mut seen, key)?;
        out.push(item(
            n + 1,
            key,
            address,
            &value,
            (vs, vend),
            false,
            Some('"'),
        ));
    }
    Ok(out)
}
