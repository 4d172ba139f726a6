//! Input limits across commands: a file, a pipe or `/dev/zero` where a small text is expected
//! ends in a clear error that names the limit and `SIGIL_MAX_INPUT`, and a template's output
//! is streamed, not built in memory.

use crate::support::{Sandbox, bin, stderr};
use std::fs;
use std::time::{Duration, Instant};

/// Asserts a refusal for size: exit 2, the limit and its override named, and quickly (the
/// old code read `/dev/zero` until memory ran out).
fn assert_too_large(out: &std::process::Output, took: Duration) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("it is larger than 16 MiB, the limit for env files, templates"),
        "{err}"
    );
    assert!(
        err.contains("help: SIGIL_MAX_INPUT raises every input limit"),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn dev_zero_as_an_env_file_or_a_template_is_refused_by_size() {
    let s = Sandbox::init();
    let cases: [&[&str]; 3] = [
        &["sigil-run", "--env-file", "/dev/zero", "--", "true"],
        &["sigil-env", "--env-file", "/dev/zero"],
        &["sigil-resolve", "-i", "/dev/zero"],
    ];
    for argv in cases {
        let t = Instant::now();
        let out = s.cmd(argv[0]).args(&argv[1..]).output().unwrap();
        assert_too_large(&out, t.elapsed());
    }
    // A template on stdin is held to the same limit.
    let t = Instant::now();
    let out = s
        .std_cmd(bin("sigil-resolve"))
        .stdin(fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_too_large(&out, t.elapsed());
}

#[test]
fn a_file_to_migrate_over_the_limit_is_refused_and_scan_says_it_skipped_it() {
    let s = Sandbox::init();
    let dir = s.root().join("proj");
    fs::create_dir_all(&dir).unwrap();
    let line = "PORT=8080\n";
    let big = line.repeat((17 << 20) / line.len());
    fs::write(dir.join(".env"), &big).unwrap();
    let t = Instant::now();
    let out = s
        .cmd("sigil-migrate")
        .args(["--dry-run", "proj/.env"])
        .output()
        .unwrap();
    assert_too_large(&out, t.elapsed());
    let out = s
        .cmd("sigil-migrate")
        .args(["--scan", "proj"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("skipped 'proj/.env' (it is larger than 16 MiB, the limit for env files"),
        "{err}"
    );
    // The override raises it.
    let out = s
        .cmd("sigil-migrate")
        .env("SIGIL_MAX_INPUT", "32MiB")
        .args(["--dry-run", "proj/.env"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// 200 references to a secret of almost 1 MiB render 200 MB: under a 150 MB address-space
/// limit that works only if the output is streamed (it was built whole: 1.06 GB for 600).
#[test]
fn a_template_of_many_references_to_a_large_secret_is_streamed() {
    let s = Sandbox::init();
    let value: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    s.add("big/one", &value);
    let template: String = (0..200)
        .map(|i| format!("x{i} {{{{ auth://big/one }}}}\n"))
        .collect();
    fs::write(s.root().join("t.tmpl"), template).unwrap();
    let out = s
        .std_cmd("/bin/sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 150000; '{}' -i t.tmpl | wc -c",
            bin("sigil-resolve").display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    // Each line is `x<i> `, the value and a newline.
    let expected: u64 = (0..200u64)
        .map(|i| format!("x{i} ").len() as u64 + 1_000_000 + 1)
        .sum();
    assert_eq!(bytes, expected);
}

/// A screenshot for `--qr-image` is read up to 64 MiB: a larger file is refused by size before
/// any decoding, with the same help as every other limit.
#[test]
fn a_qr_screenshot_over_the_limit_is_refused_by_size() {
    let s = Sandbox::init();
    let big = s.root().join("huge.png");
    fs::File::create(&big)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let out = s
        .cmd("sigil-add")
        .args(["example/me", "--totp", "--qr-image"])
        .arg(&big)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("it is larger than 64 MiB, the limit for screenshots of QR codes"),
        "{err}"
    );
    assert!(err.contains("help: SIGIL_MAX_INPUT"), "{err}");
    assert!(!s.home.join("store/example").exists());
}
