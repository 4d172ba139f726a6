//! `sigil add --totp` and `sigil otp`: codes checked against a second implementation (the
//! real `oathtool`), a QR screenshot read back, the terminal QR code decoded again, bad seeds
//! refused with clear errors, and a multi-line field kept byte for byte. (The RFC 6238 test
//! vectors are unit tests in src/model/otp.rs: they need fixed times.)

use crate::support::*;
use std::process::Command as Std;

/// An 160-bit secret in base32 (the RFC 6238 SHA1 seed).
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn oathtool(args: &[&str]) -> String {
    need("oathtool");
    let out = Std::new("oathtool").args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn otp_json(s: &Sandbox, addr: &str) -> serde_json::Value {
    let out = s.cmd("sigil-otp").args([addr, "--json"]).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// sigil's code and oathtool's for the same moment: both are read between two oathtool
/// runs that agree, so a period boundary in between cannot make the test flaky.
fn agree(s: &Sandbox, addr: &str, oath: &[&str]) {
    for _ in 0..3 {
        let before = oathtool(oath);
        let doc = otp_json(s, addr);
        let after = oathtool(oath);
        if before == after {
            assert_eq!(doc["code"], before.as_str(), "{doc}");
            let left = doc["seconds_left"].as_u64().unwrap();
            assert!(
                left >= 1 && left <= doc["period"].as_u64().unwrap(),
                "{doc}"
            );
            return;
        }
    }
    panic!("the period changed three times in a row");
}

#[test]
fn codes_match_oathtool_for_a_base32_secret_and_for_uris() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil-add")
        .args(["github/me", "--totp"])
        .write_stdin("gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n")
        .assert()
        .success();
    insta::assert_snapshot!(stderr(out.get_output()), @"stored the TOTP seed 'github/me/totp' in the file store (SHA1, 6 digits, every 30 s); `sigil otp github/me` prints the code");
    agree(&s, "github/me", &["--totp", "-b", SEED]);
    // The plain output is the code alone.
    let plain = s.cmd("sigil-otp").arg("github/me").assert().success();
    let plain = String::from_utf8(plain.get_output().stdout.clone()).unwrap();
    assert!(
        plain.len() == 7 && plain.ends_with('\n') && plain[..6].bytes().all(|b| b.is_ascii_digit()),
        "{plain:?}"
    );

    for (addr, uri, oath) in [
        (
            "acme/sha256",
            format!(
                "otpauth://totp/ACME:alice@example.com?secret={SEED}&issuer=ACME&algorithm=SHA256&digits=8&period=60"
            ),
            vec![
                "--totp=sha256",
                "--digits=8",
                "--time-step-size=60s",
                "-b",
                SEED,
            ],
        ),
        (
            "acme/sha512",
            format!("otpauth://totp/x?secret={SEED}&algorithm=SHA512&digits=7&period=45"),
            vec![
                "--totp=sha512",
                "--digits=7",
                "--time-step-size=45s",
                "-b",
                SEED,
            ],
        ),
    ] {
        s.cmd("sigil-add")
            .args([addr, "--totp"])
            .write_stdin(uri)
            .assert()
            .success();
        agree(&s, addr, &oath);
    }
    // The kind of a new account is totp.
    let list = s.cmd("sigil-list").arg("--json").assert().success();
    let text = String::from_utf8_lossy(&list.get_output().stdout).into_owned();
    assert!(text.contains("\"totp\""), "{text}");
}

/// URIs as authenticator apps take them: `=` padding, a lower-case secret, an upper-case
/// scheme, type and parameter names. Each gives oathtool's codes.
#[test]
fn uris_in_every_common_spelling_give_oathtools_codes() {
    let s = Sandbox::init();
    let lower = SEED.to_ascii_lowercase();
    for (addr, uri) in [
        (
            "pad/me",
            format!("otpauth://totp/ACME:me?secret={SEED}======&issuer=ACME"),
        ),
        (
            "lower/me",
            format!("otpauth://totp/ACME:me?secret={lower}&issuer=ACME"),
        ),
        (
            "upper/me",
            format!("OTPAUTH://TOTP/ACME:me?SECRET={SEED}&ISSUER=ACME"),
        ),
    ] {
        let out = s
            .cmd("sigil-add")
            .args([addr, "--totp"])
            .write_stdin(uri.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{uri}: {}", stderr(&out));
        agree(&s, addr, &["--totp", "-b", SEED]);
    }
}

#[test]
fn bad_uris_and_secrets_each_get_a_clear_error() {
    let s = Sandbox::init();
    let mut report = String::new();
    for input in [
        "".to_owned(),
        "not base32!".to_owned(),
        "JBSWY3DP".to_owned(),
        "https://example.com/setup".to_owned(),
        format!("otpauth://hotp/x?secret={SEED}&counter=0"),
        "otpauth://totp/x?issuer=ACME".to_owned(),
        "otpauth://totp/x?secret=11111111".to_owned(),
        format!("otpauth://totp/x?secret={SEED}&algorithm=MD5"),
        format!("otpauth://totp/x?secret={SEED}&digits=10"),
        format!("otpauth://totp/x?secret={SEED}&digits=six"),
        format!("otpauth://totp/x?secret={SEED}&period=0"),
        format!("otpauth://totp/A:x?secret={SEED}&issuer=B"),
    ] {
        let out = s
            .cmd("sigil-add")
            .args(["bad/x", "--totp"])
            .write_stdin(input.clone())
            .assert()
            .code(2);
        let err = stderr(out.get_output());
        assert!(!err.contains(SEED), "the secret is never echoed: {err}");
        let first = err.lines().next().unwrap_or_default();
        report.push_str(&format!("{:?}\n  {first}\n", input.replace(SEED, "SEED")));
    }
    assert!(!s.home.join("store/bad").exists());
    insta::assert_snapshot!(report, @r#"
    ""
      sigil-add: error: no secret given: the input was empty
    "not base32!"
      sigil-add: error: the TOTP secret is not valid base32 (letters A–Z and digits 2–7)
    "JBSWY3DP"
      sigil-add: error: the TOTP secret is too short (40 bits; a seed has at least 80): was it copied whole?
    "https://example.com/setup"
      sigil-add: error: this is not an otpauth:// URI: a TOTP URI starts with otpauth://totp/
    "otpauth://hotp/x?secret=SEED&counter=0"
      sigil-add: error: this is an HOTP (counter-based) URI; sigil makes TOTP (time-based) codes only
    "otpauth://totp/x?issuer=ACME"
      sigil-add: error: the otpauth:// URI has no secret= parameter
    "otpauth://totp/x?secret=11111111"
      sigil-add: error: the secret= of the otpauth:// URI is not valid base32 (letters A–Z and digits 2–7)
    "otpauth://totp/x?secret=SEED&algorithm=MD5"
      sigil-add: error: the algorithm= of the otpauth:// URI is not supported: use SHA1, SHA256 or SHA512
    "otpauth://totp/x?secret=SEED&digits=10"
      sigil-add: error: a TOTP code has 6, 7 or 8 digits, not 10
    "otpauth://totp/x?secret=SEED&digits=six"
      sigil-add: error: the digits= of the otpauth:// URI is not a number
    "otpauth://totp/x?secret=SEED&period=0"
      sigil-add: error: the period must be at least 1 second, not 0
    "otpauth://totp/A:x?secret=SEED&issuer=B"
      sigil-add: error: the issuer in the label and the issuer= of the otpauth:// URI differ
    "#);
    // The help line says what is accepted.
    let out = s
        .cmd("sigil-add")
        .args(["bad/x", "--totp"])
        .write_stdin("!!")
        .assert()
        .code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-add: error: the TOTP secret is not valid base32 (letters A–Z and digits 2–7)
    help: give the otpauth://totp/… URI that the site's QR code holds (or `--qr-image FILE` with a screenshot of it), or the base32 secret it shows (letters A–Z and digits 2–7; spaces and dashes are ignored)
    ");
}

#[test]
fn otp_of_something_that_is_not_a_seed() {
    let s = Sandbox::init();
    s.add("github/me/password", b"hunter2");
    let out = s
        .cmd("sigil-otp")
        .arg("github/me/password")
        .assert()
        .code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-otp: error: 'github/me/password' does not hold a TOTP seed
    help: store one with `sigil add github/me/password --totp --force`
    ");
    let out = s.cmd("sigil-otp").arg("github/me").assert().code(3);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-otp: error: 'github/me/totp' not found: 'github/me' has no TOTP seed
    help: store one with `sigil add github/me --totp` (an otpauth:// URI, a base32 secret, or --qr-image FILE)
    ");
}

/// Draws `text` as a QR code into a PNG, as a website's setup page would show it.
fn qr_png(text: &str, path: &std::path::Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let width = code.width();
    let colors = code.to_colors();
    let (scale, quiet) = (6u32, 4u32);
    let side = (width as u32 + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < quiet + width as u32
            && my < quiet + width as u32
            && colors[((my - quiet) as usize) * width + (mx - quiet) as usize]
                == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    // The file name picks the encoding: `.jpg` is a (lossy) JPEG, `-rgba.png` and
    // `-rgba16.png` colour PNGs of 8 and 16 bits a channel, anything else a grey PNG.
    let name = path.file_name().unwrap().to_string_lossy();
    let img = image::DynamicImage::ImageLuma8(img);
    if name.ends_with("-rgba16.png") {
        img.to_rgba16().save(path).unwrap();
    } else if name.ends_with("-rgba.png") {
        img.to_rgba8().save(path).unwrap();
    } else {
        img.save(path).unwrap();
    }
}

#[test]
fn jpeg_and_colour_screenshots_read_the_same_code() {
    let s = Sandbox::init();
    let uri = format!("otpauth://totp/Example:me@example.com?secret={SEED}&issuer=Example");
    for (n, file) in ["setup.jpg", "setup-rgba.png", "setup-rgba16.png"]
        .iter()
        .enumerate()
    {
        let path = s.root().join(file);
        qr_png(&uri, &path);
        let addr = format!("example/shot{n}");
        s.cmd("sigil-add")
            .args([&addr, "--totp", "--qr-image"])
            .arg(&path)
            .assert()
            .success();
        agree(&s, &addr, &["--totp", "-b", SEED]);
    }
    // A PNG cut short is a clear error, not a panic.
    let whole = std::fs::read(s.root().join("setup-rgba.png")).unwrap();
    std::fs::write(s.root().join("cut.png"), &whole[..whole.len() / 2]).unwrap();
    let out = s
        .cmd("sigil-add")
        .args(["example/cut", "--totp", "--qr-image", "cut.png"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("cannot read 'cut.png' as an image"), "{err}");
}

#[test]
fn a_qr_screenshot_round_trips_to_the_same_codes() {
    let s = Sandbox::init();
    let png = s.root().join("setup.png");
    qr_png(
        &format!(
            "otpauth://totp/Example:me@example.com?secret={SEED}&issuer=Example&algorithm=SHA256"
        ),
        &png,
    );
    s.cmd("sigil-add")
        .args(["example/me", "--totp", "--qr-image"])
        .arg(&png)
        .assert()
        .success();
    agree(&s, "example/me", &["--totp=sha256", "-b", SEED]);
    let uri = s.get("example/me/totp");
    assert_eq!(
        String::from_utf8(uri).unwrap(),
        format!(
            "otpauth://totp/Example:me%40example.com?secret={SEED}&algorithm=SHA256&issuer=Example"
        )
    );

    // An image without a QR code, and a file that is not an image.
    let blank = s.root().join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let out = s
        .cmd("sigil-add")
        .args(["example/you", "--totp", "--qr-image", "blank.png"])
        .assert()
        .code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-add: error: no QR code could be read in 'blank.png'
    help: crop the screenshot to the QR code, make it larger, or paste the otpauth:// URI or base32 secret instead
    ");
    std::fs::write(s.root().join("notes.txt"), "hello").unwrap();
    let out = s
        .cmd("sigil-add")
        .args(["example/you", "--totp", "--qr-image", "notes.txt"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("cannot read 'notes.txt' as an image"), "{err}");
    let other = s.root().join("other.png");
    qr_png("https://example.com/", &other);
    let out = s
        .cmd("sigil-add")
        .args(["example/you", "--totp", "--qr-image", "other.png"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("holds no otpauth:// URI"), "{err}");
    s.cmd("sigil-add")
        .args(["example/you", "--totp", "--qr-image", "absent.png"])
        .assert()
        .code(3);
}

/// Turns `sigil otp --qr`'s half-block art back into pixels and reads the code in it.
fn decode_terminal_qr(art: &str) -> String {
    let rows: Vec<Vec<char>> = art.lines().map(|l| l.chars().collect()).collect();
    let width = rows.iter().map(Vec::len).max().unwrap() as u32;
    let height = rows.len() as u32 * 2;
    let scale = 4;
    // Blocks are light modules (the art is drawn for a light-on-dark terminal).
    let img = image::GrayImage::from_fn(width * scale, height * scale, |x, y| {
        let (cx, cy) = ((x / scale) as usize, (y / scale) as usize);
        let c = rows[cy / 2].get(cx).copied().unwrap_or(' ');
        let top = cy % 2 == 0;
        let filled = match c {
            '█' => true,
            '▀' => top,
            '▄' => !top,
            _ => false,
        };
        image::Luma([if filled { 255 } else { 0 }])
    });
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in:\n{art}");
    grids[0].decode().unwrap().1
}

#[test]
fn the_terminal_qr_code_holds_the_stored_uri() {
    let s = Sandbox::init();
    s.cmd("sigil-add")
        .args(["github/me", "--totp"])
        .write_stdin(SEED)
        .assert()
        .success();
    let out = s
        .cmd("sigil-otp")
        .args(["github/me", "--qr"])
        .assert()
        .success();
    let art = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        decode_terminal_qr(&art),
        format!("otpauth://totp/github:me?secret={SEED}&issuer=github")
    );
    let err = stderr(out.get_output());
    assert!(err.contains("clear the screen"), "{err}");
}

#[test]
fn a_multi_line_field_round_trips_byte_for_byte() {
    let s = Sandbox::init();
    let codes = b"abcd-1234\nefgh-5678\r\n\nijkl-9012\n";
    s.cmd("sigil-add")
        .arg("github/me/recovery_codes")
        .write_stdin(codes.to_vec())
        .assert()
        .success();
    // `get` prints the value and a newline; `add` dropped the one it read.
    let out = s
        .cmd("sigil-get")
        .arg("github/me/recovery_codes")
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, codes);
    assert_eq!(s.get("github/me/recovery_codes"), &codes[..codes.len() - 1]);
    // A TOTP seed beside it leaves it alone.
    s.cmd("sigil-add")
        .args(["github/me", "--totp"])
        .write_stdin(SEED)
        .assert()
        .success();
    assert_eq!(s.get("github/me/recovery_codes"), &codes[..codes.len() - 1]);
}
