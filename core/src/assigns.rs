//! Assigns: the values a view's template reads, with change tracking.
//!
//! Phoenix keeps `socket.assigns.__changed__`; we keep the set of keys written since the last
//! render. A template slot is re-rendered only when a key it reads is in that set.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

/// Which keys changed since the last render.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Changes {
    /// Everything counts as changed (first render, after a reconnect or hibernation).
    All,
    /// Only these keys changed.
    Keys(HashSet<String>),
}

/// The assigns of a view or component: a JSON object plus the keys changed since the last
/// render.
#[derive(Clone, Debug, PartialEq)]
pub struct Assigns {
    values: Value,
    changes: Changes,
}

impl Default for Assigns {
    fn default() -> Self {
        Assigns::new()
    }
}

impl Assigns {
    /// Empty assigns; everything counts as changed until the first render.
    pub fn new() -> Assigns {
        Assigns { values: Value::Object(Map::new()), changes: Changes::All }
    }

    /// The value of `key`, if assigned.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map().get(key)
    }

    /// True if `key` is assigned.
    pub fn contains(&self, key: &str) -> bool {
        self.map().contains_key(key)
    }

    /// All assigns as a JSON object (what a template renders against).
    pub fn as_value(&self) -> &Value {
        &self.values
    }

    /// All assigns as a map.
    pub fn map(&self) -> &Map<String, Value> {
        match &self.values {
            Value::Object(map) => map,
            _ => unreachable!("assigns are always an object"),
        }
    }

    fn map_mut(&mut self) -> &mut Map<String, Value> {
        match &mut self.values {
            Value::Object(map) => map,
            _ => unreachable!("assigns are always an object"),
        }
    }

    /// Sets `key` to an already-serialized value; marks it changed only if it differs from the
    /// current value (Phoenix compares with `===`).
    pub fn put(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        if self.map().get(&key) == Some(&value) {
            return;
        }
        self.mark_changed(&key);
        self.map_mut().insert(key, value);
    }

    /// Serializes `value` and sets `key` (see [`Assigns::put`]).
    ///
    /// # Errors
    /// Returns serde_json's error when `value` cannot be represented as JSON (e.g. a map with
    /// non-string keys).
    pub fn set(
        &mut self,
        key: impl Into<String>,
        value: impl Serialize,
    ) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        self.put(key, value);
        Ok(())
    }

    /// Removes `key`, marking it changed if it was present.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let old = self.map_mut().remove(key);
        if old.is_some() {
            self.mark_changed(key);
        }
        old
    }

    /// Marks `key` as changed without comparing (used after in-place mutation).
    pub fn mark_changed(&mut self, key: &str) {
        if let Changes::Keys(keys) = &mut self.changes {
            keys.insert(key.to_owned());
        }
    }

    /// Removes `key` from the changed set.
    pub(crate) fn unmark_changed(&mut self, key: &str) {
        if let Changes::Keys(keys) = &mut self.changes {
            keys.remove(key);
        }
    }

    /// Marks everything changed: the next render is a full render.
    pub fn mark_all_changed(&mut self) {
        self.changes = Changes::All;
    }

    /// True when `key` changed since the last render.
    pub fn is_changed(&self, key: &str) -> bool {
        match &self.changes {
            Changes::All => true,
            Changes::Keys(keys) => keys.contains(key),
        }
    }

    /// True when the next render must be full.
    pub fn is_all_changed(&self) -> bool {
        self.changes == Changes::All
    }

    /// True when nothing changed since the last render.
    pub fn is_unchanged(&self) -> bool {
        matches!(&self.changes, Changes::Keys(keys) if keys.is_empty())
    }

    /// The keys changed since the last render (`None` means all of them).
    pub fn changed_keys(&self) -> Option<impl Iterator<Item = &str>> {
        match &self.changes {
            Changes::All => None,
            Changes::Keys(keys) => Some(keys.iter().map(String::as_str)),
        }
    }

    /// Forgets the changes; called by the runtime after each render.
    pub fn clear_changed(&mut self) {
        self.changes = Changes::Keys(HashSet::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_real_changes_are_tracked() {
        let mut a = Assigns::new();
        a.set("count", 1).unwrap();
        assert!(a.is_all_changed());
        a.clear_changed();
        assert!(a.is_unchanged());
        a.set("count", 1).unwrap();
        assert!(!a.is_changed("count"));
        a.set("count", 2).unwrap();
        assert!(a.is_changed("count"));
        assert!(!a.is_changed("other"));
        assert_eq!(a.get("count"), Some(&json!(2)));
    }

    #[test]
    fn remove_marks_changed() {
        let mut a = Assigns::new();
        a.put("x", json!("y"));
        a.clear_changed();
        assert_eq!(a.remove("x"), Some(json!("y")));
        assert!(a.is_changed("x"));
    }
}
