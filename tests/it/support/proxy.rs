//! A loopback proxy in front of a real server that fails chosen requests on purpose: a
//! connection reset, no answer in time, or an answer of its own (429, 503, with or without
//! `Retry-After`), by the request's path and its index among the requests for that path ("the
//! first two requests to /token get a 503"). Every request it sees is recorded with the time it
//! arrived. Plain std threads on 127.0.0.1; each connection carries one request.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the proxy does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Closes the connection with the request unread, so the kernel resets it: the server
    /// never sees the request.
    Reset,
    /// Reads the request and answers nothing for this long, then closes the connection; the
    /// server never sees the request.
    Silence(Duration),
    /// Answers this status itself, with this `Retry-After` when given; the server never sees
    /// the request.
    Status(u16, Option<String>),
    /// Passes the request on to the server, then closes the connection without its answer: the
    /// server acted on a request whose answer the client never gets.
    LoseAnswer,
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path, without the query.
    pub path: String,
    /// When its first bytes arrived.
    pub at: Instant,
}

/// The proxy, serving until the test process ends.
pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// The faults for a path: the n-th request to `path` meets `faults[n]`, later ones pass.
pub type Plan = Vec<(&'static str, Vec<Fault>)>;

impl Proxy {
    /// A proxy to the server on 127.0.0.1:`upstream`. A discovery document passed on has the
    /// server's origin replaced with the proxy's, so that it names the proxy as its issuer and
    /// sends the client back through it.
    pub fn start(upstream: u16, plan: Plan) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let plan = Arc::new(plan);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, plan) = (log.clone(), plan.clone());
                std::thread::spawn(move || serve(stream, upstream, port, &plan, &log));
            }
        });
        Proxy { port, seen }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests to `path` so far, in order.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }
}

/// The path of a request line (`POST /token?x HTTP/1.1` → `/token`).
fn path_of(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let line = text.split("\r\n").next()?;
    let target = line.split_whitespace().nth(1)?;
    Some(target.split('?').next().unwrap_or(target).to_owned())
}

fn serve(
    mut client: TcpStream,
    upstream: u16,
    own: u16,
    plan: &[(&'static str, Vec<Fault>)],
    log: &Mutex<Vec<Seen>>,
) {
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The request line is looked at without reading it, so that a reset can leave it unread.
    let mut peeked = vec![0u8; 4096];
    let at = Instant::now();
    let path = loop {
        let n = client.peek(&mut peeked).unwrap_or(0);
        if n == 0 {
            return;
        }
        if peeked[..n].windows(2).any(|w| w == b"\r\n") {
            break path_of(&peeked[..n]).unwrap_or_default();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let fault = {
        let mut log = log.lock().unwrap();
        let index = log.iter().filter(|s| s.path == path).count();
        let fault = plan
            .iter()
            .find(|(p, _)| *p == path)
            .and_then(|(_, faults)| faults.get(index).cloned());
        log.push(Seen {
            path: path.clone(),
            at,
        });
        fault
    };
    if let Some(Fault::Reset) = fault {
        // Unread data in the receive queue makes the close a reset (RST), not a FIN.
        drop(client);
        return;
    }
    let Some(request) = read_request(&mut client) else {
        return;
    };
    match fault {
        Some(Fault::Silence(d)) => std::thread::sleep(d),
        Some(Fault::Status(status, retry_after)) => {
            let body = "{\"error\":\"temporarily_unavailable\"}";
            let after = retry_after
                .map(|v| format!("Retry-After: {v}\r\n"))
                .unwrap_or_default();
            let _ = write!(
                client,
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{after}\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Some(Fault::LoseAnswer) => {
            let _ = relay(&request, upstream, None);
        }
        Some(Fault::Reset) | None => {
            let own = (path == DISCOVERY).then_some(own);
            if let Some(answer) = relay(&request, upstream, own) {
                let _ = client.write_all(&answer);
            }
        }
    }
}

/// Reads one request: its head and a body of its `Content-Length`.
fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + length {
        let n = client.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// The path of an OpenID discovery document.
pub const DISCOVERY: &str = "/.well-known/openid-configuration";

/// Sends `request` to the server as HTTP/1.0 (so its answer is not chunked and ends with the
/// connection) and returns the answer, with the server's origin replaced by the proxy's on
/// port `own` when given.
fn relay(request: &[u8], upstream: u16, own: Option<u16>) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines: Vec<String> = head
        .split("\r\n")
        .filter(|h| {
            !h.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        })
        .map(str::to_owned)
        .collect();
    lines[0] = lines[0].replacen("HTTP/1.1", "HTTP/1.0", 1);
    lines.push("Connection: close".to_owned());
    let mut server = TcpStream::connect(("127.0.0.1", upstream)).ok()?;
    server
        .write_all(format!("{}\r\n\r\n{body}", lines.join("\r\n")).as_bytes())
        .ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let body = match own {
        Some(own) => body.replace(
            &format!("http://127.0.0.1:{upstream}"),
            &format!("http://127.0.0.1:{own}"),
        ),
        None => body.to_owned(),
    };
    let head: Vec<String> = head
        .split("\r\n")
        .map(|h| match h.split_once(':') {
            Some((k, _)) if k.eq_ignore_ascii_case("content-length") => {
                format!("Content-Length: {}", body.len())
            }
            _ => h.to_owned(),
        })
        .collect();
    Some(format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes())
}
