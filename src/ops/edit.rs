//! `sigil edit`'s use case: a secret in a private temporary file for an editor, the editor's
//! command line (with the settings that keep vim, nano and emacs from copying the text
//! elsewhere), and storing the text back when it changed.
//!
//! The file is the only copy outside sigil's memory: 0600 in a 0700 directory on a RAM-backed
//! filesystem when there is one (`$XDG_RUNTIME_DIR`, else `/dev/shm`, else the temporary
//! directory), removed with its directory when the [`EditFile`] is dropped. The editor gets
//! its path and nothing else, so the value never reaches any process's argv.

use crate::Sigil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::ops::add::Add;
use crate::store::backend::BackendKind;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The editor used when neither `$VISUAL` nor `$EDITOR` is set.
pub const DEFAULT_EDITOR: &str = "vi";

/// A secret being edited: the value read, and its private temporary copy.
pub struct EditFile {
    address: FieldAddress,
    before: Secret,
    dir: tempfile::TempDir,
}

impl EditFile {
    /// Reads `addr` (a read like `sigil get`'s: the policy guard and the audit log see it)
    /// and writes the value, with one newline after it, into a fresh private file. A missing
    /// address is an error (exit 3) before anything is written.
    pub fn open(sigil: &Sigil, addr: &Address) -> Result<EditFile> {
        let (address, before) = sigil.get_address(addr)?;
        let bases = [
            crate::ops::netrc::runtime_dir(),
            Some(PathBuf::from("/dev/shm")),
        ];
        let dir = crate::fsutil::private_temp_dir("sigil-edit-", &bases)?;
        let me = EditFile {
            address,
            before,
            dir,
        };
        let mut text = Zeroizing::new(Vec::with_capacity(me.before.expose().len() + 1));
        text.extend_from_slice(me.before.expose());
        text.push(b'\n');
        crate::fsutil::write_new_private(&me.path(), &text)?;
        Ok(me)
    }

    /// The file the editor gets. Named after the field, so an editor that picks a mode by
    /// extension picks none.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join(self.address.field())
    }

    /// The full address being edited.
    pub fn address(&self) -> &FieldAddress {
        &self.address
    }

    /// The file's text as the new value: one trailing newline dropped (the one written after
    /// the value, or the one an editor adds on saving), as `sigil add` drops one from stdin.
    /// `None` when it is the value that was read. An empty text is refused: it is far more
    /// often an editor's accident than an intent, and `sigil rm` removes a secret.
    pub fn edited(&self) -> Result<Option<Secret>> {
        let path = self.path();
        let mut text = Zeroizing::new(
            crate::fsutil::read_capped(&path, crate::fsutil::Input::Text)
                .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?,
        );
        if text.last() == Some(&b'\n') {
            text.pop();
        }
        if text.is_empty() {
            return Err(Error::other(
                format!(
                    "the edited value of '{}' is empty; nothing stored",
                    self.address
                ),
                Some(format!("to remove it, run: sigil rm {}", self.address)),
            ));
        }
        if text.as_slice() == self.before.expose() {
            return Ok(None);
        }
        Ok(Some(Secret::new(text.to_vec())))
    }

    /// Stores `value` at the address through the path `sigil add --force` takes (store lock,
    /// one change, audit entry `edit`), keeping the account's kind, expiry and note.
    pub fn store(&self, sigil: &Sigil, value: &Secret) -> Result<BackendKind> {
        let opts = crate::PutOptions {
            force: true,
            ..Default::default()
        };
        let fields = [(self.address.clone(), value)];
        let mut add = Add::fields(&fields, &opts);
        add.event = "edit";
        sigil.add(&add)
    }
}

/// The editor's program and arguments: `$VISUAL`, else `$EDITOR`, else [`DEFAULT_EDITOR`],
/// split at white space (no shell quoting, so `code --wait` works and the editor is never run
/// through a shell), then the settings for its basename (see [`private_args`]).
pub fn editor(visual: Option<OsString>, editor: Option<OsString>) -> (OsString, Vec<OsString>) {
    let chosen = [visual, editor]
        .into_iter()
        .flatten()
        .find(|v| !v.to_string_lossy().trim().is_empty())
        .unwrap_or_else(|| DEFAULT_EDITOR.into());
    let text = chosen.to_string_lossy().into_owned();
    let mut words = text.split_ascii_whitespace().map(OsString::from);
    let program = words.next().unwrap_or_else(|| DEFAULT_EDITOR.into());
    let mut args: Vec<OsString> = words.collect();
    args.extend(private_args(&program));
    (program, args)
}

/// The arguments that keep an editor from writing the text anywhere but the file, by the
/// program's basename:
///
/// - vim and vi (`vi`, `vim`, `vim.basic`, `vim.tiny`, `gvim`, `nvim`): `-n` (no swap file),
///   `-i NONE` (no viminfo or shada, which keep registers), and
///   `+set nobackup nowritebackup noundofile` (no backup before writing, no undo file).
/// - nano: `-R` (restricted: no backup files, no history files, no saving elsewhere).
/// - emacs: `--eval` of `(setq make-backup-files nil backup-inhibited t auto-save-default nil
///   create-lockfiles nil)` before the file (no `file~`, no `#file#`, no lock link).
/// - any other editor: nothing; what it writes is its own business (the private directory
///   holds whatever it writes beside the file and is removed with it).
pub fn private_args(program: &OsStr) -> Vec<OsString> {
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words: &[&str] = match name.as_str() {
        "vi" | "vim" | "vim.basic" | "vim.tiny" | "gvim" | "nvim" => {
            &["-n", "-i", "NONE", "+set nobackup nowritebackup noundofile"]
        }
        "nano" => &["-R"],
        "emacs" => &[
            "--eval",
            "(setq make-backup-files nil backup-inhibited t auto-save-default nil \
             create-lockfiles nil)",
        ],
        _ => &[],
    };
    words.iter().map(OsString::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[OsString]) -> Vec<String> {
        v.iter().map(|w| w.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn visual_wins_then_editor_then_vi() {
        let (p, a) = editor(Some("nano".into()), Some("vim".into()));
        assert_eq!(
            (p.to_str().unwrap(), words(&a)),
            ("nano", vec!["-R".into()])
        );
        let (p, a) = editor(Some(" ".into()), Some("code --wait".into()));
        assert_eq!(
            (p.to_str().unwrap(), words(&a)),
            ("code", vec!["--wait".into()])
        );
        let (p, a) = editor(None, None);
        assert_eq!(p, "vi");
        assert_eq!(a[0], "-n");
    }

    #[test]
    fn settings_are_keyed_on_the_basename() {
        assert_eq!(
            words(&private_args("/usr/bin/vim".as_ref()))[..3],
            ["-n", "-i", "NONE"]
        );
        assert!(words(&private_args("/opt/emacs".as_ref()))[1].contains("auto-save-default nil"));
        assert!(private_args("ed".as_ref()).is_empty());
        assert!(private_args("/bin/vim-like".as_ref()).is_empty());
    }
}
