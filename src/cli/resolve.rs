//! `sigil resolve`: print the values of references, or render a template that holds them.

use super::out;
use crate::model::error::{Error, Result};
use crate::ops::reference::{Resolver, located, render_into};
use clap::Parser;
use std::path::PathBuf;

/// Resolve auth:// references, or render a template that holds them
#[derive(Debug, Parser)]
#[command(
    name = "sigil-resolve",
    version,
    about = "Resolve auth:// references, or render a template that holds them",
    long_about = "With REF arguments, print each value on its own line. With -i, render a \
template: every {{ auth://service/account[/field] }} is replaced by its value, and so is the \
value of a dotenv line (NAME=auth://…) that is exactly a reference; ref+<backend>://… \
references are resolved by an installed `vals`. Each distinct secret is read once. Nothing is \
written unless every reference resolves; -o writes the file atomically with mode 0600.",
    after_help = "Examples:\n  sigil resolve auth://github/me\n  sigil resolve -i config.tmpl -o config.yml\n  sigil resolve -i .env.tmpl > .env"
)]
pub struct Args {
    /// References to print, one value per line (auth://… or service/account[/field])
    #[arg(value_name = "REF", conflicts_with = "input")]
    pub refs: Vec<String>,
    /// The template to render (`-` for stdin, the default without REF)
    #[arg(short = 'i', long = "input", value_name = "TEMPLATE")]
    pub input: Option<PathBuf>,
    /// Where to write the rendered template (default: stdout)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil resolve`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args
        .backend
        .open()?
        .for_use(crate::model::policy::Use::Resolve);
    let mut resolver = Resolver::new(&sigil);
    if !args.refs.is_empty() {
        if args.output.is_some() {
            return Err(Error::Usage(
                "-o goes with -i TEMPLATE, not with REF arguments".into(),
            ));
        }
        // All or nothing: resolve everything before printing anything.
        let mut text = zeroize::Zeroizing::new(Vec::new());
        for (i, r) in args.refs.iter().enumerate() {
            let secret = resolver
                .resolve_text(r)
                .map_err(|e| located(r, format!("argument {}", i + 1), e))?;
            text.extend_from_slice(secret.expose());
            text.push(b'\n');
        }
        return out(&text);
    }
    let (template, origin) = match args.input.as_deref() {
        None => (read_stdin()?, "<stdin>".to_owned()),
        Some(p) if p.as_os_str() == "-" => (read_stdin()?, "<stdin>".to_owned()),
        Some(p) => {
            let text =
                crate::fsutil::read_capped_string(p, crate::fsutil::Input::Text).map_err(|e| {
                    Error::reading(format!("cannot read the template '{}'", p.display()), e)
                })?;
            (zeroize::Zeroizing::new(text), p.display().to_string())
        }
    };
    // All or nothing: every reference is resolved before anything is written; the second
    // pass streams the output from the resolver's copies.
    render_into(&template, &origin, &mut resolver, &mut |_| Ok(()))?;
    let mut write = |w: &mut dyn std::io::Write| {
        render_into(&template, &origin, &mut resolver, &mut |piece| {
            w.write_all(piece.as_bytes()).map_err(Error::Output)
        })
    };
    match args.output {
        None => {
            let mut o = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut o)?;
            std::io::Write::flush(&mut o).map_err(Error::Output)
        }
        Some(path) => {
            let path = std::path::absolute(&path)
                .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))?;
            let mut result = Ok(());
            let written = crate::fsutil::write_atomic(&path, |f| {
                let mut w = std::io::BufWriter::new(f);
                result = write(&mut w);
                match &result {
                    Ok(()) => std::io::Write::flush(&mut w),
                    // The real error is kept in `result`; this only stops the rename.
                    Err(_) => Err(std::io::Error::other("rendering failed")),
                }
            });
            result.and(written)
        }
    }
}

fn read_stdin() -> Result<zeroize::Zeroizing<String>> {
    let bytes = zeroize::Zeroizing::new(
        crate::fsutil::read_capped_from(std::io::stdin().lock(), crate::fsutil::Input::Text)
            .map_err(|e| Error::io("cannot read the template from stdin", e))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::Usage("the template on stdin is not UTF-8 text".into()))?;
    Ok(zeroize::Zeroizing::new(text.to_owned()))
}
