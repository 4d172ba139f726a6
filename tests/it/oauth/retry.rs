//! Requests to the authorization server that fail for a passing reason (a reset, no answer in
//! time, 429, 5xx) are retried within the budget, and those that fail for good are not: the
//! real server behind a loopback proxy that injects the failures (support/proxy.rs).

use super::{Server, active, device_login, expire, http, login, sandbox, server, text};
use crate::support::proxy::{DISCOVERY, Fault, Plan, Proxy};
use crate::support::{Sandbox, stderr};
use std::time::{Duration, Instant, SystemTime};

/// The retry budget the tests set, and the timeout of one attempt.
const BUDGET: Duration = Duration::from_secs(4);
const TIMEOUT: &str = "1s";

/// `test/me` logged in at the real server; its config then sends the token and revocation
/// requests of provider `test` through a new proxy with `plan`, with a 1 s timeout and a
/// budget of `budget`, and `[defaults]` extended by `extra`.
struct Setup {
    sb: Sandbox,
    base: String,
}

impl Setup {
    fn new(srv: &Server) -> Setup {
        let sb = sandbox(srv);
        login(&sb, "test/me", "test", "approve").assert().success();
        let base = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
        Setup { sb, base }
    }

    /// Points provider `test` at a new proxy with `plan` (its endpoints, or its issuer when
    /// `discover`), with `defaults` added to `[defaults]`.
    fn proxy(&self, srv: &Server, plan: Plan, discover: bool, defaults: &str) -> Proxy {
        let proxy = Proxy::start(srv.port, plan);
        let real = format!("http://127.0.0.1:{}", srv.port);
        let endpoints = if discover {
            String::new()
        } else {
            format!(
                "auth_url = \"{real}/auth\"\ntoken_url = \"{0}/token\"\nrevoke_url = \"{0}/token/revocation\"\n",
                proxy.url()
            )
        };
        let config = self
            .base
            .replacen(
                "[defaults]\n",
                &format!(
                    "[defaults]\noauth_timeout = \"{TIMEOUT}\"\noauth_retry = \"{}s\"\n{defaults}",
                    BUDGET.as_secs()
                ),
                1,
            )
            .replacen(
                &format!("[providers.test]\nissuer = \"{real}\"\n"),
                &format!(
                    "[providers.test]\nissuer = \"{}\"\n{endpoints}",
                    if discover { proxy.url() } else { real.clone() }
                ),
                1,
            );
        assert_ne!(config, self.base);
        std::fs::write(self.sb.home.join("config.toml"), config).unwrap();
        proxy
    }

    fn get(&self) -> std::process::Output {
        self.sb
            .cmd("sigil-get")
            .args(["-n", "test/me"])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    }

    /// The stored tokens, which no message may show.
    fn secrets(&self) -> Vec<String> {
        vec![
            super::text_no_refresh(&self.sb, "test/me"),
            super::text_no_refresh(&self.sb, "test/me/refresh_token"),
        ]
    }
}

/// Revokes a refresh token at the server, as its user could on the provider's site.
fn revoke_at_server(srv: &Server, refresh: &str) {
    let form = format!("client_id=sigil-pkce&token_type_hint=refresh_token&token={refresh}");
    let (status, _) = http(srv.port, "POST", "/token/revocation", Some(&form));
    assert_eq!(status, 200);
}

/// The stderr of a `get` refused with `invalid_grant` (exit 4, nothing on stdout), which says
/// to log in again and shows none of `secrets`.
fn refused(out: &std::process::Output, secrets: &[String]) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains("invalid_grant"), "{err}");
    assert!(
        err.contains("help: log in again: `sigil login test/me --provider test --force`"),
        "{err}"
    );
    assert_no_secret(&err, secrets);
    err
}

fn assert_no_secret(err: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!err.contains(s.as_str()), "a token in: {err}");
    }
}

/// Each failure that may pass, once (or twice) before the server answers: the `get` refreshes
/// the token all the same, and the proxy saw one attempt more than there were failures.
#[test]
fn a_refresh_that_fails_for_a_passing_reason_is_retried() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    for faults in [
        vec![Fault::Reset],
        vec![Fault::Silence(Duration::from_secs(3))],
        vec![Fault::Status(429, None)],
        vec![Fault::Status(503, None)],
        vec![Fault::Status(502, None), Fault::Status(500, None)],
        vec![Fault::Reset, Fault::Status(503, Some("1".into()))],
    ] {
        let n = faults.len();
        let proxy = setup.proxy(srv, vec![("/token", faults.clone())], false, "");
        let old = setup.secrets();
        expire(&setup.sb);
        let out = setup.get();
        let err = stderr(&out);
        assert!(out.status.success(), "{faults:?}: {err}");
        let new = String::from_utf8(out.stdout).unwrap();
        assert_ne!(new, old[0], "{faults:?}: not refreshed");
        assert!(active(srv, &new), "{faults:?}");
        assert_eq!(proxy.seen("/token").len(), n + 1, "{faults:?}");
        assert!(!err.contains("warning"), "{faults:?}: {err}");
        assert_no_secret(&err, &old);
    }
}

/// A token endpoint that keeps answering 503: the `get` gives up within the budget (loosely
/// measured), after more than one attempt, with an error that says the server is unavailable
/// and what to do, and no token.
#[test]
fn a_server_that_stays_unavailable_fails_the_refresh_within_the_budget() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let proxy = setup.proxy(
        srv,
        vec![("/token", vec![Fault::Status(503, None); 100])],
        false,
        "",
    );
    let secrets = setup.secrets();
    expire(&setup.sb);
    let started = Instant::now();
    let out = setup.get();
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(out.stdout.is_empty());
    assert!(took < BUDGET + Duration::from_secs(2), "took {took:?}");
    let attempts = proxy.seen("/token").len();
    assert!(attempts >= 3, "{attempts} attempts");
    assert!(err.contains(&format!("{attempts} attempts in ")), "{err}");
    assert_no_secret(&err, &secrets);
    insta::with_settings!({filters => vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\d+ attempts in \d+\.\d s", "[N] attempts in [T] s"),
    ]}, {
        insta::assert_snapshot!(err, @r"
        sigil-get: error: cannot refresh 'test/me': the refresh failed: 'test' is unavailable: 'http://127.0.0.1:[PORT]/token' answered 503 Service Unavailable ([N] attempts in [T] s)
        help: 'test' may be down or overloaded: try again later (`oauth_retry` under [defaults] in config.toml sets how long sigil retries)
        ");
    });
}

/// A permanent refusal (`invalid_grant`: the refresh token was revoked) is sent once.
#[test]
fn invalid_grant_is_not_retried() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let secrets = setup.secrets();
    revoke_at_server(srv, &secrets[1]);
    let proxy = setup.proxy(srv, vec![], false, "");
    expire(&setup.sb);
    refused(&setup.get(), &secrets);
    assert_eq!(proxy.seen("/token").len(), 1);
}

/// The server used the refresh token, but its answer was lost on the way (the proxy passed the
/// request on and dropped the answer). The retry sends the rotated-away token again, which the
/// server refuses: the `get` fails at once with `invalid_grant` and says to log in again, and
/// nothing of the lost answer or the old tokens shows.
#[test]
fn a_refresh_whose_answer_was_lost_ends_in_invalid_grant() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let proxy = setup.proxy(srv, vec![("/token", vec![Fault::LoseAnswer])], false, "");
    let secrets = setup.secrets();
    expire(&setup.sb);
    refused(&setup.get(), &secrets);
    assert_eq!(proxy.seen("/token").len(), 2);
}

/// `Retry-After`, in seconds and as an HTTP date: the next attempt is not made before it.
#[test]
fn retry_after_is_honoured() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let date = |at: SystemTime| {
        let at = time::OffsetDateTime::from(at);
        at.format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap()
    };
    // (Retry-After, the earliest the second attempt may come after the first)
    for (after, status) in [("2", 429), ("date", 503)] {
        let (value, not_before) = if after == "date" {
            // A whole second 3 s from now, and the instant it is on the proxy's clock.
            let now = SystemTime::now();
            let secs = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 3;
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            let wait = at.duration_since(SystemTime::now()).unwrap();
            (date(at), Some(Instant::now() + wait))
        } else {
            (after.to_owned(), None)
        };
        let proxy = setup.proxy(
            srv,
            vec![("/token", vec![Fault::Status(status, Some(value.clone()))])],
            false,
            "",
        );
        expire(&setup.sb);
        let out = setup.get();
        assert!(out.status.success(), "{value}: {}", stderr(&out));
        let seen = proxy.seen("/token");
        assert_eq!(seen.len(), 2, "{value}");
        let gap = seen[1].at - seen[0].at;
        match not_before {
            Some(at) => assert!(seen[1].at >= at, "{value}: after {gap:?}"),
            None => assert!(gap >= Duration::from_secs(2), "{value}: after {gap:?}"),
        }
    }
}

/// A server that asks for an hour (or a date next year) is not waited for: the `get` fails at
/// once, well within the budget, and says what the server asked.
#[test]
fn an_absurd_retry_after_is_cut_to_the_budget() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let mut errors = Vec::new();
    for after in ["3600", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let proxy = setup.proxy(
            srv,
            vec![("/token", vec![Fault::Status(429, Some(after.into())); 10])],
            false,
            "",
        );
        expire(&setup.sb);
        let started = Instant::now();
        let out = setup.get();
        let took = started.elapsed();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{after}: {err}");
        assert!(took < BUDGET + Duration::from_secs(2), "{after}: {took:?}");
        assert_eq!(proxy.seen("/token").len(), 1, "{after}");
        errors.push(err);
    }
    insta::with_settings!({filters => vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"wait \d+ s", "wait [S] s"),
    ]}, {
        for err in errors {
            insta::allow_duplicates! {
                insta::assert_snapshot!(err, @r"
                sigil-get: error: cannot refresh 'test/me': the refresh failed: 'test' is unavailable: 'http://127.0.0.1:[PORT]/token' answered 429 Too Many Requests and asked to wait [S] s, past the time sigil retries
                help: 'test' may be down or overloaded: try again later (`oauth_retry` under [defaults] in config.toml sets how long sigil retries)
                ");
            }
        }
    });
}

/// A token refreshed ahead of its expiry (here: a skew of an hour) whose refresh fails for a
/// passing reason is handed out as stored, with a warning that names no token; one that
/// cannot be refreshed for good is not.
#[test]
fn a_still_valid_token_is_handed_out_when_the_refresh_cannot_be_done_now() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let secrets = setup.secrets();
    let proxy = setup.proxy(
        srv,
        vec![("/token", vec![Fault::Reset; 100])],
        false,
        "refresh_skew = \"1h\"\n",
    );
    let out = setup.get();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), secrets[0]);
    assert!(active(srv, &secrets[0]));
    assert!(proxy.seen("/token").len() >= 2);
    assert_no_secret(&err, &secrets);
    insta::with_settings!({filters => vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\d+ attempts in \d+\.\d s", "[N] attempts in [T] s"),
        (r"valid for \d+ s", "valid for [S] s"),
        (r"no answer from '([^']*)': [^(]*\(os error \d+\)", "no answer from '$1': [RESET]"),
    ]}, {
        insta::assert_snapshot!(err, @"sigil-get: warning: cannot refresh 'test/me': the refresh failed: cannot reach 'test': no answer from 'http://127.0.0.1:[PORT]/token': [RESET] ([N] attempts in [T] s); the stored token, valid for [S] s more, is handed out instead");
    });
    // The refresh token revoked: that will not pass, and the stored token is not handed out.
    revoke_at_server(srv, &secrets[1]);
    setup.proxy(srv, vec![], false, "refresh_skew = \"1h\"\n");
    refused(&setup.get(), &secrets);
}

/// The discovery of a provider given by its issuer is retried like any other request.
#[test]
fn discovery_is_retried() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let proxy = setup.proxy(
        srv,
        vec![(DISCOVERY, vec![Fault::Status(503, None), Fault::Reset])],
        true,
        "",
    );
    let old = setup.secrets();
    expire(&setup.sb);
    let out = setup.get();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(String::from_utf8(out.stdout).unwrap(), old[0]);
    assert_eq!(proxy.seen(DISCOVERY).len(), 3);
    // The refresh went where the discovered document said: through the proxy.
    assert_eq!(proxy.seen("/token").len(), 1);
}

/// `sigil rm` revokes the tokens through a revocation endpoint that fails twice first.
#[test]
fn revocation_is_retried() {
    let Some(srv) = server() else { return };
    let setup = Setup::new(srv);
    let token = text(&setup.sb, "test/me");
    let proxy = setup.proxy(
        srv,
        vec![(
            "/token/revocation",
            vec![Fault::Status(503, None), Fault::Reset],
        )],
        false,
        "",
    );
    super::rm_revoking(srv, &setup.sb, &token);
    // The refresh token's revocation met both failures; it and the access token's went through.
    assert_eq!(proxy.seen("/token/revocation").len(), 4);
}

/// A device login whose polls meet a 503 and a reset: retried within the budget, not taken for
/// the user's answer, and the login completes once the user approves.
#[test]
fn device_polls_that_fail_for_a_passing_reason_are_retried() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let proxy = Proxy::start(
        srv.port,
        vec![("/token", vec![Fault::Status(503, None), Fault::Reset])],
    );
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config = config.replacen(
        "[providers.dev]\n",
        &format!(
            "[providers.dev]\nauth_url = \"http://127.0.0.1:{}/auth\"\ntoken_url = \"{1}/token\"\n\
             device_url = \"{1}/device/auth\"\n",
            srv.port,
            proxy.url()
        ),
        1,
    );
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let (code, err) = device_login(&sb, "dev/me", "dev", "approve");
    assert_eq!(code, 0, "{err}");
    assert!(active(srv, &text(&sb, "dev/me")));
    assert!(proxy.seen("/token").len() >= 3);
    assert_eq!(proxy.seen("/device/auth").len(), 1);
}
