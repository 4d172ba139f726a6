//! A client that asks sigil for a fresh token when the API says 401 and retries once. Tokens
//! can be revoked or rotated early; `refresh_rejected` refreshes only if nobody else has yet,
//! so many threads hitting 401 at once cost one refresh.
//!
//! ```sh
//! cargo run --example refresh_on_401 -- twitch/mybot https://api.twitch.tv/helix/users
//! ```

use std::process::ExitCode;

fn call(url: &str, token: &sigil::Secret) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = token.expose_str().ok_or("the token is not text")?;
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok((status, body))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(url)) = (args.next(), args.next()) else {
        eprintln!("usage: refresh_on_401 ADDRESS URL");
        return ExitCode::from(2);
    };
    let run = || -> Result<String, String> {
        let sigil = sigil::open().map_err(|e| e.to_string())?;
        let token = sigil.get(&address).map_err(|e| e.to_string())?;
        let (status, body) = call(&url, &token)?;
        if status != 401 {
            return Ok(body);
        }
        eprintln!("refresh_on_401: {url} answered 401; asking sigil for a fresh token");
        let fresh = sigil
            .refresh_rejected(&address, &token)
            .map_err(|e| e.to_string())?;
        let (status, body) = call(&url, &fresh)?;
        match status {
            401 => Err(format!(
                "{url} still answers 401: log in again with `sigil login {address} --force`"
            )),
            _ => Ok(body),
        }
    };
    match run() {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("refresh_on_401: error: {e}");
            ExitCode::FAILURE
        }
    }
}
