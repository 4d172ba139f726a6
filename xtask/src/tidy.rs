//! Tidy: rules about sigil's source that the compiler does not enforce, checked by
//! `cargo test -p xtask` (so by `cargo xtask test`), as rust-analyzer's tidy tests do.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the workspace")
            .to_owned()
    }

    /// Every `.rs` file under `dir`, sorted.
    fn rust_files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(rust_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
        out.sort();
        out
    }

    /// A file's code before its unit tests (`#[cfg(test)]` followed by `mod tests`).
    fn code_of(text: &str) -> &str {
        text.find("#[cfg(test)]\nmod tests")
            .map_or(text, |at| &text[..at])
    }

    /// The longest a function in `src/` may be, from its `fn` line to its closing brace: a
    /// longer one is split into a function per step, so that each step has a name and can be
    /// read on its own.
    const MAX_FN_LINES: usize = 100;

    /// The functions (file under `src/`, name) that are over [`MAX_FN_LINES`] today. Each is
    /// to be split, and then taken off this list; no new one is to be added.
    const ALLOWED: &[(&str, &str)] = &[
        ("audit.rs", "append_entries"),     // left for the layering step
        ("audit.rs", "walk"),               // left for the layering step
        ("audit.rs", "check_heads"),        // left for the layering step
        ("check.rs", "run"),                // left for the layering step
        ("export.rs", "import"),            // left for the layering step
        ("status.rs", "gather"),            // left for the layering step
        ("oauth/mod.rs", "refresh_if_due"), // left for the layering step
        ("cli/backup.rs", "run_command"),   // left for the layering step
        ("cli/login.rs", "run"),            // left for the layering step
        ("cli/migrate.rs", "run"),          // left for the layering step
    ];

    /// The name of the function a line (trimmed at the start) begins, if it begins one:
    /// `fn`, after any visibility (`pub`, `pub(crate)`, `pub(in …)`) and qualifiers (`const`,
    /// `async`, `unsafe`, `extern "C"`).
    fn fn_name(line: &str) -> Option<&str> {
        let mut rest = line;
        if let Some(r) = rest.strip_prefix("pub(") {
            rest = &r[r.find(") ")? + 2..];
        } else if let Some(r) = rest.strip_prefix("pub ") {
            rest = r;
        }
        loop {
            let before = rest;
            for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
                rest = rest.strip_prefix(qualifier).unwrap_or(rest);
            }
            if rest == before {
                break;
            }
        }
        let rest = rest.strip_prefix("fn ")?;
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        Some(&rest[..end]).filter(|name| !name.is_empty())
    }

    /// Every function with a body in `code`: its 1-based line, its name and its length in
    /// lines, up to the closing brace at the indentation of its `fn` line (where rustfmt puts
    /// it). A declaration without a body (`;`) is not one.
    fn functions(code: &str) -> Vec<(usize, &str, usize)> {
        let lines: Vec<&str> = code.lines().collect();
        let mut out = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line.trim_start()) else {
                continue;
            };
            let indent = &line[..line.len() - line.trim_start().len()];
            // The signature ends at its first line that opens the body, or that ends the item
            // (a declaration, or a body on the same line).
            let Some(open) =
                (n..lines.len()).find(|&k| lines[k].trim_end().ends_with(['{', '}', ';']))
            else {
                continue;
            };
            let end = match lines[open].trim_end() {
                l if l.ends_with(';') => continue,
                l if l.ends_with('}') => Some(open),
                _ => (open + 1..lines.len())
                    .find(|&k| lines[k].trim_end().strip_prefix(indent) == Some("}")),
            };
            if let Some(end) = end {
                out.push((n + 1, name, end - n + 1));
            }
        }
        out
    }

    /// No function in `src/` is over [`MAX_FN_LINES`] lines, but the ones in [`ALLOWED`].
    #[test]
    fn no_function_over_100_lines() {
        let src = root().join("src");
        let mut found = Vec::new();
        for file in rust_files(&src) {
            let rel = file.strip_prefix(&src).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = fs::read_to_string(&file).unwrap();
            for (line, name, len) in functions(code_of(&text)) {
                if len > MAX_FN_LINES && !ALLOWED.contains(&(rel.as_str(), name)) {
                    found.push(format!("src/{rel}:{line}: {name} is {len} lines"));
                }
            }
        }
        assert!(
            found.is_empty(),
            "functions over {MAX_FN_LINES} lines (split them into a function per step):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn functions_are_measured_to_their_closing_brace() {
        let code = "fn a() {\n    x;\n}\n\npub(crate) async fn b<T>(\n    t: T,\n) -> T\nwhere\n    T: Copy,\n{\n    t\n}\n\ntrait C {\n    fn d(&self);\n    fn e(&self) {}\n}\n";
        assert_eq!(functions(code), [(1, "a", 3), (5, "b", 8), (16, "e", 1)]);
        assert_eq!(fn_name("pub(in crate::x) const fn f()"), Some("f"));
        assert_eq!(fn_name("/// fn not_code()"), None);
        assert_eq!(fn_name("fn(u8) -> u8,"), None);
    }

    /// The library says what it has to say through `notice` and returns errors; only the
    /// command-line layer (`src/cli/`, `src/exit.rs`, `src/bin/`) writes to a terminal.
    #[test]
    fn only_the_cli_prints() {
        let src = root().join("src");
        let mut found = Vec::new();
        for file in rust_files(&src) {
            let rel = file.strip_prefix(&src).unwrap();
            if rel.starts_with("cli") || rel.starts_with("bin") || rel == Path::new("exit.rs") {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in code_of(&text).lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for mac in ["println!(", "print!(", "dbg!("] {
                    if code.contains(mac) {
                        found.push(format!("src/{}:{}: {}", rel.display(), n + 1, code));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "printing outside src/cli/ and src/exit.rs (use crate::notice):\n{}",
            found.join("\n")
        );
    }

    /// Every age file is made and opened in `src/crypto.rs`: no other module builds an
    /// `Encryptor` or a `Decryptor`.
    #[test]
    fn only_crypto_builds_age_encryptors() {
        let src = root().join("src");
        let mut found = Vec::new();
        for file in rust_files(&src) {
            let rel = file.strip_prefix(&src).unwrap();
            if rel == Path::new("crypto.rs") {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains("Encryptor::") || line.contains("Decryptor::") {
                    found.push(format!("src/{}:{}: {}", rel.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "age encryptors built outside src/crypto.rs:\n{}",
            found.join("\n")
        );
    }
}
