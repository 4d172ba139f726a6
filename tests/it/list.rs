use crate::support::*;

fn setup() -> Sandbox {
    let s = Sandbox::init();
    s.add("github/me", b"SECRET-ONE");
    s.add("github/work/token", b"SECRET-TWO");
    s.cmd("sigil-add")
        .args(["openai/ci", "--expires", "2001-01-01", "--note", "old"])
        .write_stdin("SECRET-THREE")
        .assert()
        .success();
    s
}

#[test]
fn piped_output_is_one_tab_separated_line_per_account_without_values() {
    let s = setup();
    let out = s.cmd("sigil-list").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(text, @r"
    github/me	api_key	api_key	file	-	ok
    github/work	api_key	token	file	-	ok
    openai/ci	api_key	api_key	file	2001-01-01T00:00:00Z	expired
    ");
    assert!(!text.contains("SECRET"));
}

#[test]
fn filters_by_service_and_prints_json() {
    let s = setup();
    s.cmd("sigil-list")
        .arg("openai")
        .assert()
        .success()
        .stdout("openai/ci\tapi_key\tapi_key\tfile\t2001-01-01T00:00:00Z\texpired\n");
    let out = s.cmd("sigil-list").arg("--json").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("SECRET"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["address"], "openai/ci");
    assert_eq!(items[2]["state"], "expired");
    assert_eq!(items[2]["note"], "old");
    assert_eq!(items[0]["fields"], serde_json::json!(["api_key"]));
    s.cmd("sigil-list")
        .arg("nothing")
        .assert()
        .success()
        .stdout("");
    s.cmd("sigil-list").arg("Bad").assert().code(2);
}

#[test]
fn an_empty_store_lists_nothing() {
    let s = Sandbox::new();
    s.cmd("sigil-list").assert().success().stdout("");
    s.cmd("sigil-list")
        .arg("--json")
        .assert()
        .success()
        .stdout("[]\n");
}
