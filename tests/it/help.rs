use crate::support::*;

#[test]
fn help_texts() {
    let s = Sandbox::new();
    for bin in [
        "sigil-init",
        "sigil-add",
        "sigil-generate",
        "sigil-edit",
        "sigil-get",
        "sigil-list",
        "sigil-find",
        "sigil-rm",
        "sigil-mv",
        "sigil-cp",
        "sigil-status",
        "sigil-otp",
        "sigil-export",
        "sigil-import",
        "sigil-recipients",
        "sigil-audit",
        "sigil-check",
        "sigil-policy",
        "docker-credential-sigil",
        "kube-credential-sigil",
        "sigil-netrc",
        "sigil-run",
        "cargo-credential-sigil",
        "sigil-keyring",
        "sigil-askpass",
        "sigil-clip",
        "sigil-sync",
    ] {
        let out = s.cmd(bin).arg("--help").assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        insta::assert_snapshot!(format!("{bin}-help"), text);
    }
    let out = s.cmd("sigil").arg("--help").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!("sigil-help", text);
}

#[test]
fn usage_errors_exit_2() {
    let s = Sandbox::new();
    let out = s.cmd("sigil-get").assert().code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    error: the following required arguments were not provided:
      <ADDRESS>

    Usage: sigil-get <ADDRESS>

    For more information, try '--help'.
    ");
    s.cmd("sigil-get").args(["a/b", "--nope"]).assert().code(2);
    s.cmd("sigil-add")
        .args(["a/b", "secret-in-argv"])
        .assert()
        .code(2);
}
