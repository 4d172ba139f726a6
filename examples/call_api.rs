//! Calls an HTTP API with a token from sigil: what a bot or a sync tool does instead of
//! reading a token from a dotfile.
//!
//! ```sh
//! cargo run --example call_api -- github/me https://api.github.com/user
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(url)) = (args.next(), args.next()) else {
        eprintln!("usage: call_api ADDRESS URL");
        return ExitCode::from(2);
    };
    // Opens the user's sigil exactly as `sigil get` would: same home, backend and identity.
    let sigil = match sigil::open() {
        Ok(s) => s,
        Err(e) => return report(&e),
    };
    let token = match sigil.get(&address) {
        Ok(t) => t,
        Err(e) => return report(&e),
    };
    let Some(token) = token.expose_str() else {
        eprintln!("call_api: error: '{address}' is not text");
        return ExitCode::FAILURE;
    };
    let answer = ureq::get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("User-Agent", "sigil-example")
        .call();
    match answer {
        Ok(mut response) => {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("call_api: error: {url}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// sigil's errors carry their exit code and a suggestion.
fn report(e: &sigil::Error) -> ExitCode {
    eprintln!("call_api: error: {e}");
    if let Some(help) = e.help() {
        eprintln!("help: {help}");
    }
    ExitCode::from(e.class().code())
}
