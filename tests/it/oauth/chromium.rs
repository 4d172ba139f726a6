//! Logins through a real browser: headless Chromium driven by tests/oidc/chromium.mjs, which
//! runs oidc-provider's pages with their JavaScript, lands on sigil's callback page, and keeps
//! a screenshot, the HTML and the response headers of what the person saw there.

use super::{
    Server, accounts, active, device_login_by, node, oidc_dir, sandbox, server, stored_nothing,
    text,
};
use crate::support::{Sandbox, need, stderr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What Chromium saw last: its page's URL, status, response headers and HTML, and where the
/// screenshot is.
struct Seen {
    url: String,
    status: u64,
    headers: serde_json::Map<String, serde_json::Value>,
    html: String,
    png: PathBuf,
    /// The body's (background, text) colours in light and in dark mode, as `rgb(r, g, b)`.
    light: (String, String),
    dark: (String, String),
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    }
}

/// Where chromium.mjs leaves what it saw for the test `name`: under cargo's target tmp dir
/// rather than the sandbox, so that the screenshot a failure names is still there to look at.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("chromium")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `$BROWSER` for sigil: Chromium through chromium.mjs.
fn chromium() -> String {
    need("chromium");
    format!(
        "{} {}",
        node().unwrap().display(),
        oidc_dir().join("chromium.mjs").display()
    )
}

/// Waits for chromium.mjs to write what it saw into `dir` (it goes on after sigil ends, to
/// take the screenshot), and reads it.
fn seen(dir: &Path) -> Seen {
    let json = dir.join("page.json");
    let end = Instant::now() + Duration::from_secs(60);
    while !json.exists() && Instant::now() < end {
        if let Ok(e) = std::fs::read_to_string(dir.join("error.txt")) {
            panic!("the browser failed: {e}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("chromium.mjs wrote nothing"))
            .unwrap();
    Seen {
        url: meta["url"].as_str().unwrap_or_default().to_owned(),
        status: meta["status"].as_u64().unwrap_or(0),
        headers: meta["headers"].as_object().cloned().unwrap_or_default(),
        html: std::fs::read_to_string(dir.join("page.html")).unwrap(),
        png: dir.join("page.png"),
        light: colours(&meta["light"]),
        dark: colours(&meta["dark"]),
    }
}

fn colours(v: &serde_json::Value) -> (String, String) {
    let get = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    (get("background"), get("text"))
}

/// The brightness (0 to 255) of a CSS `rgb(r, g, b)` colour, by the usual luma weights.
fn brightness(colour: &str) -> f64 {
    let parts: Vec<f64> = colour
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    assert!(parts.len() >= 3, "not an rgb colour: {colour:?}");
    0.299 * parts[0] + 0.587 * parts[1] + 0.114 * parts[2]
}

/// What a person would notice on any of sigil's pages: a screenshot was taken of a real PNG,
/// the page shows no code, state or token, and Chromium got the headers that keep it from
/// loading, leaking or caching anything.
fn assert_a_sigil_page(seen: &Seen, heading: &str, secrets: &[&str]) {
    let png = &seen.png;
    let bytes =
        std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {}",
        png.display()
    );
    let url = url::Url::parse(&seen.url).unwrap();
    assert_eq!(url.host_str(), Some("127.0.0.1"), "{}", seen.url);
    assert_eq!(url.path(), "/callback", "{}", seen.url);
    let html = &seen.html;
    assert!(
        html.contains(heading),
        "no '{heading}' (screenshot {}): {html}",
        png.display()
    );
    let mut secrets: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
    for (k, v) in url.query_pairs() {
        if k == "code" || k == "state" {
            secrets.push(v.into_owned());
        }
    }
    for secret in secrets.iter().filter(|s| s.len() > 4) {
        assert!(
            !html.contains(secret.as_str()),
            "the page shows a secret (screenshot {}): {html}",
            png.display()
        );
    }
    // Dark text on a light background, and the other way round in dark mode, both far apart.
    let (bg, fg) = (&seen.light.0, &seen.light.1);
    assert!(
        brightness(bg) > 200.0 && brightness(fg) < 80.0,
        "light mode: {fg} on {bg} ({})",
        png.display()
    );
    let (bg, fg) = (&seen.dark.0, &seen.dark.1);
    assert!(
        brightness(bg) < 60.0 && brightness(fg) > 180.0,
        "dark mode: {fg} on {bg} ({})",
        png.with_file_name("page-dark.png").display()
    );
    let csp = seen.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "CSP: {csp:?}");
    assert!(!csp.contains("script-src"), "CSP: {csp:?}");
    assert_eq!(seen.header("referrer-policy"), "no-referrer");
    assert_eq!(seen.header("cache-control"), "no-store");
    assert_eq!(seen.header("x-content-type-options"), "nosniff");
}

fn pkce(srv: &Server, mode: &str) -> (Sandbox, std::process::Output, Seen) {
    pkce_at(srv, "test", mode)
}

/// A PKCE login of `test/me` at `provider` through Chromium in `mode`.
fn pkce_at(srv: &Server, provider: &str, mode: &str) -> (Sandbox, std::process::Output, Seen) {
    let sb = sandbox(srv);
    // The test server's PKCE client, answering with a form POSTed to sigil.
    let config = sb.home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[providers.fp]\nissuer = \"http://127.0.0.1:{}\"\nclient_id = \"sigil-pkce\"\n\
         flows = [\"pkce\"]\nscopes = [\"openid\", \"offline_access\"]\n\
         response_mode = \"form_post\"\n",
        srv.port
    ));
    std::fs::write(&config, text).unwrap();
    let dir = out_dir(&format!("pkce-{provider}-{mode}"));
    let out = sb
        .cmd("sigil-login")
        .args(["test/me", "--provider", provider])
        .env("BROWSER", chromium())
        .env("SIGIL_TEST_BROWSER_MODE", mode)
        .env("SIGIL_TEST_BROWSER_OUT", &dir)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let seen = seen(&dir);
    (sb, out, seen)
}

#[test]
fn pkce_approved_in_chromium_shows_the_success_page_and_get_returns_the_token() {
    let Some(srv) = server() else { return };
    let (sb, out, seen) = pkce(srv, "approve");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(seen.status, 200, "{}", seen.png.display());
    let token = text(&sb, "test/me");
    assert!(active(srv, &token));
    let refresh = text(&sb, "test/me/refresh_token");
    assert_a_sigil_page(&seen, "Logged in", &[&token, &refresh]);
}

#[test]
fn pkce_denied_in_chromium_shows_the_denied_page_and_stores_nothing() {
    let Some(srv) = server() else { return };
    let (sb, out, seen) = pkce(srv, "deny");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("denied"), "{}", stderr(&out));
    assert_a_sigil_page(&seen, "Login denied", &[]);
    assert!(seen.html.contains("sigil login"), "{}", seen.html);
    stored_nothing(&sb);
    assert!(!accounts(&sb).contains("oauth"));
}

#[test]
fn device_approved_in_chromium_logs_in() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let dir = out_dir("device-approve");
    need("chromium");
    let (code, err) = device_login_by(
        &sb,
        "dev/me",
        "dev",
        "approve",
        "chromium.mjs",
        &[("SIGIL_TEST_BROWSER_OUT", &dir)],
    );
    assert_eq!(code, 0, "{err}");
    let token = text(&sb, "dev/me");
    assert!(active(srv, &token));
    let seen = seen(&dir);
    let png = std::fs::read(&seen.png).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{}", seen.png.display());
    // The device flow ends on the provider's own page, not sigil's.
    assert!(
        seen.html.contains("Sign-in Success"),
        "{}: {}",
        seen.png.display(),
        seen.html
    );
    assert!(!seen.html.contains(&token), "{}", seen.png.display());
}

/// A provider that answers with `response_mode=form_post`: oidc-provider's page submits the
/// answer to sigil's listener with JavaScript, which only a real browser runs. The login
/// works and the success page, reached by a POST, shows nothing of the form.
#[test]
fn form_post_approved_in_chromium_logs_in() {
    let Some(srv) = server() else { return };
    let (sb, out, seen) = pkce_at(srv, "fp", "approve");
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "{err} (screenshot {})",
        seen.png.display()
    );
    assert!(err.contains("response_mode=form_post"), "{err}");
    assert_eq!(seen.status, 200, "{}", seen.png.display());
    let token = text(&sb, "test/me");
    assert!(active(srv, &token));
    let refresh = text(&sb, "test/me/refresh_token");
    assert_a_sigil_page(&seen, "Logged in", &[&token, &refresh]);
    // The answer was in the body: the page's URL carries neither code nor state.
    assert!(
        !seen.url.contains("code=") && !seen.url.contains("state="),
        "{}",
        seen.url
    );
}
