//! Tidy: rules about sigil's source that the compiler does not enforce, checked by
//! `cargo test -p xtask` (so by `cargo xtask test`), as rust-analyzer's tidy tests do.

#[cfg(test)]
pub(crate) mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    pub(crate) fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the workspace")
            .to_owned()
    }

    /// Every `.rs` file under `dir`, sorted.
    pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
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

    /// The functions (file under `src/`, name) that may be over [`MAX_FN_LINES`]. None may:
    /// the last ones were split into a function per step. No entry is to be added.
    const ALLOWED: &[(&str, &str)] = &[];

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
            "printing outside src/cli/ and src/exit.rs (use crate::model::notice):\n{}",
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

    /// The layers of `src/`, lowest first. A module imports only from its own layer and the
    /// ones below it: model (plain data and parsers, `src/model/`); base (`fsutil`, `crypto`);
    /// storage (`identity`, `unlock`, `seal`, `store`, `audit`); ops (the use cases,
    /// `src/ops/`, the `Sigil` handle among them in `ops::handle`); cli (`src/cli/`, `exit`,
    /// the binaries, `internal`, their door to every layer, and `lib.rs`, which only declares
    /// the modules and re-exports the interface: see [`lib_rs_holds_no_code`]).
    const LAYERS: [&str; 5] = ["model", "base", "storage", "ops", "cli"];

    /// The layer of a module at the root of the crate (`model`, `store`, …, and `lib` for
    /// `lib.rs`), or `None` when it is in none.
    fn layer_of(module: &str) -> Option<usize> {
        match module {
            "model" => Some(0),
            "fsutil" | "crypto" => Some(1),
            "identity" | "unlock" | "seal" | "store" | "audit" => Some(2),
            "ops" => Some(3),
            "cli" | "exit" | "bin" | "internal" | "lib" => Some(4),
            _ => None,
        }
    }

    /// What lib.rs re-exports at the crate root: each name with the path it stands for
    /// (`Sigil` → `ops::handle::Sigil`, `Secret` → `model::secret::Secret`).
    fn reexports() -> Vec<(String, String)> {
        let text = fs::read_to_string(root().join("src/lib.rs")).unwrap();
        let mut out = Vec::new();
        for (_, path) in crate_paths(code_of(&text)) {
            let name = path.rsplit("::").next().unwrap_or_default().to_owned();
            out.push((name, path));
        }
        out
    }

    /// The layer a path after `crate::` leads into: its root module's, or for an item the
    /// crate root re-exports (`crate::Sigil`, `crate::Secret`), the layer of the module it
    /// comes from. An item of the root that is not a re-export counts as the top layer.
    fn layer_of_path(path: &str) -> usize {
        let root = path.split("::").next().unwrap_or_default();
        if let Some(layer) = layer_of(root) {
            return layer;
        }
        match reexports().into_iter().find(|(name, _)| name == root) {
            Some((_, target)) if target.split("::").next() != Some(root) => layer_of_path(&target),
            _ => LAYERS.len() - 1,
        }
    }

    /// The module a path after `crate::` names, as [`imports_only_go_down`]'s `ALLOWED` list
    /// names it: `model::policy`, `ops::rekey`, `cli::dispatch` in the layers that are
    /// directories of modules, the root module otherwise (`store`, `audit`), and the item
    /// itself for an item of `lib.rs` (`Sigil`).
    fn module_of(path: &str) -> String {
        let mut segments = path.split("::");
        let root = segments.next().unwrap_or_default();
        match segments.next() {
            Some(sub) if matches!(root, "model" | "ops" | "cli") && sub != "self" => {
                format!("{root}::{sub}")
            }
            _ => root.to_owned(),
        }
    }

    /// Flattens a use tree (`a::b`, `a::{b, c::{d, e}}`, `a::{self, B as C}`) into its paths.
    fn flatten(prefix: &str, tree: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        let Some(open) = tree.find('{') else {
            let path = tree.split(" as ").next().unwrap_or_default().trim();
            if !path.is_empty() {
                out.push(format!("{prefix}{path}"));
            }
            return;
        };
        let prefix = format!("{prefix}{}", &tree[..open]);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    flatten(&prefix, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        flatten(&prefix, &inner[start..], out);
    }

    /// Every path into the crate in `code` (`use crate::…` lines and `crate::x::` paths in
    /// code, not in comments): its 1-based line and the path after `crate::`, a group
    /// (`crate::{a, b::C}`) giving one path per name.
    fn crate_paths(code: &str) -> Vec<(usize, String)> {
        // Comment lines (docs included) are blanked, so that lines keep their numbers.
        let code: String = code
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("//") {
                    ""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = &code[at + "crate::".len()..];
            // The path runs to its first character that is not part of a path, or to the end
            // of its group.
            let mut end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            if rest[end..].starts_with('{') {
                let mut depth = 0;
                for (i, c) in rest[end..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end += i + 1;
                        break;
                    }
                }
            }
            let line = code[..at].matches('\n').count() + 1;
            let mut paths = Vec::new();
            flatten("", &rest[..end], &mut paths);
            out.extend(
                paths
                    .into_iter()
                    .map(|p| (line, p.trim_end_matches(':').to_owned())),
            );
        }
        out
    }

    #[test]
    fn crate_paths_are_read_from_code_and_groups() {
        let code = "use crate::model::address::Address;\n/// [`crate::cli`]\nuse crate::{Sigil, model::{self, when as w}};\nlet x = $crate::y; crate::ops::child::command(p);\n";
        assert_eq!(
            crate_paths(code),
            [
                (1, "model::address::Address".to_owned()),
                (3, "Sigil".to_owned()),
                (3, "model::self".to_owned()),
                (3, "model::when".to_owned()),
                (4, "ops::child::command".to_owned()),
            ]
        );
        assert_eq!(module_of("model::address::Address"), "model::address");
        assert_eq!(module_of("model::self"), "model");
        assert_eq!(module_of("store::backend::BackendKind"), "store");
        assert_eq!(module_of("Sigil"), "Sigil");
        assert_eq!(layer_of_path("Sigil"), 3);
        assert_eq!(layer_of_path("PutOptions"), 3);
        assert_eq!(layer_of_path("Secret"), 0);
        assert_eq!(layer_of_path("StoreError"), 2);
        assert_eq!(layer_of_path("fsutil::Lock"), 1);
    }

    /// lib.rs is the crate's door, not a module of code: its docs, the module declarations and
    /// the `pub use` re-exports of the interface. The handle it re-exports lives in the ops
    /// layer (`src/ops/handle/`), so its imports are checked like every other use case's.
    #[test]
    fn lib_rs_holds_no_code() {
        let text = fs::read_to_string(root().join("src/lib.rs")).unwrap();
        let mut found = Vec::new();
        for (n, line) in code_of(&text).lines().enumerate() {
            let line = line.trim();
            let allowed = line.is_empty()
                || line.starts_with("//")
                || line.starts_with("#![")
                || line.starts_with("#[doc(hidden)]")
                || line.starts_with("#[cfg(")
                || line.starts_with("pub mod ")
                || line.starts_with("mod ")
                || line.starts_with("pub use crate::");
            if !allowed {
                found.push(format!("src/lib.rs:{}: {line}", n + 1));
            }
        }
        assert!(
            found.is_empty(),
            "lib.rs holds only docs, module declarations and re-exports (code goes to a \
             layer, the handle to src/ops/handle/):\n{}",
            found.join("\n")
        );
    }

    /// Each layer imports only from below (see [`LAYERS`]): no path into the crate in a
    /// module's code leads into a higher layer than its own, but any back edge in `ALLOWED`.
    #[test]
    fn imports_only_go_down() {
        /// The (file under `src/`, module) imports of a higher layer that are let be. None is:
        /// the last back edges went when the store's and the identity's errors moved down
        /// beside the error type that wraps them. No entry is to be added.
        const ALLOWED: &[(&str, &str)] = &[];
        let src = root().join("src");
        let mut found = Vec::new();
        let mut used = Vec::new();
        for file in rust_files(&src) {
            let rel = file.strip_prefix(&src).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            // A binary is a crate of its own (its `crate::` is itself), in the top layer.
            if rel.starts_with("bin/") {
                continue;
            }
            let root_module = rel.split('/').next().unwrap().trim_end_matches(".rs");
            let Some(layer) = layer_of(root_module) else {
                found.push(format!(
                    "src/{rel}: in no layer (give it one in `layer_of`)"
                ));
                continue;
            };
            let text = fs::read_to_string(&file).unwrap();
            for (line, path) in crate_paths(code_of(&text)) {
                let to = layer_of_path(&path);
                if to <= layer {
                    continue;
                }
                let module = module_of(&path);
                if ALLOWED.contains(&(rel.as_str(), module.as_str())) {
                    used.push((rel.clone(), module));
                    continue;
                }
                found.push(format!(
                    "src/{rel}:{line}: {} imports {} (crate::{path})",
                    LAYERS[layer], LAYERS[to]
                ));
            }
        }
        for (file, module) in ALLOWED {
            if !used.iter().any(|(f, m)| f == file && m == module) {
                found.push(format!(
                    "src/{file}: imports {module} no more (take it off ALLOWED)"
                ));
            }
        }
        assert!(
            found.is_empty(),
            "imports of a higher layer (a module imports only from its own layer and below):\n{}",
            found.join("\n")
        );
    }
}
