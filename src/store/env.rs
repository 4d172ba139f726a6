//! The `env` backend: read-only secrets from `SIGIL_<SERVICE>_<ACCOUNT>_<FIELD>` variables, for
//! CI jobs that inject secrets as environment variables.

use super::{Store, StoreError};
use crate::model::address::FieldAddress;
use crate::model::error::Error;
use crate::model::secret::Secret;

/// Reads secrets from the environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvStore;

/// The variable that holds an address's value: `SIGIL_` then service, account and field,
/// upper-cased, every other character as `_` (`ci/me/token` → `SIGIL_CI_ME_TOKEN`).
pub fn var_name(addr: &FieldAddress) -> String {
    let part = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "SIGIL_{}_{}_{}",
        part(addr.service()),
        part(addr.account()),
        part(addr.field())
    )
}

fn value(addr: &FieldAddress) -> Option<Vec<u8>> {
    let v = std::env::var_os(var_name(addr))?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(v.into_vec())
    }
    #[cfg(not(unix))]
    {
        Some(v.to_string_lossy().into_owned().into_bytes())
    }
}

impl Store for EnvStore {
    fn name(&self) -> &'static str {
        "env"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        value(addr).map(Secret::new).ok_or_else(|| Error::NotFound {
            message: format!("'{addr}' not found: {} is not set", var_name(addr)),
            help: Some(format!(
                "the env backend reads {}; set it, or choose another backend",
                var_name(addr)
            )),
        })
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        Ok(std::env::var_os(var_name(addr)).is_some())
    }

    fn put(&self, addr: &FieldAddress, _secret: &Secret) -> Result<(), Error> {
        Err(StoreError::ReadOnly {
            address: addr.to_string(),
            variable: var_name(addr),
        }
        .into())
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        Err(StoreError::ReadOnly {
            address: addr.to_string(),
            variable: var_name(addr),
        }
        .into())
    }

    /// The environment cannot be listed back into addresses (the name mapping loses case and
    /// punctuation), so the env backend lists nothing.
    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        Ok(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        let a = |s: &str| s.parse::<FieldAddress>().unwrap();
        assert_eq!(var_name(&a("ci/me/token")), "SIGIL_CI_ME_TOKEN");
        assert_eq!(
            var_name(&a("my-svc.io/First.Last@corp.com/api_key")),
            "SIGIL_MY_SVC_IO_FIRST_LAST_CORP_COM_API_KEY"
        );
    }

    #[test]
    fn read_paths_and_read_only() {
        // PATH is always set; borrow it as a value under a contrived address.
        let s = EnvStore;
        let missing: FieldAddress = "sigil-test-nope/x/y".parse().unwrap();
        assert!(!s.contains(&missing).unwrap());
        let e = s.get(&missing).unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::NotFound);
        assert!(
            e.to_string()
                .contains("SIGIL_SIGIL_TEST_NOPE_X_Y is not set"),
            "{e}"
        );
        let e = s.put(&missing, &Secret::from("v")).unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Other);
        assert!(e.help().unwrap().contains("SIGIL_SIGIL_TEST_NOPE_X_Y"));
        assert!(s.delete(&missing).is_err());
        assert!(s.list().unwrap().is_empty());
    }
}
