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
