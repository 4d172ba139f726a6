//! The parts of `docs/performance.md` that one xtask command writes and the others keep: a
//! block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` (`soak`, `install`). `cargo
//! xtask bench` renders the rest of the file and carries every block over.

/// The block names, in the order they are appended to a file that has none yet.
pub(crate) const BLOCKS: &[&str] = &["install", "soak"];

/// The opening and closing markers of block `name`.
pub(crate) fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    )
}

/// Block `name` of `doc`, markers included, if it has one.
pub(crate) fn block_of<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let (begin, end) = markers(name);
    let at = doc.find(&begin)?;
    let to = at + doc[at..].find(&end)? + end.len();
    Some(&doc[at..to])
}

/// `doc` with its block `name` replaced by `block`, or `block` appended when it has none.
pub(crate) fn splice(doc: &str, name: &str, block: &str) -> String {
    match block_of(doc, name) {
        Some(old) => doc.replacen(old, block, 1),
        None => {
            let mut out = doc.trim_end().to_owned();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(block);
            out.push('\n');
            out
        }
    }
}

/// A freshly rendered doc (`new`) with every block of the doc it replaces (`old`) carried
/// over: several commands write one file, each its own part.
pub(crate) fn carry_over(old: &str, new: String) -> String {
    BLOCKS
        .iter()
        .fold(new, |doc, name| match block_of(old, name) {
            Some(block) => splice(&doc, name, block),
            None => doc,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, text: &str) -> String {
        let (b, e) = markers(name);
        format!("{b}\n## {name}\n\n{text}\n{e}")
    }

    #[test]
    fn a_command_replaces_only_its_block() {
        let doc = format!(
            "# Performance\n\nbench\n\n{}\n\n{}\n\ntail\n",
            block("soak", "old"),
            block("install", "kept")
        );
        let new = splice(&doc, "soak", &block("soak", "new"));
        assert_eq!(
            new,
            format!(
                "# Performance\n\nbench\n\n{}\n\n{}\n\ntail\n",
                block("soak", "new"),
                block("install", "kept")
            )
        );
        // Without a block, it goes at the end.
        assert_eq!(
            splice("# Performance\n\nbench\n", "soak", &block("soak", "x")),
            format!("# Performance\n\nbench\n\n{}\n", block("soak", "x"))
        );
        assert_eq!(
            splice("", "soak", &block("soak", "x")),
            format!("{}\n", block("soak", "x"))
        );
    }

    #[test]
    fn bench_carries_every_block_over() {
        let old = format!(
            "# Performance\n\nold bench\n\n{}\n\n{}\n",
            block("install", "build"),
            block("soak", "figures")
        );
        let new = carry_over(&old, "# Performance\n\nnew bench\n".to_owned());
        assert_eq!(
            new,
            format!(
                "# Performance\n\nnew bench\n\n{}\n\n{}\n",
                block("install", "build"),
                block("soak", "figures")
            )
        );
        // Twice in a row changes nothing more.
        assert_eq!(carry_over(&new, new.clone()), new);
        assert_eq!(carry_over("no block", "fresh\n".to_owned()), "fresh\n");
    }
}
