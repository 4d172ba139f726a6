//! The pages the loopback listener shows in the browser at the end of a login, and the plain
//! refusals it gives everything that is not the redirect. Each page is self-contained: no
//! script, no external resource, and nothing from the redirect (its code or state) in it.
#![deny(clippy::arithmetic_side_effects)]

/// The headers every answer carries. The policy allows the page's own inline style and
/// nothing else, so even text that slipped into a page could not run or load anything; no
/// Referer leaves with a link followed from it; nothing of it is cached.
pub(crate) const SECURITY_HEADERS: &str = "Content-Security-Policy: default-src 'none'; \
style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n\
Referrer-Policy: no-referrer\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
X-Frame-Options: DENY\r\n";

/// One style for all pages, readable in light and dark mode.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:3em auto;max-width:38em;\
padding:0 1em;line-height:1.5;color:#1b1b1b;background:#fafafa}\
h1{font-size:1.6em}code{font-family:ui-monospace,monospace;background:#e8e8e8;padding:0 .3em}\
.ok{color:#11663a}.bad{color:#a1161b}\
@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#161616}\
code{background:#2e2e2e}.ok{color:#6fd99a}.bad{color:#ff8a8a}}";

/// A page sigil's listener shows at the end of a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    /// The code came back: sigil goes on in the terminal.
    Success,
    /// The person denied the request at the provider.
    Denied,
    /// The provider answered with another error, or without a code.
    Error,
    /// The redirect did not carry the state sigil sent.
    WrongState,
    /// The redirect came after sigil stopped waiting.
    Timeout,
}

impl Page {
    /// The page's HTML.
    pub(crate) fn html(self) -> String {
        let again = "<p>Return to the terminal and run <code>sigil login</code> again.</p>";
        let (title, class, heading, body) = match self {
            Page::Success => (
                "logged in",
                "ok",
                "Logged in",
                "<p>sigil has the authorization. You can close this tab and return to the \
terminal.</p>"
                    .to_owned(),
            ),
            Page::Denied => (
                "login denied",
                "bad",
                "Login denied",
                format!(
                    "<p>The request was denied at the provider. Nothing was stored.</p>{again}"
                ),
            ),
            Page::Error => (
                "login failed",
                "bad",
                "Login failed",
                format!(
                    "<p>The provider did not grant the authorization. Nothing was stored; the \
terminal says why.</p>{again}"
                ),
            ),
            Page::WrongState => (
                "refused",
                "bad",
                "Refused",
                "<p>This answer did not carry the state sigil sent, so it was refused.</p>\
<p>sigil is still waiting for the login it started: finish it in the tab sigil opened, or \
return to the terminal, press Ctrl-C and run <code>sigil login</code> again.</p>"
                    .to_owned(),
            ),
            Page::Timeout => (
                "login timed out",
                "bad",
                "Too late",
                format!(
                    "<p>sigil stopped waiting for this login before the answer came. Nothing \
was stored.</p>{again}<p>(<code>--timeout</code> gives more time.)</p>"
                ),
            ),
        };
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"color-scheme\" content=\"light dark\">\
<title>sigil: {title}</title><style>{STYLE}</style></head>\
<body><h1 class=\"{class}\">{heading}</h1>{body}</body></html>\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_snapshot() {
        for (name, page) in [
            ("success", Page::Success),
            ("denied", Page::Denied),
            ("error", Page::Error),
            ("wrong_state", Page::WrongState),
            ("timeout", Page::Timeout),
        ] {
            insta::assert_snapshot!(format!("page_{name}"), page.html());
        }
    }

    #[test]
    fn pages_load_nothing_and_run_nothing() {
        for page in [
            Page::Success,
            Page::Denied,
            Page::Error,
            Page::WrongState,
            Page::Timeout,
        ] {
            let html = page.html().to_lowercase();
            for banned in [
                "<script", "src=", "href=", "url(", "@import", "http:", "https:",
            ] {
                assert!(!html.contains(banned), "{page:?} has {banned}");
            }
            assert!(html.contains("prefers-color-scheme:dark"), "{page:?}");
            if page != Page::Success {
                assert!(html.contains("sigil login"), "{page:?} names no next step");
            }
        }
    }
}
