//! The OAuth grants themselves, on the `oauth2` crate: authorization code + PKCE through a
//! loopback listener (RFC 8252), device authorization (RFC 8628), client credentials, refresh,
//! and revocation (RFC 7009). Everything a person must see goes to stderr; nothing here prints
//! a token, and the only URLs printed are authorization and verification URLs (no tokens in
//! them).
//!
//! Ctrl-C is left to the default signal action: the process ends at once, the kernel closes
//! the listener, and nothing is stored because storing happens only after a flow succeeded.
//!
//! Any local user can connect to the loopback listener, so it serves each connection on a
//! thread of its own with a deadline for the whole request, and a redirect without our
//! `state` is refused without ending the login. A web page can make the browser send requests
//! there too, so only a loopback peer naming our `127.0.0.1:<port>` as its `Host` is heard at
//! all, and every answer forbids scripts, Referers and caching (SECURITY.md).
#![deny(clippy::arithmetic_side_effects)]

use super::http::{self, HttpError};
use super::pages::{Page, SECURITY_HEADERS};
use super::{Client, Failure, Provider, failure, oauth_client, request_error, token_set};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::model::shown;
use crate::model::token::TokenSet;
use oauth2::{
    AuthorizationCode, ConfigurationError, CsrfToken, PkceCodeChallenge, RefreshToken, Scope,
    StandardRevocableToken,
};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The default time a person has to finish a login in the browser.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How an interactive flow talks to the person.
#[derive(Debug, Clone)]
pub struct Interaction {
    /// How long to wait for the browser (pkce) or the approval (device, capped by the code's
    /// own lifetime).
    pub timeout: Duration,
    /// Open the authorization URL in a browser (pkce).
    pub open_browser: bool,
}

impl Default for Interaction {
    fn default() -> Self {
        Interaction {
            timeout: DEFAULT_TIMEOUT,
            open_browser: true,
        }
    }
}

fn config_error(p: &Provider, flow: &str, e: ConfigurationError) -> Error {
    let ConfigurationError::MissingUrl(which) = &e else {
        return Error::other(format!("provider '{}': {e}", p.key), None);
    };
    let key = match *which {
        "authorization" => "auth_url",
        "device authorization" => "device_url",
        "revocation" => "revoke_url",
        _ => "token_url",
    };
    Error::UsageHelp {
        message: format!(
            "provider '{}' has no {which} endpoint, which the {flow} flow needs",
            p.key
        ),
        help: format!(
            "set {key} (or issuer) under [providers.{}] in config.toml, or choose another --flow",
            p.key
        ),
    }
}

fn scopes(list: &[String]) -> Vec<Scope> {
    list.iter().map(|s| Scope::new(s.clone())).collect()
}

// ---------------------------------------------------------------------------------------------
// progress
// ---------------------------------------------------------------------------------------------

/// A spinner on stderr while waiting, when stderr is a terminal (and the CLI is built).
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
struct Waiting {
    #[cfg(feature = "cli")]
    bar: Option<indicatif::ProgressBar>,
    deadline: Instant,
    what: String,
}

impl Waiting {
    fn new(what: &str, deadline: Instant) -> Waiting {
        #[cfg(feature = "cli")]
        let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let w = Waiting {
            #[cfg(feature = "cli")]
            bar,
            deadline,
            what: what.to_owned(),
        };
        w.tick();
        w
    }

    fn tick(&self) {
        #[cfg(feature = "cli")]
        if let Some(bar) = &self.bar {
            let left = self
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs();
            bar.set_message(format!(
                "{} ({}:{:02} left, Ctrl-C cancels)",
                self.what,
                left / 60,
                left % 60
            ));
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        #[cfg(feature = "cli")]
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// authorization code + PKCE
// ---------------------------------------------------------------------------------------------

/// How long one connection may take to send its request head, from accept to the blank line.
/// A browser sends it at once; the limit is for connections that send nothing or drip.
const HEAD_TIME: Duration = Duration::from_secs(10);

/// The largest request head read. The redirect's is well under 4 KiB.
const HEAD_LIMIT: usize = 16 * 1024;

/// Connections served at once. A browser opens a few; more are closed as they are accepted,
/// which keeps the accept queue moving, and a person who sees an error page reloads.
const MAX_CONNECTIONS: usize = 32;

/// How often the waiting loop looks for a new connection, an answer and the deadline.
const POLL: Duration = Duration::from_millis(50);

/// The time left until `until`, or `None` when it has passed (a zero timeout would mean none).
fn left(until: Instant) -> Option<Duration> {
    Some(until.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
}

/// What a request gets back: one of sigil's pages, or a short plain-text refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Page(Page),
    Refusal(&'static str),
}

/// Sends one response and nothing more. The page fits in the socket's send buffer, so the
/// write does not wait for the peer; the timeout covers a peer that stops reading anyway.
fn respond(stream: &mut TcpStream, status: &str, reply: Reply, until: Instant) {
    let Some(time) = left(until) else { return };
    let _ = stream.set_write_timeout(Some(time));
    let (kind, body) = match reply {
        Reply::Page(page) => ("text/html", page.html()),
        Reply::Refusal(why) => ("text/plain", format!("{why}\n")),
    };
    let text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}; charset=utf-8\r\nContent-Length: {}\r\n\
{SECURITY_HEADERS}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}

/// Reads a request head, up to its blank line or `HEAD_LIMIT` bytes, by `until`: one deadline
/// for the whole head rather than for each read, so a client that sends a byte at a time
/// cannot stretch it. `None` when the deadline passed or the connection failed.
fn read_head(stream: &mut TcpStream, until: Instant) -> Option<Vec<u8>> {
    // Some systems hand out accepted sockets non-blocking, like the listener.
    stream.set_nonblocking(false).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while buf.len() < HEAD_LIMIT {
        stream.set_read_timeout(Some(left(until)?)).ok()?;
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        // Only the new bytes and the three before them can complete the blank line.
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(chunk.get(..n)?);
        if buf.get(from..)?.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    Some(buf)
}

/// The largest form_post body read. An answer's code and state are well under 4 KiB.
const BODY_LIMIT: usize = 16 * 1024;

/// The parts of a request the listener judges by.
struct Request {
    method: String,
    target: String,
    /// The `Host` header, when there is exactly one.
    host: Option<String>,
    /// The `Content-Type` header, when there is one.
    content_type: Option<String>,
    /// The `Content-Length` header, when there is one and it is a number.
    content_length: Option<usize>,
    /// What came after the head: the start of a body, or all of it.
    body: Vec<u8>,
}

/// Parses a request head with `httparse`; `None` when it is not a complete, well-formed one.
fn parse_request(head: &[u8]) -> Option<Request> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(len) = req.parse(head).ok()? else {
        return None;
    };
    let one = |name: &str| {
        let mut found = req
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some(h), None) => std::str::from_utf8(h.value).ok().map(str::to_owned),
            _ => None,
        }
    };
    Some(Request {
        method: req.method?.to_owned(),
        target: req.path?.to_owned(),
        host: one("host"),
        content_type: one("content-type"),
        content_length: one("content-length").and_then(|v| v.trim().parse().ok()),
        body: head.get(len..)?.to_vec(),
    })
}

/// Reads the rest of a POST's body, up to its `Content-Length` (at most `BODY_LIMIT`), by
/// `until`. The refusal to send when the body is missing, too large or not there in time.
fn read_body(
    stream: &mut TcpStream,
    req: &mut Request,
    until: Instant,
) -> std::result::Result<(), (&'static str, Reply)> {
    let Some(want) = req.content_length else {
        return Err(("411 Length Required", Reply::Refusal("length required")));
    };
    if want > BODY_LIMIT {
        return Err(("413 Content Too Large", Reply::Refusal("too large")));
    }
    let mut chunk = [0u8; 1024];
    while req.body.len() < want {
        let timeout = left(until).ok_or(("408 Request Timeout", Reply::Refusal("too slow")))?;
        let _ = stream.set_read_timeout(Some(timeout));
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => req
                .body
                .extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if req.body.len() < want {
        return Err(("400 Bad Request", Reply::Refusal("bad request")));
    }
    req.body.truncate(want);
    Ok(())
}

/// What the loopback listener received.
enum Callback {
    Code(String),
    Refused(Error),
    /// A redirect without the state sigil sent: refused, and the login goes on waiting.
    Foreign,
}

/// What a connection's thread needs to judge a request: its own copy, because the thread may
/// outlive the wait (it ends by its own deadline).
#[derive(Clone)]
struct Expected {
    key: String,
    /// The port in the redirect URI, which a browser puts in the `Host` header.
    port: u16,
    state: String,
    /// Set by the first redirect with our state: a login is answered once.
    answered: Arc<AtomicBool>,
    /// The wait is over: a redirect now only learns that it came too late.
    late: bool,
    /// The answer comes as a form POSTed to `/callback` (`response_mode=form_post`).
    form_post: bool,
}

/// Whether `got` is the state sigil sent. The digests are compared rather than the strings, so
/// the time the comparison takes tells a caller who may try again and again nothing about how
/// much of a guess was right.
fn is_our_state(got: Option<&str>, want: &str) -> bool {
    use sha2::{Digest, Sha256};
    got.is_some_and(|got| Sha256::digest(got) == Sha256::digest(want))
}

/// Refuses what is not a browser on this machine asking for this login's redirect URI: a
/// peer from elsewhere, a `Host` that is not ours (a web page that rebound its own name to
/// 127.0.0.1), another method or path.
fn gatekeep(req: &Request, peer: IpAddr, want: &Expected) -> Option<(&'static str, Reply)> {
    if !peer.is_loopback() {
        return Some(("403 Forbidden", Reply::Refusal("forbidden")));
    }
    let ours = format!("127.0.0.1:{}", want.port);
    if !req
        .host
        .as_deref()
        .is_some_and(|h| h.eq_ignore_ascii_case(&ours))
    {
        return Some(("403 Forbidden", Reply::Refusal("forbidden: wrong host")));
    }
    let form = req.method == "POST" && want.form_post;
    if req.method != "GET" && !form {
        return Some((
            "405 Method Not Allowed",
            Reply::Refusal("method not allowed"),
        ));
    }
    let urlencoded = req.content_type.as_deref().is_some_and(|t| {
        t.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if form && !urlencoded {
        return Some((
            "415 Unsupported Media Type",
            Reply::Refusal("unsupported media type"),
        ));
    }
    None
}

/// The status line and reply a request gets, and what it means for the login: `None` when it
/// is not a redirect at all (a favicon, a malformed request, a request from elsewhere).
fn judge(req: &Request, peer: IpAddr, want: &Expected) -> (&'static str, Reply, Option<Callback>) {
    if let Some((status, reply)) = gatekeep(req, peer, want) {
        return (status, reply, None);
    }
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{}", req.target)) else {
        return ("400 Bad Request", Reply::Refusal("bad request"), None);
    };
    if url.path() != "/callback" {
        // Browsers also ask for /favicon.ico and the like.
        return ("404 Not Found", Reply::Refusal("not found"), None);
    }
    if want.late {
        return ("410 Gone", Reply::Page(Page::Timeout), None);
    }
    if want.answered.load(Ordering::SeqCst) {
        return (
            "409 Conflict",
            Reply::Refusal("this login was already answered"),
            None,
        );
    }
    // A form_post answer is in the body, parsed as the form it is; anything in the query is
    // not part of it.
    let pairs: Vec<(String, String)> = if req.method == "POST" {
        url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect()
    } else {
        url.query_pairs().into_owned().collect()
    };
    redirect(&pairs, want)
}

/// Judges the parameters of a redirect to `/callback`.
fn redirect(
    pairs: &[(String, String)],
    want: &Expected,
) -> (&'static str, Reply, Option<Callback>) {
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    // The state is checked first: a redirect that does not carry ours is not an answer to our
    // request, whatever else it says (RFC 6749 §10.12). Nor does it end the login: any local
    // user can send one, and the browser's own redirect may still be on its way.
    if !is_our_state(param("state").as_deref(), &want.state) {
        let reply = Reply::Page(Page::WrongState);
        return ("400 Bad Request", reply, Some(Callback::Foreign));
    }
    // Only the first redirect with our state answers; one racing it is refused.
    if want.answered.swap(true, Ordering::SeqCst) {
        return (
            "409 Conflict",
            Reply::Refusal("this login was already answered"),
            None,
        );
    }
    if let Some(code) = param("error") {
        let detail = param("error_description")
            .map(|d| format!(" ({})", d.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        let denied = code == "access_denied";
        // Whatever sent the redirect chose these words: one escaped line each, and only in
        // the terminal, never on the page.
        let code = shown::line(&code.chars().take(100).collect::<String>()).into_owned();
        let detail = shown::line(&detail).into_owned();
        let error = Error::Auth {
            message: if denied {
                format!("the login was denied at '{}'{detail}", want.key)
            } else {
                format!("the login failed at '{}': {code}{detail}", want.key)
            },
            help: Some(if denied {
                "approve the request in the browser to log in; nothing was stored".into()
            } else {
                "check the provider's settings in config.toml and run the login again".into()
            }),
        };
        let page = if denied { Page::Denied } else { Page::Error };
        return ("200 OK", Reply::Page(page), Some(Callback::Refused(error)));
    }
    let Some(code) = param("code") else {
        let error = Error::Auth {
            message: format!("the redirect from '{}' carried no code", want.key),
            help: None,
        };
        let reply = Reply::Page(Page::Error);
        return ("400 Bad Request", reply, Some(Callback::Refused(error)));
    };
    (
        "200 OK",
        Reply::Page(Page::Success),
        Some(Callback::Code(code)),
    )
}

/// Reads, judges and answers one connection by `until`; what it means for the login.
fn answer(mut stream: TcpStream, want: &Expected, until: Instant) -> Option<Callback> {
    // A head that did not come in time gets no answer: the peer is not a browser.
    let head = read_head(&mut stream, until)?;
    let peer = stream.peer_addr().ok()?.ip();
    let (status, reply, outcome) = match parse_request(&head) {
        Some(mut req) => {
            let body = if req.method == "POST" && gatekeep(&req, peer, want).is_none() {
                read_body(&mut stream, &mut req, until)
            } else {
                Ok(())
            };
            match body {
                Ok(()) => judge(&req, peer, want),
                Err((status, reply)) => (status, reply, None),
            }
        }
        None => ("400 Bad Request", Reply::Refusal("bad request"), None),
    };
    respond(&mut stream, status, reply, until);
    outcome
}

/// One of the `MAX_CONNECTIONS` places, given back when the connection's thread ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves a connection on a thread of its own, so that one that sends nothing, or drips,
/// holds up no other. Its thread ends by the connection's own deadline (`HEAD_TIME`, never
/// past the login's), whether or not the login is still waiting.
fn serve(
    stream: TcpStream,
    want: &Expected,
    deadline: Instant,
    open: &Arc<AtomicUsize>,
    answers: &mpsc::Sender<Callback>,
) {
    // Only the waiting thread takes places, so none can be taken between the two steps.
    if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
        return;
    }
    open.fetch_add(1, Ordering::SeqCst);
    let slot = Slot(Arc::clone(open));
    let until = after(HEAD_TIME).min(deadline);
    let (want, answers) = (want.clone(), answers.clone());
    // When no thread can be started the closure is dropped, and with it the connection.
    let _ = std::thread::Builder::new()
        .name("sigil-redirect".into())
        .spawn(move || {
            let _slot = slot;
            if let Some(outcome) = answer(stream, &want, until) {
                // The wait may be over; then nobody listens, and that is fine.
                let _ = answers.send(outcome);
            }
        });
}

/// Accept errors that concern one connection (it was reset before it was accepted), not the
/// listener.
fn transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted, WouldBlock};
    matches!(
        e.kind(),
        WouldBlock | Interrupted | ConnectionAborted | ConnectionReset
    )
}

/// The error at the deadline. Refused redirects are counted in it because a person who did
/// finish in the browser (in a tab of an earlier login, say) would otherwise not know why.
fn not_in_time(p: &Provider, foreign: usize) -> Error {
    let refused = match foreign {
        0 => String::new(),
        1 => "a redirect without the state sigil sent was refused".to_owned(),
        n => format!("{n} redirects without the state sigil sent were refused"),
    };
    let mut help = "run it again (--timeout gives more time)".to_owned();
    if !refused.is_empty() {
        help.push_str(&format!(
            "; {refused}: finish the login in the tab this run opens, and if this repeats, \
             something other than your browser is answering the redirect"
        ));
    }
    Error::Auth {
        message: format!(
            "the login at '{}' was not completed in time; nothing was stored",
            p.key
        ),
        help: Some(help),
    }
}

/// How long a redirect that is already queued at the deadline may take to be told so.
const LATE_TIME: Duration = Duration::from_secs(1);

/// Answers the connections already queued when the wait ended with the timeout page, one
/// after the other and briefly: the process is about to end, and with it any thread.
fn turn_away_late(listener: &TcpListener, want: &Expected) {
    let late = Expected {
        late: true,
        ..want.clone()
    };
    for _ in 0..4 {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = answer(stream, &late, after(LATE_TIME));
    }
}

/// Waits for the redirect until `deadline` and returns its code, serving every connection
/// concurrently: neither a connection that stalls nor a redirect with the wrong state ends or
/// stretches the wait.
fn wait_for_callback(
    listener: &TcpListener,
    p: &Provider,
    state: &CsrfToken,
    deadline: Instant,
) -> Result<String> {
    let waiting = Waiting::new("waiting for the browser", deadline);
    let want = Expected {
        key: p.key.clone(),
        port: listener
            .local_addr()
            .map_err(|e| Error::io("the loopback listener failed", e))?
            .port(),
        state: state.secret().clone(),
        answered: Arc::new(AtomicBool::new(false)),
        late: false,
        form_post: p.form_post,
    };
    let open = Arc::new(AtomicUsize::new(0));
    let (answers, heard) = mpsc::channel();
    let mut foreign = 0usize;
    loop {
        let Some(time) = left(deadline) else {
            turn_away_late(listener, &want);
            return Err(not_in_time(p, foreign));
        };
        let accepted = match listener.accept() {
            Ok((stream, _)) => {
                serve(stream, &want, deadline, &open, &answers);
                true
            }
            Err(e) if transient(&e) => false,
            Err(e) => return Err(Error::io("the loopback listener failed", e)),
        };
        // After a connection, straight back to accept the next one waiting, if any.
        let pause = if accepted {
            Duration::ZERO
        } else {
            POLL.min(time)
        };
        match heard.recv_timeout(pause) {
            Ok(Callback::Code(code)) => return Ok(code),
            Ok(Callback::Refused(e)) => return Err(e),
            Ok(Callback::Foreign) => foreign = foreign.saturating_add(1),
            Err(_) => {}
        }
        waiting.tick();
    }
}

/// Opens `url` with `$BROWSER` (a `:`-separated list of commands, `%s` standing for the URL)
/// or the platform's opener. Returns whether something was started; the browser is not
/// waited for, and its output never reaches sigil's stdout.
pub fn open_browser(url: &str) -> bool {
    use std::process::Stdio;
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Ok(b) = std::env::var("BROWSER") {
        for entry in b.split(':').filter(|e| !e.trim().is_empty()) {
            let mut words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.contains("%s")) {
                for w in &mut words {
                    *w = w.replace("%s", url);
                }
            } else {
                words.push(url.to_owned());
            }
            candidates.push(words);
        }
    } else if cfg!(target_os = "macos") {
        candidates.push(vec!["open".into(), url.into()]);
    } else if cfg!(windows) {
        candidates.push(vec!["explorer".into(), url.into()]);
    } else {
        candidates.push(vec!["xdg-open".into(), url.into()]);
    }
    for words in candidates {
        let spawned = crate::ops::child::command(&words[0])
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            // Reap it whenever it ends, without waiting for it here.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            return true;
        }
    }
    false
}

/// Authorization code + PKCE (S256) with a loopback redirect to
/// `http://127.0.0.1:<port>/callback`.
pub fn pkce(p: &Provider, client: &Client, asked: &[String], ui: &Interaction) -> Result<TokenSet> {
    let port = p.redirect_port.unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        Error::io(
            format!("cannot listen on 127.0.0.1:{port} for the login redirect"),
            e,
        )
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("cannot set up the loopback listener", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("cannot set up the loopback listener", e))?
        .port();
    let redirect = oauth2::RedirectUrl::new(format!("http://127.0.0.1:{port}/callback"))
        .map_err(|e| Error::other(format!("invalid redirect URL: {e}"), None))?;
    let oauth = oauth_client(p, client)?.set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = oauth
        .authorize_url(CsrfToken::new_random)
        .map_err(|e| config_error(p, "pkce", e))?
        .add_scopes(scopes(asked))
        .set_pkce_challenge(challenge);
    for (k, v) in &p.auth_params {
        request = request.add_extra_param(k.clone(), v.clone());
    }
    if p.form_post && !p.auth_params.contains_key("response_mode") {
        request = request.add_extra_param("response_mode", "form_post");
    }
    let (url, state) = request.url();
    crate::model::notice::prompt(format!(
        "Log in to {} in your browser:\n\n  {url}\n",
        shown::line(&p.name)
    ));
    if ui.open_browser && !open_browser(url.as_str()) {
        crate::model::notice::prompt("(no browser could be opened: open the URL above yourself)");
    }
    let deadline = after(ui.timeout);
    let code = wait_for_callback(&listener, p, &state, deadline)?;
    drop(listener);
    let now = OffsetDateTime::now_utc();
    let answer = oauth
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| config_error(p, "pkce", e))?
        .set_pkce_verifier(verifier)
        .request(&http::client(p.http))
        .map_err(|e| request_error(p, "the code exchange", e))?;
    Ok(token_set(&answer, asked, now))
}

/// The instant `d` from now; a `d` too large to add (from a server, or a huge `--timeout`) is
/// as good as forever, which a day stands in for.
fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
        .unwrap_or(now)
}

// ---------------------------------------------------------------------------------------------
// device authorization
// ---------------------------------------------------------------------------------------------

/// Device authorization (RFC 8628): shows the verification URI and user code on stderr and
/// polls the token endpoint at the server's interval, slowing down when told to.
pub fn device(
    p: &Provider,
    client: &Client,
    asked: &[String],
    ui: &Interaction,
) -> Result<TokenSet> {
    let oauth = oauth_client(p, client)?;
    let http = http::client(p.http);
    let details: oauth2::StandardDeviceAuthorizationResponse = oauth
        .exchange_device_code()
        .map_err(|e| config_error(p, "device", e))?
        .add_scopes(scopes(asked))
        .request(&http)
        .map_err(|e| request_error(p, "the device authorization", e))?;
    // The URI and the code are the server's text: each shown escaped, on its own line.
    let uri = details.verification_uri().as_str();
    crate::model::notice::prompt(format!(
        "To log in to {}, open {}\nand enter the code: {}",
        shown::line(&p.name),
        shown::line(uri),
        shown::line(details.user_code().secret())
    ));
    if let Some(complete) = details.verification_uri_complete() {
        crate::model::notice::prompt(format!("(or open {} )", shown::line(complete.secret())));
    }
    let lifetime = details.expires_in().min(ui.timeout);
    // The oauth2 crate adds 5 s to the interval on every `slow_down` without checking, so an
    // interval near the largest Duration would panic it; one longer than the whole login
    // could never be waited out anyway.
    if details.interval() > lifetime {
        return Err(Error::Auth {
            message: format!(
                "'{}' asks to wait {} s between polls, longer than the login may take ({} s); nothing was stored",
                p.key,
                details.interval().as_secs(),
                lifetime.as_secs()
            ),
            help: Some("try again later, or use another flow with --flow".into()),
        });
    }
    let deadline = after(lifetime);
    let waiting = Waiting::new("waiting for the approval", deadline);
    let waited_out = AtomicBool::new(false);
    let sleep = |d: Duration| {
        // Never past the deadline: the server chooses the interval.
        let until = after(d).min(deadline);
        while Instant::now() < until {
            std::thread::sleep(
                Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())),
            );
            waiting.tick();
        }
        if Instant::now() >= deadline {
            waited_out.store(true, Ordering::Relaxed);
        }
    };
    // oauth2 keeps a timeout of its own, started by the wall clock a moment after `deadline`:
    // a sleep that stopped at `deadline` could wake just inside it and poll once more, after
    // the server had dropped the code, and get `invalid_grant` ("not found") instead of
    // `expired_token`. So the clock it reads is sigil's deadline alone: the earliest time
    // while sigil still waits, the latest once the sleep has waited it out.
    let clock = || {
        if waited_out.load(Ordering::Relaxed) {
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        } else {
            chrono::DateTime::<chrono::Utc>::MIN_UTC
        }
    };
    let now = OffsetDateTime::now_utc();
    let answer = oauth
        .exchange_device_access_token(&details)
        .map_err(|e| config_error(p, "device", e))?
        .set_time_fn(clock)
        .request(&http, sleep, Some(lifetime))
        .map_err(|e| device_error(p, e))?;
    drop(waiting);
    Ok(token_set(&answer, asked, now))
}

/// The device login's failures: the two a person causes, said plainly; any other as it came.
fn device_error(
    p: &Provider,
    e: oauth2::RequestTokenError<HttpError, oauth2::DeviceCodeErrorResponse>,
) -> Error {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) if r.error().as_ref() == "expired_token" => {
            Error::Auth {
                message: format!(
                    "the device code expired before the login at '{}' was approved; nothing was stored",
                    p.key
                ),
                help: Some("run the login again and enter the new code in time".into()),
            }
        }
        oauth2::RequestTokenError::ServerResponse(r) if r.error().as_ref() == "access_denied" => {
            Error::Auth {
                message: format!("the login was denied at '{}'; nothing was stored", p.key),
                help: Some("approve the request to log in".into()),
            }
        }
        other => request_error(p, "the device login", other),
    }
}

// ---------------------------------------------------------------------------------------------
// client credentials, refresh, revocation
// ---------------------------------------------------------------------------------------------

/// Client credentials: a token for the client itself (CI, service accounts).
pub fn client_credentials(
    p: &Provider,
    client: &Client,
    asked: &[String],
    now: OffsetDateTime,
) -> Result<TokenSet> {
    client_credentials_or_fail(p, client, asked, now).map_err(Error::from)
}

/// [`client_credentials`], saying whether a failure may pass (for a renewal, which can fall
/// back on a still valid token).
pub(crate) fn client_credentials_or_fail(
    p: &Provider,
    client: &Client,
    asked: &[String],
    now: OffsetDateTime,
) -> std::result::Result<TokenSet, Failure> {
    if client.secret.is_none() {
        return Err(Failure::from(Error::UsageHelp {
            message: format!(
                "the client-credentials flow needs a client secret for provider '{}'",
                p.key
            ),
            help: "pipe it on stdin with --client-secret-stdin, set SIGIL_CLIENT_SECRET, or put \
                   client_secret in the provider's table in config.toml"
                .into(),
        }));
    }
    let answer = oauth_client(p, client)?
        .exchange_client_credentials()
        .map_err(|e| config_error(p, "client-credentials", e))?
        .add_scopes(scopes(asked))
        .request(&http::client(p.http))
        .map_err(|e| failure(p, "the client-credentials grant", e))?;
    Ok(token_set(&answer, asked, now))
}

/// Refresh: a new access token (and, when the server rotates them, a new refresh token) for
/// a refresh token. A failure says whether it may pass, so that a refresh ahead of the expiry
/// can fall back on the stored token.
pub fn refresh(
    p: &Provider,
    client: &Client,
    refresh_token: &Secret,
    granted: &[String],
    now: OffsetDateTime,
) -> std::result::Result<TokenSet, Failure> {
    let rt = RefreshToken::new(
        refresh_token
            .expose_str()
            .ok_or_else(|| Error::other("the stored refresh token is not UTF-8 text", None))?
            .to_owned(),
    );
    let answer = oauth_client(p, client)?
        .exchange_refresh_token(&rt)
        .map_err(|e| config_error(p, "refresh", e))?
        .request(&http::client(p.http))
        .map_err(|e| failure(p, "the refresh", e))?;
    Ok(token_set(&answer, granted, now))
}

/// Which token a revocation is about (the `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocable {
    /// An access token.
    Access,
    /// A refresh token (revoking it usually ends the whole grant).
    Refresh,
}

/// Revocation (RFC 7009).
pub fn revoke(p: &Provider, client: &Client, token: &Secret, kind: Revocable) -> Result<()> {
    let text = token
        .expose_str()
        .ok_or_else(|| Error::other("the stored token is not UTF-8 text", None))?
        .to_owned();
    if let Some(url) = p.revoke_url.as_ref().filter(|u| u.scheme() == "http") {
        return revoke_on_loopback(p, url, client, &text, kind);
    }
    let t = match kind {
        Revocable::Access => StandardRevocableToken::AccessToken(oauth2::AccessToken::new(text)),
        Revocable::Refresh => StandardRevocableToken::RefreshToken(RefreshToken::new(text)),
    };
    oauth_client(p, client)?
        .revoke_token(t)
        .map_err(|e| config_error(p, "revocation", e))?
        .request(&http::client(p.http))
        .map_err(|e: oauth2::RequestTokenError<HttpError, _>| request_error(p, "the revocation", e))
}

/// RFC 7009 against an http endpoint on loopback (a local or test authorization server):
/// `oauth2` insists on https for revocation, while sigil's rule is https or loopback. The
/// client authenticates in the form body here.
fn revoke_on_loopback(
    p: &Provider,
    url: &url::Url,
    client: &Client,
    token: &str,
    kind: Revocable,
) -> Result<()> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", token)
        .append_pair(
            "token_type_hint",
            match kind {
                Revocable::Access => "access_token",
                Revocable::Refresh => "refresh_token",
            },
        )
        .append_pair("client_id", &client.id);
    if let Some(secret) = client.secret.as_ref().and_then(|s| s.expose_str()) {
        form.append_pair("client_secret", secret);
    }
    let body = zeroize::Zeroizing::new(form.finish());
    let request = ::http::Request::post(url.as_str())
        .header(
            ::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(::http::header::ACCEPT, "application/json")
        .body(body.as_bytes().to_vec())
        .map_err(|e| Error::other(format!("cannot build the revocation request: {e}"), None))?;
    let response = http::client(p.http)(request).map_err(|e| {
        request_error::<oauth2::basic::BasicErrorResponseType>(
            p,
            "the revocation",
            oauth2::RequestTokenError::Request(e),
        )
    })?;
    if response.status().is_success() {
        return Ok(());
    }
    let code = serde_json::from_slice::<serde_json::Value>(response.body())
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| response.status().to_string());
    Err(Error::Auth {
        message: format!(
            "the revocation failed at '{}': {}",
            p.key,
            shown::line(&code.chars().take(100).collect::<String>())
        ),
        help: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want() -> Expected {
        Expected {
            key: "k".into(),
            port: 4242,
            state: "s3cret".into(),
            answered: Arc::new(AtomicBool::new(false)),
            late: false,
            form_post: false,
        }
    }

    fn get(target: &str) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            host: Some("127.0.0.1:4242".into()),
            content_type: None,
            content_length: None,
            body: Vec::new(),
        }
    }

    fn post(body: &str, content_type: &str) -> Request {
        Request {
            method: "POST".into(),
            content_type: Some(content_type.into()),
            content_length: Some(body.len()),
            body: body.as_bytes().to_vec(),
            ..get("/callback")
        }
    }

    #[test]
    fn a_form_post_answer_is_read_from_its_body_when_the_provider_uses_it() {
        let form = "application/x-www-form-urlencoded";
        let fp = || Expected {
            form_post: true,
            ..want()
        };
        let ok = post("code=c%2B1&state=s3cret", form);
        assert_eq!(meaning(judge(&ok, LOCAL, &fp()).2), "code c+1");
        // Not for a provider that answers in the query.
        let (status, _, outcome) = judge(&ok, LOCAL, &want());
        assert_eq!(
            (status, meaning(outcome).as_str()),
            ("405 Method Not Allowed", "nothing")
        );
        // The same checks as the redirect: our state, one answer.
        let wrong = post("code=c&state=nope", form);
        assert_eq!(meaning(judge(&wrong, LOCAL, &fp()).2), "foreign");
        // The query of a POST is not its answer.
        let query = Request {
            target: "/callback?code=c&state=s3cret".into(),
            ..post("", form)
        };
        assert_eq!(meaning(judge(&query, LOCAL, &fp()).2), "foreign");
        let json = post("{\"code\":\"c\",\"state\":\"s3cret\"}", "application/json");
        assert_eq!(judge(&json, LOCAL, &fp()).0, "415 Unsupported Media Type");
        let denied = post(
            "error=access_denied&state=s3cret",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        assert_eq!(judge(&denied, LOCAL, &fp()).1, Reply::Page(Page::Denied));
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn meaning(outcome: Option<Callback>) -> String {
        match outcome {
            Some(Callback::Code(c)) => format!("code {c}"),
            Some(Callback::Refused(_)) => "refused".into(),
            Some(Callback::Foreign) => "foreign".into(),
            None => "nothing".into(),
        }
    }

    #[test]
    fn only_a_redirect_with_our_state_answers_the_login() {
        // (target, status, what it means for the login)
        for (target, status, outcome) in [
            ("/callback?code=c&state=s3cret", "200 OK", "code c"),
            ("/callback?code=c&state=wrong", "400 Bad Request", "foreign"),
            ("/callback?code=c&state=s3cre", "400 Bad Request", "foreign"),
            ("/callback?code=c", "400 Bad Request", "foreign"),
            (
                "/callback?error=access_denied&state=x",
                "400 Bad Request",
                "foreign",
            ),
            (
                "/callback?error=access_denied&state=s3cret",
                "200 OK",
                "refused",
            ),
            ("/callback?state=s3cret", "400 Bad Request", "refused"),
            ("/favicon.ico", "404 Not Found", "nothing"),
        ] {
            let (got, _, outcome_got) = judge(&get(target), LOCAL, &want());
            assert_eq!(
                (got, meaning(outcome_got).as_str()),
                (status, outcome),
                "{target}"
            );
        }
    }

    #[test]
    fn each_outcome_has_its_page() {
        for (target, page) in [
            ("/callback?code=c&state=s3cret", Page::Success),
            ("/callback?error=access_denied&state=s3cret", Page::Denied),
            ("/callback?error=server_error&state=s3cret", Page::Error),
            ("/callback?state=s3cret", Page::Error),
            ("/callback?code=c&state=nope", Page::WrongState),
        ] {
            let (_, reply, _) = judge(&get(target), LOCAL, &want());
            assert_eq!(reply, Reply::Page(page), "{target}");
        }
        let late = Expected {
            late: true,
            ..want()
        };
        let (status, reply, outcome) = judge(&get("/callback?code=c&state=s3cret"), LOCAL, &late);
        assert_eq!((status, reply), ("410 Gone", Reply::Page(Page::Timeout)));
        assert!(outcome.is_none());
    }

    #[test]
    fn a_login_is_answered_once() {
        let want = want();
        let ok = get("/callback?code=c&state=s3cret");
        assert_eq!(meaning(judge(&ok, LOCAL, &want).2), "code c");
        let (status, reply, outcome) = judge(&ok, LOCAL, &want);
        assert_eq!(status, "409 Conflict");
        assert!(matches!(reply, Reply::Refusal(_)));
        assert!(outcome.is_none());
    }

    #[test]
    fn only_this_machine_and_our_host_are_answered() {
        let ok = "/callback?code=c&state=s3cret";
        let elsewhere: IpAddr = "192.0.2.7".parse().unwrap();
        let (status, _, outcome) = judge(&get(ok), elsewhere, &want());
        assert_eq!(
            (status, meaning(outcome).as_str()),
            ("403 Forbidden", "nothing")
        );
        for host in [
            Some("evil.example:4242"),
            Some("localhost.evil.example"),
            Some("127.0.0.1:4243"),
            Some("127.0.0.1"),
            None,
        ] {
            let req = Request {
                host: host.map(str::to_owned),
                ..get(ok)
            };
            let (status, reply, outcome) = judge(&req, LOCAL, &want());
            assert_eq!(status, "403 Forbidden", "{host:?}");
            assert!(matches!(reply, Reply::Refusal(_)), "{host:?}");
            assert!(outcome.is_none(), "{host:?}");
        }
        let post = Request {
            method: "POST".into(),
            ..get(ok)
        };
        assert_eq!(judge(&post, LOCAL, &want()).0, "405 Method Not Allowed");
    }

    #[test]
    fn a_request_head_is_parsed_not_guessed() {
        let head = b"GET /callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1:4242\r\n\r\n";
        let req = parse_request(head).unwrap();
        assert!(req.body.is_empty());
        assert_eq!(
            (
                req.method.as_str(),
                req.target.as_str(),
                req.host.as_deref()
            ),
            ("GET", "/callback?code=c&state=s", Some("127.0.0.1:4242"))
        );
        let two = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nHost: evil\r\n\r\n";
        assert_eq!(parse_request(two).unwrap().host, None);
        assert!(parse_request(b"GET / HTTP/1.1\r\nHost: x\r\n").is_none());
        assert!(parse_request(b"garbage\r\n\r\n").is_none());
        let post = b"POST /callback HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\ncode=c&";
        let req = parse_request(post).unwrap();
        assert_eq!(
            (req.content_length, req.body.as_slice()),
            (Some(7), &b"code=c&"[..])
        );
    }
}
