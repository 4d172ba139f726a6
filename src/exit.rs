//! Reporting an error the way every sigil binary does, and its exit code.

use crate::model::error::Error;
use crate::model::shown;
use std::io::Write;
use std::process::ExitCode;

/// Prints `<bin>: error: …` and an optional `help: …` line on stderr and returns the exit
/// code of the error's class. A closed stdout pipe is not an error (`sigil list | head`).
pub fn report(bin: &str, err: &Error) -> ExitCode {
    if err.is_broken_pipe() {
        return ExitCode::SUCCESS;
    }
    // A message may carry text from outside (a server's words, a file's contents): no control
    // character of it reaches the terminal.
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{bin}: error: {}", shown::block(&err.to_string()));
    if let Some(help) = err.help() {
        let _ = writeln!(stderr, "help: {}", shown::block(&help));
    }
    ExitCode::from(err.class().code())
}

/// Turns a result into the process exit code, reporting an error.
pub fn finish(bin: &str, result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(bin, &e),
    }
}
