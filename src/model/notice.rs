//! Notices: what the library has to tell a person — a journal it healed, a credential about to
//! expire, an audit entry it could not write, a passphrase to type again — handed to its
//! caller instead of printed. The library never writes to stdout or stderr itself.
//!
//! A caller chooses where notices go with [`set_sink`]: the command-line programs print each
//! one at once on stderr, prefixed with the program's name; a program linking the library may
//! log them, show them, or leave them queued and read them with [`take`].

use std::sync::{Mutex, OnceLock};

/// How much a notice matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something done or to do, for the record (`undid the interrupted migration …`).
    Note,
    /// Something that may need the user (`'github/me' expires at …`).
    Warning,
    /// An instruction for the person at the terminal, shown as it is (the URL to open for a
    /// login, the code to type).
    Prompt,
}

/// One notice. Its text is a sentence without the program's name, which only the caller
/// knows; it may carry outside text (a file name, a server's words), which the printer must
/// pass through [`crate::model::shown`] before a terminal sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How much it matters.
    pub level: Level,
    /// What to tell.
    pub text: String,
}

/// Where notices go.
pub type Sink = fn(&Notice);

static SINK: OnceLock<Sink> = OnceLock::new();
static QUEUE: Mutex<Vec<Notice>> = Mutex::new(Vec::new());

/// How many notices wait unread at most; the oldest go first.
const MAX_QUEUED: usize = 1000;

/// Sends every notice from now on to `sink` (once per process; later calls are ignored).
/// Notices queued before are handed to it first.
pub fn set_sink(sink: Sink) {
    if SINK.set(sink).is_ok() {
        for n in take() {
            sink(&n);
        }
    }
}

/// The notices queued so far (when no sink is set; at most the last thousand), oldest
/// first; the queue is emptied.
pub fn take() -> Vec<Notice> {
    std::mem::take(&mut *QUEUE.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Tells the caller something.
pub(crate) fn emit(level: Level, text: impl Into<String>) {
    let n = Notice {
        level,
        text: text.into(),
    };
    match SINK.get() {
        Some(sink) => sink(&n),
        None => {
            let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
            // A program that never reads them must not grow without bound.
            if q.len() >= MAX_QUEUED {
                q.remove(0);
            }
            q.push(n);
        }
    }
}

/// A note.
pub(crate) fn note(text: impl Into<String>) {
    emit(Level::Note, text);
}

/// A warning.
pub(crate) fn warn(text: impl Into<String>) {
    emit(Level::Warning, text);
}

/// An instruction for the person at the terminal (so far only the OAuth flows give one).
#[cfg(feature = "oauth")]
pub(crate) fn prompt(text: impl Into<String>) {
    emit(Level::Prompt, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_wait_in_the_queue_until_taken() {
        // The unit tests set no sink: what the library says stays queued.
        let _ = take();
        warn("'a/b' expires soon");
        note("undid something");
        let got = take();
        assert!(got.contains(&Notice {
            level: Level::Warning,
            text: "'a/b' expires soon".into()
        }));
        assert!(got.iter().any(|n| n.text == "undid something"));
    }
}
