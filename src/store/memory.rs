//! The `memory` backend: a map in the process, for unit tests of logic only.

use super::{Store, StoreError};
use crate::model::address::FieldAddress;
use crate::model::error::Error;
use crate::model::secret::Secret;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Secrets kept in memory for the life of the value.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: Mutex<BTreeMap<FieldAddress, Secret>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<FieldAddress, Secret>> {
        // A panic elsewhere cannot leave the map half-updated: every operation is one call.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        self.map()
            .get(addr)
            .cloned()
            .ok_or_else(|| StoreError::not_found(addr).into())
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        Ok(self.map().contains_key(addr))
    }

    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        self.map().insert(addr.clone(), secret.clone());
        Ok(())
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        Ok(self.map().remove(addr).is_some())
    }

    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        Ok(self.map().keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    #[test]
    fn conforms() {
        conformance::all(&MemoryStore::new(), "");
    }
}
