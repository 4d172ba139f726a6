//! What every xtask subcommand shares: the error type, the workspace root, the step headers
//! and private directories.

use std::fs;
use std::path::{Path, PathBuf};

pub(crate) type Result<T, E = String> = std::result::Result<T, E>;

/// The workspace root, found from this crate's manifest rather than the cwd so that every
/// subcommand (and the freshness test, which cargo runs from `xtask/`) agrees on it.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask/ has a parent directory")
        .to_path_buf()
}

pub(crate) fn header(text: &str) {
    eprintln!("==> {text}");
}

pub(crate) fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))
}
