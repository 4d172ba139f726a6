//! TOTP (RFC 6238): parsing what a site hands out — an `otpauth://totp/…` URI or a base32
//! secret — into a normalized `otpauth://` URI that sigil stores as the account's `totp`
//! field, and computing codes from it. The HMAC and the URI format are totp-rs's.

use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use totp_rs::{Algorithm, Builder, Totp, TotpError};
use zeroize::Zeroizing;

/// The field a TOTP seed is stored in when the address names none.
pub const FIELD: &str = "totp";

/// The shortest secret accepted, in bytes. RFC 4226 asks for 128 bits, but many sites still
/// hand out 80-bit secrets (16 base32 characters), which authenticator apps accept; anything
/// shorter is a typo or a truncated copy, not a seed.
const MIN_SECRET: usize = 10;

/// What to tell a user whose input was refused.
const FORMS: &str = "give the otpauth://totp/… URI that the site's QR code holds (or `--qr-image FILE` with a screenshot of it), or the base32 secret it shows (letters A–Z and digits 2–7; spaces and dashes are ignored)";

/// A TOTP generator. Its Debug output names the parameters, never the secret.
pub struct Otp(Totp);

impl std::fmt::Debug for Otp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Otp")
            .field("algorithm", &self.algorithm())
            .field("digits", &self.digits())
            .field("period", &self.period())
            .finish_non_exhaustive()
    }
}

fn refused(message: impl Into<String>) -> Error {
    Error::UsageHelp {
        message: message.into(),
        help: FORMS.into(),
    }
}

/// A base32 secret as people copy it (spaces, dashes, lower case, `=` padding) in the form
/// the decoder takes: upper case, nothing else.
fn clean_base32(text: &str) -> Zeroizing<String> {
    Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
            .trim_end_matches('=')
            .to_owned(),
    )
}

/// An `otpauth://` URI as Google Authenticator's key-URI format and the common apps accept it:
/// the scheme, the type and the parameter names in any case, the secret with padding, spaces
/// or lower case. Returns it in the form the TOTP library parses (lower-case type and names,
/// a clean secret); refusals name what is wrong, never the secret.
fn normalize_uri(input: &str) -> Result<Zeroizing<String>> {
    let mut url = url::Url::parse(input)
        .map_err(|e| refused(format!("the otpauth:// URI is malformed: {e}")))?;
    let kind = url.host_str().unwrap_or("").to_ascii_lowercase();
    match kind.as_str() {
        "totp" => {}
        "hotp" => {
            return Err(refused(
                "this is an HOTP (counter-based) URI; sigil makes TOTP (time-based) codes only",
            ));
        }
        _ => {
            return Err(refused(
                "the otpauth:// URI is not for 'totp' (after otpauth://): sigil makes TOTP codes only",
            ));
        }
    }
    url.set_host(Some("totp"))
        .map_err(|e| refused(format!("the otpauth:// URI is malformed: {e}")))?;
    let pairs: Vec<(String, Zeroizing<String>)> = url
        .query_pairs()
        .map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let v = if k == "secret" {
                clean_base32(&v)
            } else {
                Zeroizing::new(v.into_owned())
            };
            (k, v)
        })
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(Zeroizing::new(url.into()))
}

impl Otp {
    /// Parses what a user gives for `addr`: an `otpauth://totp/…` URI or a base32 secret.
    /// A base32 secret gets the RFC 6238 defaults (SHA1, 6 digits, 30 s) and the address
    /// as its label; a URI without a label gets the address too. Errors never quote the
    /// secret.
    pub fn parse(input: &str, addr: &FieldAddress) -> Result<Otp> {
        let input = input.trim();
        if input.is_empty() {
            return Err(refused("no TOTP secret given: the input was empty"));
        }
        let lower = input.get(..14).unwrap_or(input).to_ascii_lowercase();
        if lower.starts_with("otpauth://hotp") {
            return Err(refused(
                "this is an HOTP (counter-based) URI; sigil makes TOTP (time-based) codes only",
            ));
        }
        let totp = if lower.starts_with("otpauth://") {
            let uri = normalize_uri(input)?;
            let mut totp = Totp::from_url_unchecked(uri.as_str()).map_err(uri_error)?;
            if totp.account_name().is_empty() {
                let mut b = builder_from(&totp);
                b = b.with_account_name(addr.account());
                if totp.issuer().is_none() {
                    b = b.with_issuer(Some(addr.service()));
                }
                totp = b.build_noncompliant();
            }
            totp
        } else if input.contains("://") {
            return Err(refused(
                "this is not an otpauth:// URI: a TOTP URI starts with otpauth://totp/",
            ));
        } else {
            let cleaned = clean_base32(input);
            let secret = totp_rs::Secret::try_from_base32(cleaned.as_str()).map_err(|_| {
                refused("the TOTP secret is not valid base32 (letters A–Z and digits 2–7)")
            })?;
            Builder::new()
                .with_secret(secret)
                .with_issuer(Some(addr.service()))
                .with_account_name(addr.account())
                .build_noncompliant()
        };
        let otp = Otp(totp);
        otp.validate()?;
        Ok(otp)
    }

    /// Reads a stored seed back (the normalized URI that `sigil add --totp` wrote).
    /// (Kept below [`Otp::parse`], which it goes through.)
    pub fn from_stored(addr: &FieldAddress, value: &Secret) -> Result<Otp> {
        let not_totp = || Error::UsageHelp {
            message: format!("'{addr}' does not hold a TOTP seed"),
            help: format!("store one with `sigil add {addr} --totp --force`"),
        };
        let text = value.expose_str().ok_or_else(not_totp)?;
        if !text
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("otpauth://")
        {
            return Err(not_totp());
        }
        Otp::parse(text, addr).map_err(|e| Error::UsageHelp {
            message: format!("'{addr}' does not hold a valid TOTP seed: {e}"),
            help: format!("store it again with `sigil add {addr} --totp --force`"),
        })
    }

    fn validate(&self) -> Result<()> {
        let t = &self.0;
        match t.algorithm() {
            Algorithm::SHA1 | Algorithm::SHA256 | Algorithm::SHA512 => {}
            #[allow(unreachable_patterns)]
            other => {
                return Err(refused(format!(
                    "the algorithm '{other}' is not supported: use SHA1, SHA256 or SHA512"
                )));
            }
        }
        if !(6..=8).contains(&t.digits()) {
            return Err(refused(format!(
                "a TOTP code has 6, 7 or 8 digits, not {}",
                t.digits()
            )));
        }
        if t.step() == 0 {
            return Err(refused("the period must be at least 1 second, not 0"));
        }
        let bytes = t.secret().as_bytes().len();
        if bytes == 0 {
            return Err(refused("the otpauth:// URI has no secret"));
        }
        if bytes < MIN_SECRET {
            return Err(refused(format!(
                "the TOTP secret is too short ({} bits; a seed has at least 80): was it copied whole?",
                bytes * 8
            )));
        }
        if t.issuer().is_some_and(|i| i.contains(':')) {
            return Err(refused("the issuer of the otpauth:// URI contains ':'"));
        }
        // The label `issuer:account` splits at its first ':'; another one leaves the account
        // with a ':' that the URI writer then refuses (quoting the label), so the seed could
        // be parsed but never stored.
        if t.account_name().contains(':') {
            return Err(refused(
                "the account name in the label of the otpauth:// URI contains ':'",
            ));
        }
        Ok(())
    }

    /// The normalized `otpauth://totp/ISSUER:ACCOUNT?secret=…` URI that sigil stores and
    /// `sigil otp --qr` shows.
    pub fn uri(&self) -> Result<Secret> {
        let uri = Zeroizing::new(self.0.to_url().map_err(|e| {
            Error::other(
                format!("cannot write the otpauth:// URI: {}", lower(&e)),
                None,
            )
        })?);
        Ok(Secret::new(uri.as_bytes().to_vec()))
    }

    /// The code valid at `unix` seconds, zero-padded to its digits.
    pub fn code_at(&self, unix: u64) -> Zeroizing<String> {
        Zeroizing::new(self.0.generate(unix).to_string())
    }

    /// How many seconds the code valid at `unix` has left.
    pub fn seconds_left(&self, unix: u64) -> u64 {
        self.0.next_step(unix) - unix
    }

    /// `SHA1`, `SHA256` or `SHA512`.
    pub fn algorithm(&self) -> &'static str {
        match self.0.algorithm() {
            Algorithm::SHA256 => "SHA256",
            Algorithm::SHA512 => "SHA512",
            _ => "SHA1",
        }
    }

    /// How many digits a code has.
    pub fn digits(&self) -> u8 {
        self.0.digits()
    }

    /// How many seconds a code lasts.
    pub fn period(&self) -> u64 {
        self.0.step()
    }
}

/// A builder holding everything of `t` (to fill in a missing label).
fn builder_from(t: &Totp) -> Builder {
    Builder::new()
        .with_algorithm(t.algorithm())
        .with_digits(t.digits())
        .with_step_duration(t.step())
        .with_secret(t.secret().clone())
        .with_issuer(t.issuer())
}

/// The current time in Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// totp-rs's message, lower-cased at the start as sigil's messages are.
fn lower(e: &TotpError) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => s,
    }
}

/// What a URI that totp-rs refused gets told: the parameter at fault and the kind of
/// problem. totp-rs's own messages quote the offending text (the host, the digits, the
/// issuer), which in a pasted URI can be the secret itself, so none of them is passed on.
fn uri_error(e: TotpError) -> Error {
    refused(match e {
        // url's messages are fixed phrases ("invalid port number"); they never quote input.
        TotpError::UrlParse(p) => format!("the otpauth:// URI is malformed: {p}"),
        TotpError::InvalidScheme { .. } => "the URI does not start with otpauth://".to_owned(),
        TotpError::InvalidHost { .. } => {
            "the otpauth:// URI is not for 'totp' (after otpauth://): sigil makes TOTP codes only"
                .to_owned()
        }
        TotpError::InvalidSecret => {
            "the secret= of the otpauth:// URI is not valid base32 (letters A–Z and digits 2–7)"
                .to_owned()
        }
        TotpError::SecretNotSet => "the otpauth:// URI has no secret= parameter".to_owned(),
        TotpError::InvalidAlgorithm { .. } => {
            "the algorithm= of the otpauth:// URI is not supported: use SHA1, SHA256 or SHA512"
                .to_owned()
        }
        TotpError::DigitsParse { .. } => {
            "the digits= of the otpauth:// URI is not a number".to_owned()
        }
        TotpError::StepParse { .. } => {
            "the period= of the otpauth:// URI is not a number".to_owned()
        }
        TotpError::InvalidAccountName { .. } => {
            "the account name in the label of the otpauth:// URI contains ':'".to_owned()
        }
        TotpError::AccountNameDecode { .. } => {
            "the account name in the label of the otpauth:// URI is not valid percent-encoded UTF-8"
                .to_owned()
        }
        TotpError::InvalidIssuer { .. } => {
            "the issuer of the otpauth:// URI contains ':'".to_owned()
        }
        TotpError::IssuerDecode { .. } => {
            "the issuer in the label of the otpauth:// URI is not valid percent-encoded UTF-8"
                .to_owned()
        }
        TotpError::IssuerMismatch { .. } => {
            "the issuer in the label and the issuer= of the otpauth:// URI differ".to_owned()
        }
        // Numbers only: no input text.
        e @ (TotpError::InvalidDigits { .. }
        | TotpError::InvalidStepZero
        | TotpError::SecretTooShort { .. }) => {
            format!("the otpauth:// URI is not valid: {}", lower(&e))
        }
        _ => "the otpauth:// URI is not valid".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> FieldAddress {
        "github/me/totp".parse().unwrap()
    }

    fn b32(seed: &[u8]) -> String {
        totp_rs::Secret::from(seed.to_vec()).to_base32()
    }

    /// RFC 6238 Appendix B: 8 digits, 30 s, the ASCII seeds of the reference implementation.
    #[test]
    fn rfc6238_test_vectors() {
        let sha1 = b32(b"12345678901234567890");
        let sha256 = b32(b"12345678901234567890123456789012");
        let sha512 = b32(b"1234567890123456789012345678901234567890123456789012345678901234");
        let vectors: [(u64, [&str; 3]); 6] = [
            (59, ["94287082", "46119246", "90693936"]),
            (1111111109, ["07081804", "68084774", "25091201"]),
            (1111111111, ["14050471", "67062674", "99943326"]),
            (1234567890, ["89005924", "91819424", "93441116"]),
            (2000000000, ["69279037", "90698825", "38618901"]),
            (20000000000, ["65353130", "77737706", "47863826"]),
        ];
        let otps: Vec<Otp> = [("SHA1", &sha1), ("SHA256", &sha256), ("SHA512", &sha512)]
            .iter()
            .map(|(alg, secret)| {
                let uri = format!(
                    "otpauth://totp/RFC:6238?secret={secret}&digits=8&algorithm={alg}&period=30"
                );
                Otp::parse(&uri, &addr()).unwrap()
            })
            .collect();
        for (t, want) in vectors {
            for (otp, want) in otps.iter().zip(want) {
                assert_eq!(otp.code_at(t).as_str(), want, "{} at {t}", otp.algorithm());
            }
        }
    }

    #[test]
    fn base32_gets_defaults_and_a_label_and_normalizes() {
        let otp = Otp::parse("jbsw y3dp-ehpk 3pxp\n", &addr()).unwrap();
        assert_eq!(
            (otp.algorithm(), otp.digits(), otp.period()),
            ("SHA1", 6, 30)
        );
        let uri = otp.uri().unwrap();
        assert_eq!(
            uri.expose_str().unwrap(),
            "otpauth://totp/github:me?secret=JBSWY3DPEHPK3PXP&issuer=github"
        );
        // The stored URI reads back to the same codes.
        let back = Otp::from_stored(&addr(), &uri).unwrap();
        assert_eq!(back.code_at(1_000_000), otp.code_at(1_000_000));
        assert_eq!(otp.seconds_left(59), 1);
        assert_eq!(otp.seconds_left(60), 30);
    }

    #[test]
    fn uri_parameters_survive_normalization() {
        let otp = Otp::parse(
            "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA256&digits=7&period=60",
            &addr(),
        )
        .unwrap();
        let uri = otp.uri().unwrap();
        let again = Otp::parse(uri.expose_str().unwrap(), &addr()).unwrap();
        assert_eq!(
            (again.algorithm(), again.digits(), again.period()),
            ("SHA256", 7, 60)
        );
        assert_eq!(again.code_at(1234), otp.code_at(1234));
        assert!(format!("{otp:?}").contains("SHA256"));
        assert!(!format!("{otp:?}").contains("GEZDG"));
    }

    /// What authenticator apps accept: padding, a lower-case secret, the scheme, type and
    /// parameter names in upper case. All give the same codes as the plain form.
    #[test]
    fn uris_are_taken_as_the_common_apps_take_them() {
        let plain = Otp::parse(
            "otpauth://totp/ACME:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY&issuer=ACME",
            &addr(),
        )
        .unwrap();
        for form in [
            "otpauth://totp/ACME:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY======&issuer=ACME",
            "otpauth://totp/ACME:me?secret=gezdgnbvgy3tqojqgezdgnbvgy&issuer=ACME",
            "OTPAUTH://TOTP/ACME:me?SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY&ISSUER=ACME",
            "otpauth://TOTP/ACME:me?Secret=gezd%20gnbv%20gy3t%20qojq%20gezd%20gnbv%20gy&issuer=ACME",
        ] {
            let otp = Otp::parse(form, &addr()).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(
                otp.code_at(59).as_str(),
                plain.code_at(59).as_str(),
                "{form}"
            );
            assert_eq!(otp.uri().unwrap().expose(), plain.uri().unwrap().expose());
        }
        let e = Otp::parse(
            "OTPAUTH://HOTP/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY",
            &addr(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("HOTP"), "{e}");
    }

    /// Found by the `otpauth` fuzz target: a label with two ':' parsed, but its URI could
    /// not be written, so `sigil add --totp` failed after accepting it, quoting the label.
    #[test]
    fn a_label_with_a_second_colon_is_refused_when_parsed() {
        for uri in [
            "otpauth://totp/E://totp/Example:alice?secret=JBSWY3DPEHPK3PXP",
            "otpauth://totp/Issuer:me:you?secret=JBSWY3DPEHPK3PXP&issuer=Issuer",
        ] {
            let e = Otp::parse(uri, &addr()).unwrap_err().to_string();
            assert!(e.contains("account name"), "{uri}: {e}");
            assert!(!e.contains("alice") && !e.contains("you"), "{e}");
        }
        let ok = Otp::parse("otpauth://totp/Issuer:me?secret=JBSWY3DPEHPK3PXP", &addr()).unwrap();
        assert!(ok.uri().is_ok());
    }

    #[test]
    fn bad_input_is_refused_without_quoting_the_secret() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for bad in [
            String::new(),
            "hunter2!!".into(),
            "JBSWY3DP".into(),
            format!("otpauth://hotp/x?secret={secret}&counter=1"),
            format!("https://example.com/?secret={secret}"),
            format!("otpauth://totp/x?secret={secret}&algorithm=MD5"),
            format!("otpauth://totp/x?secret={secret}&digits=9"),
            format!("otpauth://totp/x?secret={secret}&digits=5"),
            format!("otpauth://totp/x?secret={secret}&period=0"),
            format!("otpauth://totp/x?secret={secret}&period=soon"),
            format!("otpauth://totp/x?secret={secret}1"),
            "otpauth://totp/x?digits=6".into(),
        ] {
            let e = Otp::parse(&bad, &addr()).unwrap_err();
            assert_eq!(
                e.class(),
                crate::model::error::ExitClass::Usage,
                "{bad}: {e}"
            );
            assert!(!e.to_string().contains(secret), "{e}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }
}
