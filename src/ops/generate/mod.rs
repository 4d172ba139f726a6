//! Generating secrets: random passwords over a character set, optionally required to contain
//! some character classes, and diceware passphrases from the EFF large word list.
//!
//! Every choice is uniform: characters and words are drawn with `rand`'s `Uniform`, which
//! rejects the raw values that would make some choices likelier than others (no modulo
//! bias), from the operating system's generator (`OsRng`). A `--require` rule is met by
//! drawing whole candidates again until one satisfies it, so the result stays uniform among
//! the strings that satisfy the rule.
//!
//! The word list (`eff_large_wordlist.txt`, 7,776 words, one per line after its five dice
//! digits) is the Electronic Frontier Foundation's, published at
//! <https://www.eff.org/dice> under the Creative Commons Attribution 3.0 United States
//! licence (CC BY 3.0 US).

use crate::model::error::Error;
use crate::model::secret::Secret;
use rand::Rng;
use rand::distributions::{Distribution, Uniform};

/// The EFF large word list as published: `11111\tabacus` to `66666\tzoom`.
const EFF_LARGE_WORDLIST: &str = include_str!("eff_large_wordlist.txt");

/// The ASCII punctuation characters, what password policies call symbols.
const SYMBOLS: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The longest password and the most words generated: far beyond any policy, and small
/// enough that a typo (`--length 1000000`) is an error rather than a megabyte secret.
pub const MAX_LENGTH: usize = 1024;
/// See [`MAX_LENGTH`].
pub const MAX_WORDS: usize = 64;

/// How many candidates a `--require` rule may reject before giving up: a rule that can be
/// met at all is met within a few hundred draws for any charset and length allowed here
/// save pathological ones, which are better reported than looped on.
const MAX_ATTEMPTS: usize = 1_000_000;

/// Why nothing could be generated. Each is bad usage.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GenerateError {
    /// `--charset` names a class that does not exist.
    #[error(
        "unknown character class '{0}' (expected alnum, alpha, upper, lower, digits, hex, symbols, or chars:SET)"
    )]
    UnknownClass(String),
    /// An explicit set with a character that is not printable ASCII.
    #[error("the character set may only hold printable ASCII characters, not '{0}'")]
    BadChar(char),
    /// A set of fewer than two characters generates nothing secret.
    #[error("the character set '{0}' has fewer than two characters")]
    TooSmall(String),
    /// `--require` names a class that does not exist.
    #[error("unknown required class '{0}' (expected upper, lower, digit or symbol)")]
    UnknownRequired(String),
    /// A required class with no character in the set.
    #[error("the character set has no '{0}' characters to require")]
    AbsentClass(&'static str),
    /// Fewer characters than required classes.
    #[error("a length of {length} cannot hold the {classes} required classes")]
    TooShort {
        /// The length asked for.
        length: usize,
        /// How many classes are required.
        classes: usize,
    },
    /// A length or word count of zero or beyond the maximum.
    #[error("'{what}' must be between 1 and {max}, not {value}")]
    OutOfRange {
        /// `--length` or `--words`.
        what: &'static str,
        /// The largest allowed.
        max: usize,
        /// What was asked for.
        value: usize,
    },
    /// A rule that candidate after candidate failed.
    #[error("no password met the required classes after {0} attempts")]
    Unmet(usize),
}

impl From<GenerateError> for Error {
    fn from(e: GenerateError) -> Error {
        Error::Usage(e.to_string())
    }
}

/// A character class a password policy can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `A`–`Z`.
    Upper,
    /// `a`–`z`.
    Lower,
    /// `0`–`9`.
    Digit,
    /// ASCII punctuation: the 32 printable characters that are neither letters, digits nor
    /// space.
    Symbol,
}

impl Class {
    /// The class by the name `--require` gives it.
    pub fn parse(name: &str) -> Result<Class, GenerateError> {
        match name.trim() {
            "upper" => Ok(Class::Upper),
            "lower" => Ok(Class::Lower),
            "digit" | "digits" => Ok(Class::Digit),
            "symbol" | "symbols" => Ok(Class::Symbol),
            other => Err(GenerateError::UnknownRequired(other.to_string())),
        }
    }

    /// A comma-separated list of classes, each once.
    pub fn parse_list(list: &str) -> Result<Vec<Class>, GenerateError> {
        let mut out = Vec::new();
        for name in list.split(',').filter(|n| !n.trim().is_empty()) {
            let c = Class::parse(name)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn name(self) -> &'static str {
        match self {
            Class::Upper => "upper",
            Class::Lower => "lower",
            Class::Digit => "digit",
            Class::Symbol => "symbol",
        }
    }

    fn contains(self, b: u8) -> bool {
        match self {
            Class::Upper => b.is_ascii_uppercase(),
            Class::Lower => b.is_ascii_lowercase(),
            Class::Digit => b.is_ascii_digit(),
            Class::Symbol => b.is_ascii_punctuation(),
        }
    }
}

/// The characters a password is drawn from: printable ASCII, each once, in ASCII order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charset(Vec<u8>);

impl Default for Charset {
    /// Letters, digits and symbols: 94 characters, 6.55 bits each.
    fn default() -> Charset {
        Charset::parse("alnum,symbols").expect("the default parses")
    }
}

impl Charset {
    /// A set from class names joined by `,` or `+` (`alnum`, `alpha`, `upper`, `lower`,
    /// `digits`, `hex`, `symbols`) and explicit sets written `chars:SET`, which come last
    /// since a set may hold a comma.
    pub fn parse(spec: &str) -> Result<Charset, GenerateError> {
        let (names, explicit) = match spec.split_once("chars:") {
            Some((names, set)) => (names, set),
            None => (spec, ""),
        };
        let mut bytes: Vec<u8> = Vec::new();
        for name in names.split([',', '+']).filter(|n| !n.trim().is_empty()) {
            bytes.extend_from_slice(class_chars(name.trim())?.as_bytes());
        }
        for c in explicit.chars() {
            if !c.is_ascii_graphic() && c != ' ' {
                return Err(GenerateError::BadChar(c));
            }
            bytes.push(c as u8);
        }
        bytes.sort_unstable();
        bytes.dedup();
        if bytes.len() < 2 {
            return Err(GenerateError::TooSmall(spec.to_string()));
        }
        Ok(Charset(bytes))
    }

    /// The same set without symbols (`--no-symbols`).
    pub fn without_symbols(mut self) -> Result<Charset, GenerateError> {
        self.0.retain(|b| !b.is_ascii_punctuation());
        if self.0.len() < 2 {
            return Err(GenerateError::TooSmall("without symbols".to_string()));
        }
        Ok(self)
    }

    /// How many characters it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entropy of one character drawn from it, in bits.
    pub fn bits_per_char(&self) -> f64 {
        (self.0.len() as f64).log2()
    }
}

/// The characters of the class `name` in `--charset`.
fn class_chars(name: &str) -> Result<&'static str, GenerateError> {
    Ok(match name {
        "alnum" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "alpha" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "upper" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "lower" => "abcdefghijklmnopqrstuvwxyz",
        "digits" | "digit" => "0123456789",
        "hex" => "0123456789abcdef",
        "symbols" | "symbol" => SYMBOLS,
        other => return Err(GenerateError::UnknownClass(other.to_string())),
    })
}

/// A password: `length` characters from `charset`, drawn again as a whole until it holds
/// a character of each `required` class.
pub fn password<R: Rng + ?Sized>(
    rng: &mut R,
    charset: &Charset,
    length: usize,
    required: &[Class],
) -> Result<Secret, GenerateError> {
    in_range("--length", length, MAX_LENGTH)?;
    for class in required {
        if !charset.0.iter().any(|&b| class.contains(b)) {
            return Err(GenerateError::AbsentClass(class.name()));
        }
    }
    if length < required.len() {
        return Err(GenerateError::TooShort {
            length,
            classes: required.len(),
        });
    }
    let pick = Uniform::new(0, charset.len());
    for _ in 0..MAX_ATTEMPTS {
        let candidate: Vec<u8> = (0..length).map(|_| charset.0[pick.sample(rng)]).collect();
        let candidate = Secret::new(candidate);
        if required
            .iter()
            .all(|c| candidate.expose().iter().any(|&b| c.contains(b)))
        {
            return Ok(candidate);
        }
    }
    Err(GenerateError::Unmet(MAX_ATTEMPTS))
}

/// A passphrase: `words` words of the EFF large list joined by `separator`.
pub fn passphrase<R: Rng + ?Sized>(
    rng: &mut R,
    words: usize,
    separator: &str,
) -> Result<Secret, GenerateError> {
    in_range("--words", words, MAX_WORDS)?;
    let list = word_list();
    let pick = Uniform::new(0, list.len());
    let chosen: Vec<&str> = (0..words).map(|_| list[pick.sample(rng)]).collect();
    Ok(Secret::from(chosen.join(separator)))
}

/// The words of the EFF large list, in its order.
pub fn word_list() -> Vec<&'static str> {
    EFF_LARGE_WORDLIST
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, w)| w))
        .collect()
}

/// The entropy of one word of the list, in bits (12.92).
pub fn bits_per_word() -> f64 {
    (word_list().len() as f64).log2()
}

fn in_range(what: &'static str, value: usize, max: usize) -> Result<(), GenerateError> {
    if value == 0 || value > max {
        return Err(GenerateError::OutOfRange { what, max, value });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
