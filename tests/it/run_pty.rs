//! `sigil run` on a terminal: the command gets a pseudo-terminal of its own, through a real
//! terminal made by `script` (util-linux), and what it shows is still masked.

use crate::support::*;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs the shell text `inner` on a terminal (`script`), typing each `(pause, text)` of
/// `typed` after its pause, the first once the command has created the file `ready` (so that
/// nothing is typed before sigil relays it); returns what the terminal showed (with its `\r`s)
/// and the exit code. The terminal's input stays open until the end, as a person's keyboard does (script
/// turns the end of its input into characters of its own).
fn on_terminal(s: &Sandbox, inner: &str, typed: &[(u64, &str)]) -> (String, i32) {
    need("script");
    let mut script = s
        .std_cmd("script")
        .args(["-qec", inner, "/dev/null"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut keys = script.stdin.take().unwrap();
    let typed: Vec<(u64, String)> = typed.iter().map(|(p, t)| (*p, t.to_string())).collect();
    let ready = s.root().join("ready");
    let typist = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !typed.is_empty() && !ready.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for (pause, text) in typed {
            std::thread::sleep(Duration::from_millis(pause));
            let _ = keys.write_all(text.as_bytes()).and_then(|_| keys.flush());
        }
        keys
    });
    let mut screen = Vec::new();
    script
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut screen)
        .unwrap();
    let status = script.wait().unwrap();
    drop(typist.join());
    (
        String::from_utf8_lossy(&screen).into_owned(),
        status.code().unwrap_or(-1),
    )
}

/// A sandbox with `github/me` = ghp_SECRET and a value of two lines at `pem/me`.
fn sandbox() -> Sandbox {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    s.add("pem/me", b"-----BEGIN-----\nMIIsecretbody\n-----END-----");
    s
}

#[test]
fn the_command_gets_a_terminal_and_colours_pass_while_secrets_stay_masked() {
    let s = sandbox();
    std::fs::create_dir(s.root().join("adir")).unwrap();
    let (screen, code) = on_terminal(
        &s,
        "sigil run --env T=auth://github/me --env P=auth://pem/me -- sh -c '\
         for fd in 0 1 2; do [ -t $fd ] && echo tty$fd; done; tty; \
         ls --color=auto -d adir; printf \"\\033[31mred\\033[0m\\n\"; \
         echo \"T=$T\"; printf ghp_SE; sleep 0.3; printf \"CRET!\\n\"; \
         printf \"%s\\n\" \"$P\"; echo err=$T >&2; exit 7'",
        &[],
    );
    assert_eq!(code, 7, "{screen}");
    for line in ["tty0\r\n", "tty1\r\n", "tty2\r\n", "/dev/pts/"] {
        assert!(screen.contains(line), "{line:?} missing:\n{screen:?}");
    }
    // The command's colours reach the terminal untouched.
    assert!(screen.contains("\x1b[01;34madir\x1b[0m"), "{screen:?}");
    assert!(screen.contains("\x1b[31mred\x1b[0m\r\n"), "{screen:?}");
    // Masked as on pipes, also when split across writes, and a value of several lines
    // after the terminal made each \n a \r\n.
    assert!(screen.contains("T=<concealed by sigil>\r\n"), "{screen:?}");
    assert!(screen.contains("<concealed by sigil>!\r\n"), "{screen:?}");
    assert!(
        screen.contains("err=<concealed by sigil>\r\n"),
        "{screen:?}"
    );
    assert_eq!(
        screen.matches("<concealed by sigil>").count(),
        4,
        "{screen:?}"
    );
    for leak in ["SECRET", "secretbody", "ghp_SE"] {
        assert!(!screen.contains(leak), "{leak} shown:\n{screen:?}");
    }
}

#[test]
fn a_prompt_reads_what_is_typed_and_a_typed_secret_is_masked_in_the_echo() {
    let s = sandbox();
    let (screen, code) = on_terminal(
        &s,
        "sigil run --env T=auth://github/me -- sh -c '\
         touch ready; printf \"name? \"; read n; echo \"hello $n\"; \
         printf \"token? \"; read t; [ \"$t\" = \"$T\" ] && echo same'",
        &[(300, "alice\r"), (500, "ghp_SECRET\r")],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert!(
        screen.contains("name? alice\r\nhello alice\r\n"),
        "{screen:?}"
    );
    // The terminal's echo of what was typed goes through the masker like any output.
    assert!(
        screen.contains("token? <concealed by sigil>\r\nsame\r\n"),
        "{screen:?}"
    );
    assert!(!screen.contains("SECRET"), "{screen:?}");
}

#[test]
fn the_window_size_and_its_changes_reach_the_command() {
    let s = sandbox();
    // In the background (with the terminal as its input) so that the outer shell can resize
    // the terminal while sigil runs; a SIGWINCH follows as a terminal emulator sends one.
    let (screen, code) = on_terminal(
        &s,
        "stty rows 33 cols 111; \
         sigil run -- sh -c 'trap \"stty size\" WINCH; stty size; touch ready; sleep 1; sleep 1' \
           </dev/tty & \
         while [ ! -e ready ]; do sleep 0.05; done; \
         stty rows 40 cols 50; kill -WINCH $!; wait $!",
        &[],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert!(screen.contains("33 111\r\n"), "{screen:?}");
    assert!(screen.contains("40 50\r\n"), "{screen:?}");
}

#[test]
fn signals_reach_the_command_and_its_status_comes_back() {
    let s = sandbox();
    // The command signals sigil run, its parent, which passes each on.
    let (screen, code) = on_terminal(
        &s,
        "sigil run -- sh -c 'trap \"echo got-int; exit 4\" INT; sleep 0.3; kill -INT $PPID; \
           sleep 5; echo missed'; echo rc=$?; \
         sigil run -- sh -c 'trap \"echo got-term; exit 6\" TERM; sleep 0.3; \
           kill -TERM $PPID; sleep 5; echo missed'; echo rc=$?; \
         sigil run -- sh -c 'sleep 0.3; kill -HUP $PPID; sleep 5; echo missed'; echo rc=$?; \
         sigil run -- sh -c 'kill -KILL $$'; echo rc=$?; \
         sigil run -- sh -c 'exit 3'; echo rc=$?",
        &[],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert!(!screen.contains("missed"), "{screen:?}");
    for line in [
        "got-int\r\nrc=4\r\n",
        "got-term\r\nrc=6\r\n",
        "rc=129\r\n",
        "rc=137\r\n",
        "rc=3\r\n",
    ] {
        assert!(screen.contains(line), "{line:?} missing:\n{screen:?}");
    }
}

#[test]
fn ctrl_c_typed_goes_to_the_command_and_the_terminal_modes_come_back() {
    let s = sandbox();
    let (screen, code) = on_terminal(
        &s,
        "stty -a > before; \
         sigil run -- sh -c 'trap \"echo got-int; exit 9\" INT; touch ready; \
           while :; do sleep 0.1; done'; \
         echo rc=$?; stty -a > after1; \
         sigil run -- sh -c 'stty raw -echo; kill -TERM $$'; echo rc=$?; stty -a > after2; \
         sigil run -- no-such-command; echo rc=$?; stty -a > after3; \
         cmp before after1 && cmp before after2 && cmp before after3 && echo modes-restored",
        &[(300, "\x03")],
    );
    assert_eq!(code, 0, "{screen:?}");
    for line in [
        "got-int\r\nrc=9\r\n",
        "rc=143\r\n",
        "rc=3\r\n",
        "modes-restored\r\n",
    ] {
        assert!(screen.contains(line), "{line:?} missing:\n{screen:?}");
    }
    // Raw mode for the while: the key reached the command as a byte, not as sigil's SIGINT.
    let before = std::fs::read_to_string(s.root().join("before")).unwrap();
    assert!(
        before.contains(" icanon") && before.contains(" echo"),
        "{before}"
    );
}

#[test]
fn the_command_reads_nothing_from_its_terminal_that_was_not_typed() {
    let s = sandbox();
    // A command that reads whatever arrives on its terminal for 1.5 s, with and without a
    // secret of its own: sigil never writes a value (or anything else) to the terminal's
    // input.
    for refs in ["", "--env T=auth://github/me --env P=auth://pem/me"] {
        let (screen, code) = on_terminal(
            &s,
            &format!(
                "sigil run {refs} -- sh -c 'stty -icanon -echo min 0 time 15; \
                 head -c 100000 > got; echo got=$(wc -c < got)'"
            ),
            &[],
        );
        assert_eq!(code, 0, "{screen:?}");
        assert!(screen.contains("got=0\r\n"), "{screen:?}");
    }
}

#[test]
fn a_command_that_floods_a_stopped_terminal_waits_for_it() {
    let s = sandbox();
    need("script");
    let pid_file = s.root().join("sigil.pid");
    // Nobody reads what the terminal shows: script blocks, then sigil, then the command.
    let mut script = s
        .std_cmd("script")
        .args([
            "-qec",
            &format!(
                "sigil run --env T=auth://github/me -- sh -c 'echo $PPID > {0}.tmp; \
                 mv {0}.tmp {0}; yes \"$T flooding\"'",
                pid_file.display()
            ),
            "/dev/null",
        ])
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();
    let rss = || -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    std::thread::sleep(Duration::from_millis(1000));
    let first = rss();
    std::thread::sleep(Duration::from_millis(2000));
    let later = rss();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    // Reading now lets everything drain and end.
    let mut screen = Vec::new();
    script
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut screen)
        .unwrap();
    let _ = script.wait();
    assert!(
        later < first + 4096,
        "sigil run grew from {first} kB to {later} kB while its terminal was stopped"
    );
    let screen = String::from_utf8_lossy(&screen);
    assert!(
        screen.contains("<concealed by sigil> flooding\r\n"),
        "{screen:.200}"
    );
    assert!(!screen.contains("ghp_SECRET"));
}

#[test]
fn pipes_stay_pipes_unless_a_terminal_is_asked_for() {
    let s = sandbox();
    let script = "[ -t 0 ] && echo in-tty; [ -t 1 ] && echo out-tty; echo \"T=$T\"";
    // Without a terminal: pipes, exactly as before.
    let out = s
        .cmd("sigil-run")
        .args(["--env", "T=auth://github/me", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, b"T=<concealed by sigil>\n");
    // --pty (-t) gives one all the same, as ssh -tt does; the input's end is the terminal's
    // end-of-file character, so `cat` ends.
    let out = s
        .cmd("sigil-run")
        .args(["-t", "--env", "T=auth://github/me", "--", "sh", "-c"])
        .arg(format!("{script}; cat"))
        .write_stdin("typed ghp_SECRET\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("in-tty\r\nout-tty\r\nT=<concealed by sigil>\r\n"),
        "{shown:?}"
    );
    assert!(
        shown.contains("typed <concealed by sigil>\r\n") && !shown.contains("SECRET"),
        "{shown:?}"
    );
    // On a terminal, --no-pty (-T) keeps pipes, and so does input that is not a terminal.
    let (screen, code) = on_terminal(
        &s,
        &format!(
            "sigil run -T --env T=auth://github/me -- sh -c '{script}'; \
             echo | sigil run --env T=auth://github/me -- sh -c '{script}'"
        ),
        &[],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert_eq!(
        screen.matches("in-tty").count(),
        1,
        "only -T's command reads the terminal: {screen:?}"
    );
    assert!(!screen.contains("out-tty"), "{screen:?}");
    assert_eq!(
        screen.matches("T=<concealed by sigil>").count(),
        2,
        "{screen:?}"
    );
}
