//! gh's `hosts.yml` sources: each host's `oauth_token:` line, removed.

use super::Item;
use super::parse::{is_reference, item, lines_of};
use crate::model::address::Address;
use crate::model::error::Result;
use crate::ops::git_credential::{account_for_username, service_for_host};

fn unquote_yaml(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return v[1..v.len() - 1].to_owned();
    }
    v.to_owned()
}

/// gh's `hosts.yml`: the small subset gh writes (hosts at column 0, `user:`, `oauth_token:`
/// and a `users:` map), parsed by lines so the rest of the file stays as it was.
pub(super) fn parse_gh_hosts(text: &str) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let line = |n: usize| {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        (starts[n], le, &text[starts[n]..le])
    };
    // First pass: each host's `user:`, which gh may write after the token.
    let mut users = std::collections::HashMap::new();
    let mut host = String::new();
    for n in 0..starts.len() {
        let (_, _, l) = line(n);
        let t = l.trim_end();
        if !t.starts_with([' ', '\t']) && t.ends_with(':') && !t.starts_with('#') {
            host = unquote_yaml(&t[..t.len() - 1]);
        } else if let Some(u) = t.trim_start().strip_prefix("user:") {
            users.insert(host.clone(), unquote_yaml(u));
        }
    }
    let mut out = Vec::new();
    let (mut host, mut under_users, mut user_key) = (String::new(), None::<usize>, None);
    for n in 0..starts.len() {
        let (ls, le, l) = line(n);
        let t = l.trim_end();
        let indent = t.len() - t.trim_start().len();
        let body = t.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if indent == 0 {
            host = unquote_yaml(body.trim_end_matches(':'));
            under_users = None;
            user_key = None;
            continue;
        }
        if body == "users:" {
            under_users = Some(indent);
            continue;
        }
        match under_users {
            Some(ui) if indent <= ui => under_users = None,
            Some(_) if body.ends_with(':') => {
                user_key = Some(unquote_yaml(&body[..body.len() - 1]));
                continue;
            }
            _ => {}
        }
        let Some(v) = body.strip_prefix("oauth_token:") else {
            continue;
        };
        let token = unquote_yaml(v);
        if token.is_empty() || is_reference(&token) {
            continue;
        }
        let user = match (&under_users, &user_key) {
            (Some(_), Some(u)) => u.clone(),
            _ => users
                .get(&host)
                .cloned()
                .unwrap_or_else(|| "default".into()),
        };
        let (Some(service), Some(account)) = (service_for_host(&host), account_for_username(&user))
        else {
            continue;
        };
        let address = Address::new(&service, &account, Some(crate::model::address::OAUTH_FIELD))?
            .to_field_address()
            .expect("a field was given");
        out.push(item(n + 1, &host, address, &token, (ls, le), true, None));
    }
    Ok(out)
}
