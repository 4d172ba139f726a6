//! A home's items in the Secret Service (Linux). Every item is found by all of sigil's
//! attributes — `service=sigil`, `username=<name>` and `sigil-home=<the home's id>` — never
//! by a subset, so what another home or another program stored under sigil's names is not
//! this home's. Two items of the home under one name are reported, never chosen between.
//!
//! Nothing here unlocks an item or a collection, which could prompt: a locked item is an
//! error. Sessions are plain: any process of the user can ask the unlocked Secret Service for
//! these items itself, so encrypting the transfer on the user's own session bus guards
//! nothing the bus does not, and the pure-Rust DH exchange was most of `get`'s time.
//!
//! An earlier sigil tagged nothing. Its item for a name (`service` and `username` only) is
//! adopted — rewritten with the tag, the original deleted — when the caller says this home
//! may ([`Items::read`] and the others take that as `may_adopt`, asked only when the home
//! has no item under the name).

use super::SERVICE;
use super::home::{self, HomeTag};
use crate::model::error::Error;
use crate::store::StoreError;
use secret_service::EncryptionType;
use secret_service::blocking::{Item, SecretService};
use std::collections::HashMap;

/// A Secret Service session for one home's items.
pub(super) struct Items {
    ss: SecretService<'static>,
    id: String,
}

/// What a name holds for the home.
pub(super) enum Found {
    /// The value of its one item.
    Value(Vec<u8>),
    /// No item.
    Missing,
    /// Several items of the home (`earlier: false`), or no item of the home but several
    /// untagged ones it could have adopted (`earlier: true`).
    Ambiguous {
        /// How many.
        count: usize,
        /// Whether they are an earlier sigil's.
        earlier: bool,
    },
}

/// What [`Items::delete`] did.
pub(super) enum Deleted {
    /// Deleted this many items.
    Items(usize),
    /// Deleted nothing: the home has no item, and of the untagged ones it could have
    /// adopted there are this many.
    Ambiguous(usize),
}

/// An earlier sigil's untagged items under one name.
enum Untagged<'s> {
    None,
    One(Item<'s>),
    Many(usize),
}

/// A Secret Service failure: the keyring cannot be used, and why.
pub(super) fn unavailable(e: secret_service::Error) -> Error {
    StoreError::Unavailable {
        backend: "keyring".into(),
        reason: e.to_string(),
    }
    .into()
}

/// A locked item, which sigil does not unlock.
fn locked() -> Error {
    StoreError::Unavailable {
        backend: "keyring".into(),
        reason: "answered, but the item is locked; using it would prompt".into(),
    }
    .into()
}

impl Items {
    /// Connects for the home tagged `tag`.
    pub(super) fn connect(tag: &HomeTag) -> Result<Items, Error> {
        Ok(Items {
            ss: SecretService::connect(EncryptionType::Plain).map_err(unavailable)?,
            id: tag.id.clone(),
        })
    }

    /// The attributes of the home's item `user`: what it is written with and found by.
    fn attributes<'a>(&'a self, user: &'a str) -> HashMap<&'a str, &'a str> {
        HashMap::from([
            ("service", SERVICE),
            ("username", user),
            (home::ATTRIBUTE, self.id.as_str()),
        ])
    }

    /// The home's unlocked items named `user`; a locked one is an error.
    fn find(&self, user: &str) -> Result<Vec<Item<'_>>, Error> {
        let found = self
            .ss
            .search_items(self.attributes(user))
            .map_err(unavailable)?;
        if !found.locked.is_empty() {
            return Err(locked());
        }
        Ok(found.unlocked)
    }

    /// The untagged items named `user`: an earlier sigil's, or another program's.
    fn untagged(&self, user: &str) -> Result<Untagged<'_>, Error> {
        let found = self
            .ss
            .search_items(HashMap::from([("service", SERVICE), ("username", user)]))
            .map_err(unavailable)?;
        if !found.locked.is_empty() {
            return Err(locked());
        }
        let mut items = Vec::new();
        for item in found.unlocked {
            if !item
                .get_attributes()
                .map_err(unavailable)?
                .contains_key(home::ATTRIBUTE)
            {
                items.push(item);
            }
        }
        Ok(match items.len() {
            0 => Untagged::None,
            1 => Untagged::One(items.remove(0)),
            n => Untagged::Many(n),
        })
    }

    /// Writes the home's item `user` in the default collection; returns its object path.
    /// `replace` updates an item with exactly these attributes rather than adding another.
    fn create(&self, user: &str, label: &str, secret: &[u8]) -> Result<String, Error> {
        let collection = self.ss.get_default_collection().map_err(unavailable)?;
        let item = collection
            .create_item(label, self.attributes(user), secret, true, "text/plain")
            .map_err(unavailable)?;
        Ok(item.item_path.as_str().to_owned())
    }

    /// Reads the home's item `user`, adopting an earlier sigil's when it has none and
    /// `may_adopt` says it may.
    pub(super) fn read(
        &self,
        user: &str,
        label: &str,
        may_adopt: impl FnOnce() -> Result<bool, Error>,
    ) -> Result<Found, Error> {
        let items = self.find(user)?;
        match items.as_slice() {
            [item] => Ok(Found::Value(item.get_secret().map_err(unavailable)?)),
            [] if may_adopt()? => self.adopt(user, label),
            [] => Ok(Found::Missing),
            more => Ok(Found::Ambiguous {
                count: more.len(),
                earlier: false,
            }),
        }
    }

    /// Rewrites an earlier sigil's item `user` with the home's tag and deletes the original,
    /// saying so on stderr: the user sees which home took it.
    fn adopt(&self, user: &str, label: &str) -> Result<Found, Error> {
        let old = match self.untagged(user)? {
            Untagged::None => return Ok(Found::Missing),
            Untagged::Many(count) => {
                return Ok(Found::Ambiguous {
                    count,
                    earlier: true,
                });
            }
            Untagged::One(old) => old,
        };
        let value = old.get_secret().map_err(unavailable)?;
        // The tagged copy first: a failure in between leaves two copies, never none.
        self.create(user, label, &value)?;
        old.delete().map_err(unavailable)?;
        crate::model::notice::note(format!(
            "adopted '{user}' in the keyring for this home (an earlier sigil kept it untagged)"
        ));
        Ok(Found::Value(value))
    }

    /// Writes the home's item `user`, leaving exactly one: other items of the home under the
    /// name are duplicates the new value supersedes, and so is an earlier sigil's item when
    /// the home had none and `may_adopt` says it may (when it cannot tell which of several,
    /// it leaves them).
    pub(super) fn write(
        &self,
        user: &str,
        label: &str,
        secret: &[u8],
        may_adopt: impl FnOnce() -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let before = self.find(user)?;
        let earlier = if before.is_empty() && may_adopt()? {
            self.untagged(user)?
        } else {
            Untagged::None
        };
        let written = self.create(user, label, secret)?;
        for item in self.find(user)? {
            if item.item_path.as_str() != written {
                item.delete().map_err(unavailable)?;
            }
        }
        if let Untagged::One(old) = earlier {
            old.delete().map_err(unavailable)?;
        }
        Ok(())
    }

    /// Deletes every item of the home named `user`, or the earlier sigil's one when the home
    /// has none and `may_adopt` says it may; how many.
    pub(super) fn delete(
        &self,
        user: &str,
        may_adopt: impl FnOnce() -> Result<bool, Error>,
    ) -> Result<Deleted, Error> {
        let items = self.find(user)?;
        if items.is_empty() && may_adopt()? {
            return match self.untagged(user)? {
                Untagged::None => Ok(Deleted::Items(0)),
                Untagged::One(old) => old
                    .delete()
                    .map(|()| Deleted::Items(1))
                    .map_err(unavailable),
                Untagged::Many(count) => Ok(Deleted::Ambiguous(count)),
            };
        }
        for item in &items {
            item.delete().map_err(unavailable)?;
        }
        Ok(Deleted::Items(items.len()))
    }

    /// The names of every item of the home, locked ones included (a search does not unlock,
    /// and attributes are readable while locked).
    pub(super) fn names(&self) -> Result<Vec<String>, Error> {
        let found = self
            .ss
            .search_items(HashMap::from([
                ("service", SERVICE),
                (home::ATTRIBUTE, self.id.as_str()),
            ]))
            .map_err(unavailable)?;
        let mut out = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            if let Ok(mut attrs) = item.get_attributes()
                && let Some(user) = attrs.remove("username")
            {
                out.push(user);
            }
        }
        Ok(out)
    }
}
