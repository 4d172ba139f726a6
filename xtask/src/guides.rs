//! Checks of the user guides against the code they describe, run by `cargo test -p xtask`:
//! a page in `docs/providers/` for every provider of the built-in OAuth catalogue and none
//! for a provider it lacks, each stating the redirect URI, scopes and flows the catalogue
//! gives; and every `help:` line sigil can print written in `docs/troubleshooting.md`.
//!
//! # Where help lines come from
//!
//! `exit::report` prints the one `help:` line of an error, `Error::help()`. Its text is written
//! in `src/` in one of four places, which `help_lines` (below) reads with `syn`:
//!
//! 1. the value of a field named `help` in a struct expression (`Error::UsageHelp { help: … }`,
//!    `Error::Auth { help: Some(…), … }`, and the like);
//! 2. the second argument of `Error::other(message, help)`;
//! 3. the body of a method or function named `help` (the domain errors' `help()`, which
//!    `Error::help` calls);
//! 4. the argument given for a parameter named `help` of a free function of the crate or of a
//!    closure bound by `let` (`refuse(rule, help)` in the policy check).
//!
//! Unit tests (`#[cfg(test)] mod tests`) are not read: what they build is never printed.
//!
//! In such an expression the help texts are its string literals and the format strings of its
//! `format!` calls (a format's arguments are what fills its placeholders, not texts of their
//! own), found through `Some(…)`, `.into()` and other method receivers, `if`/`match` branches,
//! closures, a local `let` the expression names, a `const` it names, and a free function of the
//! crate it calls (`login_hint`, `hint_for`). What it cannot trace (a value passed in, a
//! binding of a `match` pattern) is skipped: its parts are checked where they are written.
//! Text appended to a help later (`help.push_str(…)`) is not checked.
//!
//! A format string's placeholders (`{key}`, `{}`) stand for any text, so the guide may show
//! them filled with an example; the fixed parts must all be on one line of the guide, in order.

#[cfg(test)]
mod tests {
    use crate::tidy::tests::{root, rust_files};
    use std::collections::{BTreeMap, BTreeSet};
    use std::fs;
    use std::path::PathBuf;
    use syn::punctuated::Punctuated;
    use syn::visit::Visit;
    use syn::{Expr, Lit, Stmt};

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

    // -----------------------------------------------------------------------------------------
    // help lines
    // -----------------------------------------------------------------------------------------

    /// A help text as written: a plain literal, or a format string whose placeholders stand for
    /// any text.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct HelpText {
        /// Where it is written (`src/…`, and the function).
        at: String,
        /// The literal's value.
        text: String,
        /// Whether it is a `format!` string.
        template: bool,
    }

    impl HelpText {
        /// The fixed parts, in order: the whole text of a plain literal, or a format string cut
        /// at its placeholders (`{{` and `}}` standing for braces).
        fn pieces(&self) -> Vec<String> {
            if !self.template {
                return vec![self.text.clone()];
            }
            let mut pieces = vec![String::new()];
            let mut chars = self.text.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '{' if chars.peek() == Some(&'{') => {
                        chars.next();
                        pieces.last_mut().unwrap().push('{');
                    }
                    '}' if chars.peek() == Some(&'}') => {
                        chars.next();
                        pieces.last_mut().unwrap().push('}');
                    }
                    '{' => {
                        for c in chars.by_ref() {
                            if c == '}' {
                                break;
                            }
                        }
                        pieces.push(String::new());
                    }
                    c => pieces.last_mut().unwrap().push(c),
                }
            }
            pieces.retain(|p| !p.is_empty());
            pieces
        }

        /// Whether some line of `guide` holds every fixed part, in order.
        fn is_in(&self, guide: &str) -> bool {
            let pieces = self.pieces();
            guide.lines().any(|line| {
                let mut rest = line;
                pieces.iter().all(|p| match rest.find(p.as_str()) {
                    Some(at) => {
                        rest = &rest[at + p.len()..];
                        true
                    }
                    None => false,
                })
            })
        }
    }

    /// What the crate defines that a help expression may name: free functions and string
    /// constants, by name.
    #[derive(Default)]
    struct Defs {
        fns: BTreeMap<String, syn::Block>,
        consts: BTreeMap<String, Expr>,
        /// The place of the parameter named `help` of a free function that has one.
        help_params: BTreeMap<String, usize>,
    }

    /// The place of a parameter named `help`.
    fn help_param<'p>(params: impl Iterator<Item = &'p syn::Pat>) -> Option<usize> {
        params
            .enumerate()
            .find(|(_, p)| {
                let p = match p {
                    syn::Pat::Type(t) => &*t.pat,
                    p => p,
                };
                matches!(p, syn::Pat::Ident(i) if i.ident == "help")
            })
            .map(|(i, _)| i)
    }

    impl<'a> Visit<'a> for Defs {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            let name = f.sig.ident.to_string();
            let params = f.sig.inputs.iter().filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some(&*t.pat),
                syn::FnArg::Receiver(_) => None,
            });
            if let Some(i) = help_param(params) {
                self.help_params.insert(name.clone(), i);
            }
            self.fns.insert(name, (*f.block).clone());
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
            self.consts.insert(c.ident.to_string(), (*c.expr).clone());
        }
        fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
            if !is_test_module(m) {
                syn::visit::visit_item_mod(self, m);
            }
        }
    }

    /// `#[cfg(test)] mod tests`: unit tests build errors too, but never for a person to read.
    fn is_test_module(m: &syn::ItemMod) -> bool {
        m.attrs.iter().any(|a| {
            a.path().is_ident("cfg")
                && a.meta
                    .require_list()
                    .is_ok_and(|l| l.tokens.to_string() == "test")
        })
    }

    /// The `let NAME = EXPR` bindings of a function body, by name, with the place of NAME in a
    /// tuple pattern (`let (message, help) = match …`).
    #[derive(Default)]
    struct Lets(BTreeMap<String, (Expr, Option<usize>)>);

    impl<'a> Visit<'a> for Lets {
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let Some(init) = &l.init {
                let init = (*init.expr).clone();
                match &l.pat {
                    syn::Pat::Ident(p) => {
                        self.0.insert(p.ident.to_string(), (init, None));
                    }
                    syn::Pat::Tuple(t) => {
                        for (i, p) in t.elems.iter().enumerate() {
                            if let syn::Pat::Ident(p) = p {
                                self.0.insert(p.ident.to_string(), (init.clone(), Some(i)));
                            }
                        }
                    }
                    _ => {}
                }
            }
            syn::visit::visit_local(self, l);
        }
    }

    /// Collects the help texts of one file.
    struct Finder<'d> {
        defs: &'d Defs,
        file: String,
        /// The function being read, and its `let` bindings.
        func: String,
        lets: BTreeMap<String, (Expr, Option<usize>)>,
        /// The element wanted of the tuple the expression being read ends in, when it was named
        /// by a tuple pattern.
        element: Option<usize>,
        /// Names already followed for the current site (a `let` or function reached twice, or
        /// naming itself, is read once).
        followed: BTreeSet<String>,
        found: Vec<HelpText>,
    }

    impl Finder<'_> {
        fn text(&mut self, text: String, template: bool) {
            self.found.push(HelpText {
                at: format!("{} ({})", self.file, self.func),
                text,
                template,
            });
        }

        /// The help texts of a help expression (see the module's documentation).
        fn collect(&mut self, e: &Expr) {
            match e {
                Expr::Lit(l) => {
                    if let Lit::Str(s) = &l.lit {
                        self.text(s.value(), false);
                    }
                }
                Expr::Macro(m) => {
                    let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
                    if matches!(name.as_deref(), Some("format" | "format_args")) {
                        let args = m
                            .mac
                            .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated);
                        if let Some(Expr::Lit(l)) = args.ok().and_then(|a| a.into_iter().next())
                            && let Lit::Str(s) = &l.lit
                        {
                            self.text(s.value(), true);
                        }
                    }
                }
                Expr::Call(c) => {
                    let callee = match &*c.func {
                        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                        _ => None,
                    };
                    // A closure bound by `let` (`let hint = || login_hint(…)`) is read as its
                    // body.
                    if let Some(name) = &callee
                        && let Some((init, _)) = self.lets.get(name).cloned()
                    {
                        if self.followed.insert(format!("let {name}")) {
                            self.collect(&init);
                        }
                        return;
                    }
                    match callee.and_then(|n| self.defs.fns.get(&n).map(|b| (n, b.clone()))) {
                        Some((name, body)) => {
                            if self.followed.insert(format!("fn {name}")) {
                                self.block(&body);
                            }
                        }
                        None => c.args.iter().for_each(|a| self.collect(a)),
                    }
                }
                Expr::MethodCall(m) => {
                    self.collect(&m.receiver);
                    let method = m.method.to_string();
                    if matches!(method.as_str(), "unwrap_or" | "unwrap_or_else" | "or_else") {
                        m.args.iter().for_each(|a| self.collect(a));
                    }
                }
                Expr::Path(p) => {
                    let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                        return;
                    };
                    if let Some((init, element)) = self.lets.get(&name).cloned() {
                        if self.followed.insert(format!("let {name}")) {
                            let outer = std::mem::replace(&mut self.element, element);
                            self.collect(&init);
                            self.element = outer;
                        }
                    } else if let Some(value) = self.defs.consts.get(&name).cloned()
                        && self.followed.insert(format!("const {name}"))
                    {
                        self.collect(&value);
                    }
                }
                Expr::If(i) => {
                    self.block(&i.then_branch);
                    if let Some((_, other)) = &i.else_branch {
                        self.collect(other);
                    }
                }
                Expr::Tuple(t) => {
                    if let Some(e) = self.element.and_then(|i| t.elems.iter().nth(i)) {
                        let outer = self.element.take();
                        self.collect(e);
                        self.element = outer;
                    }
                }
                Expr::Match(m) => m.arms.iter().for_each(|a| self.collect(&a.body)),
                Expr::Block(b) => self.block(&b.block),
                Expr::Closure(c) => self.collect(&c.body),
                Expr::Paren(p) => self.collect(&p.expr),
                Expr::Group(g) => self.collect(&g.expr),
                Expr::Reference(r) => self.collect(&r.expr),
                Expr::Return(r) => {
                    if let Some(e) = &r.expr {
                        self.collect(e);
                    }
                }
                _ => {}
            }
        }

        /// The texts a block can end with: its tail expression, and what it returns early.
        fn block(&mut self, b: &syn::Block) {
            for s in &b.stmts {
                match s {
                    Stmt::Expr(e, None) => self.collect(e),
                    Stmt::Expr(Expr::Return(r), _) => {
                        if let Some(e) = &r.expr {
                            self.collect(e);
                        }
                    }
                    _ => {}
                }
            }
        }

        /// Reads one help site.
        fn site(&mut self, e: &Expr) {
            self.followed.clear();
            self.collect(e);
        }

        fn enter_fn(
            &mut self,
            name: &syn::Ident,
            body: &syn::Block,
        ) -> (String, BTreeMap<String, (Expr, Option<usize>)>) {
            let mut lets = Lets::default();
            lets.visit_block(body);
            let saved = (
                std::mem::replace(&mut self.func, name.to_string()),
                std::mem::replace(&mut self.lets, lets.0),
            );
            if name == "help" {
                self.followed.clear();
                self.block(body);
            }
            saved
        }
    }

    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            let saved = self.enter_fn(&f.sig.ident, &f.block);
            syn::visit::visit_item_fn(self, f);
            (self.func, self.lets) = saved;
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            let saved = self.enter_fn(&f.sig.ident, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
            (self.func, self.lets) = saved;
        }
        fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
            if !is_test_module(m) {
                syn::visit::visit_item_mod(self, m);
            }
        }
        fn visit_expr_struct(&mut self, s: &'a syn::ExprStruct) {
            for f in &s.fields {
                if matches!(&f.member, syn::Member::Named(n) if n == "help") {
                    self.site(&f.expr);
                }
            }
            syn::visit::visit_expr_struct(self, s);
        }
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let names: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let last = names.last().cloned().unwrap_or_default();
                let help_at = if names.ends_with(&["Error".to_owned(), "other".to_owned()]) {
                    Some(1)
                } else if names.len() == 1
                    && let Some((Expr::Closure(f), _)) = self.lets.get(&last)
                {
                    help_param(f.inputs.iter())
                } else {
                    self.defs.help_params.get(&last).copied()
                };
                if let Some(arg) = help_at.and_then(|i| c.args.iter().nth(i)) {
                    self.site(arg);
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }

    /// Every help text written in `src/`, by the rule in the module's documentation, in source
    /// order, each once.
    fn help_lines() -> Vec<HelpText> {
        let src = root().join("src");
        let files: Vec<(String, syn::File)> = rust_files(&src)
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(root()).unwrap().to_string_lossy();
                let rel = rel.replace('\\', "/");
                let text = fs::read_to_string(&p).unwrap();
                let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
                (rel, ast)
            })
            .collect();
        help_lines_in(&files)
    }

    /// The help texts of `files` (path, parsed file), by the rule in the module's
    /// documentation, each once.
    fn help_lines_in(files: &[(String, syn::File)]) -> Vec<HelpText> {
        let mut defs = Defs::default();
        for (_, ast) in files {
            defs.visit_file(ast);
        }
        let mut out: Vec<HelpText> = Vec::new();
        for (rel, ast) in files {
            let mut f = Finder {
                defs: &defs,
                file: rel.clone(),
                func: String::new(),
                lets: BTreeMap::new(),
                element: None,
                followed: BTreeSet::new(),
                found: Vec::new(),
            };
            f.visit_file(ast);
            for h in f.found {
                if !out
                    .iter()
                    .any(|o| o.text == h.text && o.template == h.template)
                {
                    out.push(h);
                }
            }
        }
        out
    }

    /// Every help line sigil can print is in docs/troubleshooting.md, so that a person who
    /// meets one finds what it means there.
    #[test]
    fn every_help_line_is_in_the_troubleshooting_guide() {
        let lines = help_lines();
        // An extraction that finds nothing, or misses the help of the errors everyone meets,
        // means the rule no longer matches the code: the check would pass for nothing.
        assert!(
            !lines.is_empty(),
            "no help line found in src/: the rule is broken"
        );
        for known in [
            "pass --force to replace it",
            "run `sigil init` to create one, or set SIGIL_IDENTITY_FILE to an age identity file",
        ] {
            assert!(
                lines.iter().any(|h| h.text == known),
                "the help line {known:?} was not found in src/: the rule is broken"
            );
        }
        let guide = fs::read_to_string(root().join("docs/troubleshooting.md")).unwrap();
        let missing: Vec<String> = lines
            .iter()
            .filter(|h| !h.is_in(&guide))
            .map(|h| {
                let how = if h.template {
                    " ({…} is a placeholder: write an example or <…>)"
                } else {
                    ""
                };
                format!("  {}{how}:\n    help: {}", h.at, h.text)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "docs/troubleshooting.md lacks {} of the {} help lines sigil can print; add each \
             on one line (in a text block, as sigil prints it), under the error it belongs to:\n{}",
            missing.len(),
            lines.len(),
            missing.join("\n")
        );
    }

    /// Each way of writing a help that the module's documentation lists is found, and
    /// nothing else is taken for one.
    #[test]
    fn the_rule_finds_help_written_each_way() {
        let code = r#"
            const ADVICE: &str = "from a const";
            fn hint(x: &str) -> String { format!("from a function {x}") }
            fn refuse(what: &str, help: &str) -> Error { Error::Refused { message: what.into(), help: Some(help.into()) } }
            impl E {
                fn help(&self) -> Option<String> {
                    match self { E::A => Some("from help()".into()), E::B => None }
                }
            }
            fn f(p: &P) -> Result<()> {
                let said = format!("a message {}", p.key);
                let (message, help) = match p.x { 1 => (said, Some(format!("from a tuple {}", 1))), _ => (said, None) };
                let later = || hint("y");
                let deny = |rule: String, help: String| Error::Refused { message: rule, help: Some(help) };
                let _ = Error::Auth { message, help };
                let _ = Error::Other { message: "not help".into(), help: Some(later()) };
                let _ = Error::other("not help", Some(ADVICE.to_owned()));
                let _ = Error::UsageHelp { message: "m".into(), help: if p.y { "from if".into() } else { "from else".into() } };
                let _ = refuse("not help", "from a parameter");
                let _ = deny("not help".into(), format!("from a closure's parameter {}", 2));
                let _ = Error::UsageHelp { message: "m".into(), help: format!("{} fills {}", p.a, "not help either") };
                Ok(())
            }
            #[cfg(test)]
            mod tests { fn t() { let _ = Error::other("m", Some("from a test".into())); } }
        "#;
        let file = syn::parse_file(code).unwrap();
        let found: Vec<String> = help_lines_in(&[("x.rs".into(), file)])
            .into_iter()
            .map(|h| h.text)
            .collect();
        let mut found = found;
        found.sort();
        assert_eq!(
            found,
            [
                "from a closure's parameter {}",
                "from a const",
                "from a function {x}",
                "from a parameter",
                "from a tuple {}",
                "from else",
                "from help()",
                "from if",
                "{} fills {}",
            ]
        );
    }

    #[test]
    fn a_template_matches_a_line_with_its_placeholders_filled() {
        let t = |text: &str| HelpText {
            at: String::new(),
            text: text.into(),
            template: true,
        };
        let h = t("log in again: `sigil login {account} --provider {p} --force`");
        assert!(h.is_in("help: log in again: `sigil login github/me --provider github --force`"));
        assert!(!h.is_in("help: log in again: `sigil login github/me --force`"));
        assert!(!h.is_in("help: log in again:\n`sigil login a --provider b --force`"));
        assert!(t("{{literal}} {x}").is_in("{literal} anything"));
        let plain = HelpText {
            at: String::new(),
            text: "keys: {issuer}".into(),
            template: false,
        };
        assert!(plain.is_in("help: keys: {issuer}"));
        assert!(!plain.is_in("help: keys: issuer"));
    }
}
