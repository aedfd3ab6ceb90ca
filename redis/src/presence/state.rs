//! Presence bookkeeping without threads or IO: this node's entries, the replicas of other
//! nodes' entries, and the `presence_diff` payloads that changes produce.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One tracked presence: a key (e.g. a user id) and its meta, which carries `phx_ref`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) meta: Map<String, Value>,
}

impl Entry {
    pub(crate) fn phx_ref(&self) -> &str {
        self.meta.get("phx_ref").and_then(Value::as_str).unwrap_or_default()
    }
}

/// Entries per topic.
pub(crate) type Entries = BTreeMap<String, Vec<Entry>>;

/// What a node announces on every heartbeat and change: all of its entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Announcement {
    pub(crate) node: String,
    pub(crate) entries: Entries,
    /// The node is shutting down: drop its entries now rather than at expiry.
    #[serde(default)]
    pub(crate) down: bool,
}

/// A `presence_diff` for one topic: `{"joins": {key: {"metas": [..]}}, "leaves": {..}}`.
pub(crate) type Diff = (String, Value);

struct Replica {
    entries: Entries,
    last_seen: Instant,
}

/// This node's entries and what it knows of the others'.
#[derive(Default)]
pub(crate) struct State {
    own: Entries,
    remote: HashMap<String, Replica>,
}

impl State {
    pub(crate) fn own(&self) -> &Entries {
        &self.own
    }

    /// Adds an entry of this node.
    pub(crate) fn track(&mut self, topic: &str, entry: Entry) -> Diff {
        let diff = payload(std::slice::from_ref(&entry), &[]);
        self.own.entry(topic.to_owned()).or_default().push(entry);
        (topic.to_owned(), diff)
    }

    /// Removes this node's entries of `topic` that `matches` selects; the diff if any left.
    pub(crate) fn untrack(
        &mut self,
        topic: &str,
        matches: impl Fn(&Entry) -> bool,
    ) -> Option<Diff> {
        let list = self.own.get_mut(topic)?;
        let (left, kept): (Vec<Entry>, Vec<Entry>) = list.drain(..).partition(|e| matches(e));
        *list = kept;
        if list.is_empty() {
            self.own.remove(topic);
        }
        (!left.is_empty()).then(|| (topic.to_owned(), payload(&[], &left)))
    }

    /// Takes in another node's announcement; whether the node was new, and the diffs.
    pub(crate) fn receive(
        &mut self,
        announcement: Announcement,
        now: Instant,
    ) -> (bool, Vec<Diff>) {
        let Announcement { node, entries, down } = announcement;
        let old = self.remote.remove(&node);
        let is_new = old.is_none();
        let old_entries = old.map(|r| r.entries).unwrap_or_default();
        if down {
            return (false, diffs(&old_entries, &Entries::new()));
        }
        let diffs = diffs(&old_entries, &entries);
        self.remote.insert(node, Replica { entries, last_seen: now });
        (is_new, diffs)
    }

    /// Drops nodes not heard from for `timeout`; the leaves of their entries.
    pub(crate) fn expire(&mut self, now: Instant, timeout: Duration) -> Vec<Diff> {
        let dead: Vec<String> = self
            .remote
            .iter()
            .filter(|(_, r)| now.saturating_duration_since(r.last_seen) > timeout)
            .map(|(node, _)| node.clone())
            .collect();
        let mut out = Vec::new();
        for node in dead {
            if let Some(replica) = self.remote.remove(&node) {
                log::info!("presence: node {node} silent for over {timeout:?}; its entries left");
                out.extend(diffs(&replica.entries, &Entries::new()));
            }
        }
        out
    }

    /// Every presence on `topic`, all nodes: `{key: {"metas": [..]}}`.
    pub(crate) fn list(&self, topic: &str) -> Value {
        let mut nodes: Vec<(&String, &Replica)> = self.remote.iter().collect();
        nodes.sort_by(|a, b| a.0.cmp(b.0));
        let all: Vec<Entry> = self
            .own
            .get(topic)
            .into_iter()
            .chain(nodes.into_iter().filter_map(|(_, r)| r.entries.get(topic)))
            .flatten()
            .cloned()
            .collect();
        group(&all)
    }

    /// Number of other nodes currently known.
    pub(crate) fn remote_nodes(&self) -> usize {
        self.remote.len()
    }
}

/// The diffs between two versions of one node's entries, per topic that changed.
fn diffs(old: &Entries, new: &Entries) -> Vec<Diff> {
    let empty = Vec::new();
    let mut topics: Vec<&String> = old.keys().chain(new.keys()).collect();
    topics.sort();
    topics.dedup();
    let mut out = Vec::new();
    for topic in topics {
        let before = old.get(topic).unwrap_or(&empty);
        let after = new.get(topic).unwrap_or(&empty);
        let has = |list: &[Entry], e: &Entry| list.iter().any(|x| x.phx_ref() == e.phx_ref());
        let joins: Vec<Entry> = after.iter().filter(|e| !has(before, e)).cloned().collect();
        let leaves: Vec<Entry> = before.iter().filter(|e| !has(after, e)).cloned().collect();
        if !joins.is_empty() || !leaves.is_empty() {
            out.push((topic.clone(), payload(&joins, &leaves)));
        }
    }
    out
}

fn payload(joins: &[Entry], leaves: &[Entry]) -> Value {
    json!({"joins": group(joins), "leaves": group(leaves)})
}

/// Phoenix.Presence's shape: entries of one key gathered under `{"metas": [..]}`.
fn group(entries: &[Entry]) -> Value {
    let mut out = Map::new();
    for entry in entries {
        let slot = out.entry(entry.key.clone()).or_insert_with(|| json!({"metas": []}));
        if let Some(metas) = slot.get_mut("metas").and_then(Value::as_array_mut) {
            metas.push(Value::Object(entry.meta.clone()));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, phx_ref: &str) -> Entry {
        let meta = json!({"phx_ref": phx_ref, "online_at": 1}).as_object().cloned().unwrap();
        Entry { key: key.into(), meta }
    }

    fn announce(node: &str, entries: &[(&str, Entry)]) -> Announcement {
        let mut map = Entries::new();
        for (topic, e) in entries {
            map.entry((*topic).to_owned()).or_default().push(e.clone());
        }
        Announcement { node: node.into(), entries: map, down: false }
    }

    #[test]
    fn own_track_and_untrack_produce_phoenix_shaped_diffs() {
        let mut state = State::default();
        let (topic, diff) = state.track("room", entry("ada", "r1"));
        assert_eq!(topic, "room");
        assert_eq!(
            diff,
            json!({"joins": {"ada": {"metas": [{"phx_ref": "r1", "online_at": 1}]}}, "leaves": {}})
        );
        state.track("room", entry("ada", "r2"));
        assert_eq!(state.list("room")["ada"]["metas"].as_array().unwrap().len(), 2);
        let (_, diff) = state.untrack("room", |e| e.phx_ref() == "r1").unwrap();
        assert_eq!(diff["leaves"]["ada"]["metas"][0]["phx_ref"], "r1");
        assert!(state.untrack("room", |e| e.phx_ref() == "r1").is_none(), "already gone");
        state.untrack("room", |e| e.key == "ada").unwrap();
        assert_eq!(state.list("room"), json!({}));
        assert!(state.own().is_empty());
    }

    #[test]
    fn announcements_diff_against_the_replica_and_merge_into_list() {
        let mut state = State::default();
        let t0 = Instant::now();
        state.track("room", entry("me", "m1"));
        let (new, diffs) = state.receive(announce("b", &[("room", entry("bob", "b1"))]), t0);
        assert!(new);
        assert_eq!(diffs, vec![("room".to_owned(), payload(&[entry("bob", "b1")], &[]))]);
        let (new, diffs) = state.receive(announce("b", &[("room", entry("bob", "b1"))]), t0);
        assert!(!new);
        assert!(diffs.is_empty(), "a heartbeat without change pushes nothing");
        let list = state.list("room");
        assert_eq!(list.as_object().unwrap().len(), 2);
        let (_, diffs) = state.receive(
            announce("b", &[("room", entry("eve", "b2")), ("lobby", entry("bob", "b3"))]),
            t0,
        );
        assert_eq!(diffs.len(), 2);
        let lobby = &diffs[0];
        assert_eq!(lobby.0, "lobby");
        assert_eq!(lobby.1["joins"]["bob"]["metas"][0]["phx_ref"], "b3");
        let room = &diffs[1];
        assert_eq!(room.1["joins"]["eve"]["metas"][0]["phx_ref"], "b2");
        assert_eq!(room.1["leaves"]["bob"]["metas"][0]["phx_ref"], "b1");
    }

    #[test]
    fn silent_nodes_expire_and_leaving_nodes_go_at_once() {
        let mut state = State::default();
        let t0 = Instant::now();
        state.receive(announce("b", &[("room", entry("bob", "b1"))]), t0);
        state.receive(announce("c", &[("room", entry("cat", "c1"))]), t0);
        let timeout = Duration::from_secs(5);
        assert!(state.expire(t0 + Duration::from_secs(4), timeout).is_empty());
        state.receive(announce("c", &[("room", entry("cat", "c1"))]), t0 + Duration::from_secs(4));
        let diffs = state.expire(t0 + Duration::from_secs(6), timeout);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].1["leaves"]["bob"]["metas"][0]["phx_ref"], "b1");
        assert_eq!(state.remote_nodes(), 1);
        let mut down = announce("c", &[]);
        down.down = true;
        let (_, diffs) = state.receive(down, t0 + Duration::from_secs(7));
        assert_eq!(diffs[0].1["leaves"]["cat"]["metas"][0]["phx_ref"], "c1");
        assert_eq!(state.remote_nodes(), 0);
        assert_eq!(state.list("room"), json!({}));
    }
}
