//! Checks of the user guides against the code they describe, run by `cargo test -p xtask`:
//! a page in `docs/providers/` for every provider of the built-in OAuth catalogue and none
//! for a provider it lacks, each stating the redirect URI, scopes and flows the catalogue
//! gives.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the workspace")
            .to_owned()
    }

    // -----------------------------------------------------------------------------------------
    // provider pages
    // -----------------------------------------------------------------------------------------

    /// The built-in catalogue, parsed as the data it is.
    fn catalogue() -> BTreeMap<String, toml::Table> {
        let path = root().join("src/ops/oauth/providers.toml");
        toml::from_str(&fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The directory of the provider pages.
    fn pages_dir() -> PathBuf {
        root().join("docs/providers")
    }

    /// The provider pages by provider key (`github` for `github.md`), README.md aside.
    fn pages() -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in fs::read_dir(pages_dir()).unwrap().flatten() {
            let p = e.path();
            let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if p.extension().is_some_and(|x| x == "md") && stem != "README" {
                out.insert(stem.to_owned(), fs::read_to_string(&p).unwrap());
            }
        }
        out
    }

    /// A loopback URL a page states: its host as written, its port (`None` when it has none;
    /// a placeholder like `<port>` is kept as written) and its path.
    #[derive(Debug, PartialEq, Eq)]
    struct Loopback {
        host: String,
        port: Option<String>,
        path: String,
    }

    /// Every `http://` URL on a loopback host in `page`: `127.0.0.1`, `localhost` or `[::1]`.
    fn loopback_urls(page: &str) -> Vec<Loopback> {
        let mut out = Vec::new();
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let start = format!("http://{host}");
            for (at, _) in page.match_indices(&start) {
                let mut rest = &page[at + start.len()..];
                // A port written as a placeholder (`<port>`, `<that port>`) may hold spaces.
                let port = match rest.strip_prefix(':') {
                    Some(r) if r.starts_with('<') => {
                        let cut = r.find('>').map_or(r.len(), |i| i + 1);
                        rest = &r[cut..];
                        Some(r[..cut].to_owned())
                    }
                    Some(r) => {
                        let cut = r
                            .find(|c: char| !c.is_ascii_alphanumeric())
                            .unwrap_or(r.len());
                        rest = &r[cut..];
                        Some(r[..cut].to_owned())
                    }
                    None => None,
                };
                let end = rest
                    .find(|c: char| c.is_whitespace() || "`)\"',|".contains(c))
                    .unwrap_or(rest.len());
                let path = rest[..end].trim_end_matches(['.', ':', ';']);
                out.push(Loopback {
                    host: host.to_owned(),
                    port,
                    path: path.to_owned(),
                });
            }
        }
        out
    }

    /// What is wrong with provider `key`'s page against its catalogue entry: its redirect
    /// URIs, scopes, flows and login command.
    fn page_problems(key: &str, entry: &toml::Table, page: &str) -> Vec<String> {
        let mut out = Vec::new();
        let strings = |name: &str| -> Vec<String> {
            entry
                .get(name)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let flows = strings("flows");
        let port = entry.get("redirect_port").and_then(|p| p.as_integer());
        let urls = loopback_urls(page);
        // What sigil listens on: flows::pkce binds 127.0.0.1 and serves /callback.
        for u in &urls {
            // A placeholder (`<port>`) is a port the reader chooses, with `redirect_port`.
            let placeholder = u.port.as_ref().is_some_and(|q| q.starts_with('<'));
            let port_ok = placeholder
                || match (port, &u.port) {
                    (Some(p), Some(q)) => *q == p.to_string(),
                    (Some(_), None) => false,
                    // Without a redirect_port the port is picked at run time: a page writes
                    // the URI without one (or with a placeholder), never with a number.
                    (None, Some(_)) => false,
                    (None, None) => true,
                };
            if u.host != "127.0.0.1" || u.path != "/callback" || !port_ok {
                let want = match port {
                    Some(p) => format!("http://127.0.0.1:{p}/callback"),
                    None => "http://127.0.0.1/callback (any port: no number)".to_owned(),
                };
                out.push(format!(
                    "states the redirect URI http://{}{}{}, but sigil listens on {want}",
                    u.host,
                    u.port.as_ref().map(|p| format!(":{p}")).unwrap_or_default(),
                    u.path
                ));
            }
        }
        if flows.iter().any(|f| f == "pkce") && urls.is_empty() {
            out.push("states no redirect URI for the pkce flow".to_owned());
        }
        for scope in strings("scopes") {
            if !page.contains(&format!("`{scope}`")) {
                out.push(format!("does not name the default scope `{scope}`"));
            }
        }
        for flow in ["pkce", "device", "client-credentials"] {
            let listed = flows.iter().any(|f| f == flow);
            if listed && !page.contains(&format!("`{flow}`")) {
                out.push(format!("does not name the flow `{flow}`"));
            }
            if !listed && page.contains(&format!("--flow {flow}")) {
                out.push(format!(
                    "uses --flow {flow}, which the catalogue does not list"
                ));
            }
        }
        match flows.as_slice() {
            [only] if !page.contains(&format!("`{only}` only")) => {
                out.push(format!("does not say `{only}` only"));
            }
            [first, _, ..] if !page.contains(&format!("`{first}` (the default)")) => {
                out.push(format!("does not say `{first}` (the default)"));
            }
            _ => {}
        }
        if !page.contains(&format!("sigil login {key}/")) {
            out.push(format!("has no `sigil login {key}/…` command"));
        }
        out
    }

    /// Every provider of the catalogue has a page in docs/providers/, listed in its README.md,
    /// every page is a provider's, and each agrees with the catalogue.
    #[test]
    fn every_catalogue_provider_has_a_page_that_agrees_with_it() {
        let catalogue = catalogue();
        let pages = pages();
        let index = fs::read_to_string(pages_dir().join("README.md")).unwrap();
        assert!(
            catalogue.len() >= 13,
            "the catalogue parsed to {catalogue:?}"
        );
        let mut found = Vec::new();
        for (key, entry) in &catalogue {
            let Some(page) = pages.get(key) else {
                found.push(format!(
                    "docs/providers/{key}.md is missing (catalogue entry `{key}`)"
                ));
                continue;
            };
            if !index.contains(&format!("({key}.md)")) {
                found.push(format!("docs/providers/README.md does not link {key}.md"));
            }
            for p in page_problems(key, entry, page) {
                found.push(format!("docs/providers/{key}.md {p}"));
            }
        }
        for key in pages.keys().filter(|k| !catalogue.contains_key(*k)) {
            found.push(format!(
                "docs/providers/{key}.md is for no catalogue entry (src/ops/oauth/providers.toml)"
            ));
        }
        assert!(found.is_empty(), "provider pages:\n{}", found.join("\n"));
    }

    #[test]
    fn page_checks_catch_a_wrong_port_host_path_and_scope() {
        let entry: toml::Table = toml::from_str(
            "flows = [\"pkce\", \"device\"]\nscopes = [\"a\"]\nredirect_port = 8888\n",
        )
        .unwrap();
        let good = "`pkce` (the default), `device`; `a`; `http://127.0.0.1:8888/callback`; \
                    sigil login p/me";
        assert_eq!(page_problems("p", &entry, good), Vec::<String>::new());
        for bad in [
            "http://127.0.0.1:8889/callback",
            "http://localhost:8888/callback",
            "http://127.0.0.1:8888/cb",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:8888/callback/",
        ] {
            let page = good.replace("http://127.0.0.1:8888/callback", bad);
            assert_eq!(page_problems("p", &entry, &page).len(), 1, "{bad}");
        }
        let page = good.replace("`a`", "a");
        assert_eq!(page_problems("p", &entry, &page).len(), 1);
        let any: toml::Table = toml::from_str("flows = [\"pkce\"]").unwrap();
        let page = "`pkce` only; sigil login q/me; ";
        for (url, problems) in [
            ("`http://127.0.0.1/callback`", 0),
            ("`http://127.0.0.1:<port>/callback`", 0),
            ("`http://127.0.0.1:<that port>/callback`", 0),
            ("`http://127.0.0.1`", 1),
            ("`http://127.0.0.1:53682/callback`", 1),
            ("", 1),
        ] {
            let text = format!("{page}{url}");
            assert_eq!(page_problems("q", &any, &text).len(), problems, "{url}");
        }
    }
}
