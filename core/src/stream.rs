//! Streams (`stream/4`, `stream_insert/4`, `stream_delete/3`): large collections rendered
//! once and then forgotten by the server.
//!
//! # How a template sees a stream
//! Each stream lives under the `streams` assign: `streams.<name>` is a JSON object holding the
//! pending operations under [`STREAM_MARKER`] and the items to render now under `entries`
//! (`[{"dom_id": ..., "item": ...}]`). A template front end that finds this marker on the
//! value it iterates (`{{#each streams.songs}}` in `liveview-templates`) renders a
//! comprehension whose [`StreamOps`] come from [`stream_of`]; each row sees the item's fields
//! plus `dom_id`. After every render the socket prunes its streams (no item state is kept),
//! exactly like Phoenix's `after_render` hook.
//!
//! ```
//! use liveview_core::{Socket, StreamOpts};
//! use serde_json::json;
//!
//! let mut socket = Socket::new("phx-1", true);
//! socket.stream("songs", vec![json!({"id": 1, "title": "Song"})], StreamOpts::default()).unwrap();
//! socket.stream_insert("songs", json!({"id": 2, "title": "Two"}), 0, None).unwrap();
//! let songs = &socket.assigns().get("streams").unwrap()["songs"];
//! let (ops, entries) = liveview_core::stream_of(songs).unwrap();
//! assert_eq!(ops.inserts.len(), 2);
//! assert_eq!(entries[0].0, "songs-1");
//! ```

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::rendered::{StreamInsert, StreamOps};
use crate::socket::Socket;
use crate::view::ViewResult;

/// Key marking a stream value inside the `streams` assign.
pub const STREAM_MARKER: &str = "__phx_stream__";

/// The assign holding every stream.
pub const STREAMS_ASSIGN: &str = "streams";

/// Computes an item's DOM id; `None` when the item has no usable id.
pub type DomIdFn = Arc<dyn Fn(&Value) -> Option<String> + Send + Sync>;

/// Options of [`Socket::stream`] (Phoenix's keyword options).
#[derive(Clone, Default)]
pub struct StreamOpts {
    /// DOM id function; default `"<name>-<id>"` from the item's `id` field.
    pub dom_id: Option<DomIdFn>,
    /// Where items go when the stream already exists: `-1` append (default), `0` prepend.
    pub at: Option<i64>,
    /// Keep at most this many items on the client (negative: the last n).
    pub limit: Option<i64>,
    /// Remove every item on the client before inserting these (`reset: true`).
    pub reset: bool,
}

impl StreamOpts {
    /// Options with a custom DOM id function.
    pub fn dom_id(f: impl Fn(&Value) -> Option<String> + Send + Sync + 'static) -> StreamOpts {
        StreamOpts { dom_id: Some(Arc::new(f)), ..StreamOpts::default() }
    }
}

impl fmt::Debug for StreamOpts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamOpts")
            .field("dom_id", &self.dom_id.as_ref().map(|_| "fn"))
            .field("at", &self.at)
            .field("limit", &self.limit)
            .field("reset", &self.reset)
            .finish()
    }
}

/// One pending insert: `(dom_id, at, item, limit, update_only)`.
#[derive(Clone, Debug)]
struct Insert {
    dom_id: String,
    at: i64,
    item: Value,
    limit: Option<i64>,
    update_only: bool,
}

struct LiveStream {
    name: String,
    reference: String,
    dom_id: DomIdFn,
    inserts: Vec<Insert>,
    deletes: Vec<String>,
    reset: bool,
}

/// Every stream of one socket (Phoenix's `@streams` bookkeeping).
#[derive(Default)]
pub(crate) struct Streams {
    next_ref: u32,
    streams: Vec<LiveStream>,
    configured: Vec<(String, DomIdFn)>,
}

impl fmt::Debug for Streams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.streams.iter().map(|s| s.name.as_str()).collect();
        f.debug_struct("Streams").field("names", &names).finish()
    }
}

fn default_dom_id(name: &str) -> DomIdFn {
    let prefix = name.to_owned();
    Arc::new(move |item: &Value| {
        let id = item.get("id")?;
        Some(match id {
            Value::String(s) => format!("{prefix}-{s}"),
            Value::Null => return None,
            other => format!("{prefix}-{other}"),
        })
    })
}

impl LiveStream {
    fn insert(
        &mut self,
        item: Value,
        at: i64,
        limit: Option<i64>,
        update_only: bool,
    ) -> ViewResult {
        let dom_id = (self.dom_id)(&item).ok_or_else(|| {
            format!("stream {:?}: item has no DOM id (give it an \"id\" or a dom_id fn)", self.name)
        })?;
        self.inserts.push(Insert { dom_id, at, item, limit, update_only });
        Ok(())
    }

    fn is_pruned(&self) -> bool {
        self.inserts.is_empty() && self.deletes.is_empty() && !self.reset
    }

    /// The value templates read: operations in Phoenix's wire order (newest insert first)
    /// and the entries to render (each DOM id once, its newest version, oldest first).
    fn to_value(&self) -> Value {
        let inserts: Vec<Value> = self
            .inserts
            .iter()
            .rev()
            .map(|i| json!([i.dom_id, i.at, i.limit, i.update_only]))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut entries: Vec<Value> = Vec::new();
        for i in self.inserts.iter().rev() {
            if seen.insert(i.dom_id.as_str()) {
                entries.push(json!({"dom_id": i.dom_id, "item": i.item}));
            }
        }
        entries.reverse();
        json!({
            STREAM_MARKER: {
                "ref": self.reference,
                "inserts": inserts,
                "deletes": self.deletes,
                "reset": self.reset,
            },
            "entries": entries,
        })
    }
}

impl Streams {
    fn get_mut(&mut self, name: &str) -> Option<&mut LiveStream> {
        self.streams.iter_mut().find(|s| s.name == name)
    }

    fn value(&self) -> Value {
        let map: Map<String, Value> =
            self.streams.iter().map(|s| (s.name.clone(), s.to_value())).collect();
        Value::Object(map)
    }
}

impl Socket {
    fn sync_streams(&mut self) {
        let value = self.streams().value();
        self.assigns_mut().put(STREAMS_ASSIGN, value);
    }

    fn update_stream(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut LiveStream) -> ViewResult,
    ) -> ViewResult<&mut Socket> {
        let stream = self
            .streams_mut()
            .get_mut(name)
            .ok_or_else(|| format!("no stream with name {name:?} previously defined"))?;
        f(stream)?;
        self.sync_streams();
        Ok(self)
    }

    /// Defines stream `name` or adds `items` to it (`stream/4`). Items are JSON values
    /// (usually objects with an `id`); the template renders them from `streams.<name>` in the
    /// next render only.
    ///
    /// # Errors
    /// When an item cannot be serialized or has no DOM id.
    pub fn stream<T: Serialize>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        opts: StreamOpts,
    ) -> ViewResult<&mut Socket> {
        let items =
            items.into_iter().map(serde_json::to_value).collect::<Result<Vec<Value>, _>>()?;
        if self.streams_mut().get_mut(name).is_none() {
            // Phoenix: a new stream's ref counts per socket, prefixed by the component's cid.
            let n = self.streams().next_ref;
            let reference = match self.assigns().get("myself") {
                Some(cid) => format!("{cid}-{n}"),
                None => n.to_string(),
            };
            // As in Phoenix, a `stream_configure` wins over the options.
            let configured =
                self.streams().configured.iter().find(|(n, _)| n == name).map(|(_, f)| f.clone());
            let dom_id =
                configured.or_else(|| opts.dom_id.clone()).unwrap_or_else(|| default_dom_id(name));
            let streams = self.streams_mut();
            streams.next_ref += 1;
            streams.streams.push(LiveStream {
                name: name.to_owned(),
                reference,
                dom_id,
                inserts: Vec::new(),
                deletes: Vec::new(),
                reset: false,
            });
            // Phoenix inserts a new stream's items at -1 whatever `at` says.
            return self.update_stream(name, |s| {
                items.into_iter().try_for_each(|item| s.insert(item, -1, opts.limit, false))
            });
        }
        let at = opts.at.unwrap_or(-1);
        self.update_stream(name, |s| {
            s.reset |= opts.reset;
            items.into_iter().try_for_each(|item| s.insert(item, at, opts.limit, false))
        })
    }

    /// Sets the DOM id function of a stream before it is defined (`stream_configure/3`).
    ///
    /// # Errors
    /// When the stream is already defined or configured (Phoenix raises).
    pub fn stream_configure(
        &mut self,
        name: &str,
        dom_id: impl Fn(&Value) -> Option<String> + Send + Sync + 'static,
    ) -> ViewResult<&mut Socket> {
        let streams = self.streams_mut();
        if streams.get_mut(name).is_some() || streams.configured.iter().any(|(n, _)| n == name) {
            return Err(format!(
                "cannot configure stream {name:?} after it has been configured or defined"
            )
            .into());
        }
        streams.configured.push((name.to_owned(), Arc::new(dom_id)));
        Ok(self)
    }

    /// Inserts or updates one item (`stream_insert/4`): `at` `-1` appends, `0` prepends;
    /// `limit` trims the client's list.
    ///
    /// # Errors
    /// When the stream is not defined or the item has no DOM id.
    pub fn stream_insert(
        &mut self,
        name: &str,
        item: impl Serialize,
        at: i64,
        limit: Option<i64>,
    ) -> ViewResult<&mut Socket> {
        let item = serde_json::to_value(item)?;
        self.update_stream(name, |s| s.insert(item, at, limit, false))
    }

    /// Updates an item only if the client already shows it (`update_only: true`).
    ///
    /// # Errors
    /// As [`Socket::stream_insert`].
    pub fn stream_update(&mut self, name: &str, item: impl Serialize) -> ViewResult<&mut Socket> {
        let item = serde_json::to_value(item)?;
        self.update_stream(name, |s| s.insert(item, -1, None, true))
    }

    /// Removes an item from the client's list (`stream_delete/3`).
    ///
    /// # Errors
    /// When the stream is not defined or the item has no DOM id.
    pub fn stream_delete(&mut self, name: &str, item: impl Serialize) -> ViewResult<&mut Socket> {
        let item = serde_json::to_value(item)?;
        self.update_stream(name, |s| {
            let id =
                (s.dom_id)(&item).ok_or_else(|| format!("stream {name:?}: item has no DOM id"))?;
            s.deletes.push(id);
            Ok(())
        })
    }

    /// Removes an item by its DOM id (`stream_delete_by_dom_id/3`).
    ///
    /// # Errors
    /// When the stream is not defined.
    pub fn stream_delete_by_dom_id(&mut self, name: &str, dom_id: &str) -> ViewResult<&mut Socket> {
        self.update_stream(name, |s| {
            s.deletes.push(dom_id.to_owned());
            Ok(())
        })
    }

    /// Empties the client's list (`stream(socket, name, [], reset: true)`).
    ///
    /// # Errors
    /// When the stream is not defined.
    pub fn stream_reset(&mut self, name: &str) -> ViewResult<&mut Socket> {
        self.update_stream(name, |s| {
            s.reset = true;
            Ok(())
        })
    }

    /// Forgets what the last render sent (Phoenix's `after_render` prune); the `streams`
    /// assign is rewritten without counting as a change.
    pub(crate) fn prune_streams(&mut self) {
        if self.streams().streams.iter().all(LiveStream::is_pruned) {
            return;
        }
        for s in &mut self.streams_mut().streams {
            s.inserts.clear();
            s.deletes.clear();
            s.reset = false;
        }
        let changed = self.assigns().is_changed(STREAMS_ASSIGN);
        let all = self.assigns().is_all_changed();
        self.sync_streams();
        if !changed && !all {
            self.assigns_mut().clear_key_change(STREAMS_ASSIGN);
        }
    }
}

/// Reads a stream value from the `streams` assign: its operations and the entries to render
/// (`(dom_id, item)`); `None` when `value` is not a stream.
pub fn stream_of(value: &Value) -> Option<(StreamOps, Vec<(&str, &Value)>)> {
    let ops = value.get(STREAM_MARKER)?;
    let reference = ops.get("ref")?.as_str()?.to_owned();
    let inserts = ops
        .get("inserts")?
        .as_array()?
        .iter()
        .map(|i| {
            Some(StreamInsert {
                dom_id: i.get(0)?.as_str()?.to_owned(),
                at: i.get(1)?.as_i64()?,
                limit: i.get(2).and_then(Value::as_i64),
                update_only: i.get(3).and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let deletes = ops
        .get("deletes")?
        .as_array()?
        .iter()
        .map(|d| d.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()?;
    let reset = ops.get("reset").and_then(Value::as_bool).unwrap_or(false);
    let entries = value
        .get("entries")?
        .as_array()?
        .iter()
        .map(|e| Some((e.get("dom_id")?.as_str()?, e.get("item")?)))
        .collect::<Option<Vec<_>>>()?;
    Some((StreamOps { reference, inserts, deletes, reset }, entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn songs(socket: &Socket) -> Value {
        socket.assigns().get(STREAMS_ASSIGN).unwrap()["songs"].clone()
    }

    #[test]
    fn initial_stream_then_prune() {
        let mut s = Socket::new("phx-1", true);
        s.stream("songs", [json!({"id": 1}), json!({"id": 2})], StreamOpts::default()).unwrap();
        let v = songs(&s);
        let (ops, entries) = stream_of(&v).unwrap();
        assert_eq!(ops.reference, "0");
        // Phoenix's wire order: newest first.
        assert_eq!(ops.inserts[0].dom_id, "songs-2");
        assert_eq!(entries.iter().map(|e| e.0).collect::<Vec<_>>(), ["songs-1", "songs-2"]);
        s.assigns_mut().clear_changed();
        s.prune_streams();
        assert!(!s.assigns().is_changed(STREAMS_ASSIGN));
        let v = songs(&s);
        let (ops, entries) = stream_of(&v).unwrap();
        assert!(ops.inserts.is_empty() && entries.is_empty());
    }

    #[test]
    fn insert_delete_reset_and_duplicates() {
        let mut s = Socket::new("phx-1", true);
        s.stream("songs", Vec::<Value>::new(), StreamOpts::default()).unwrap();
        s.stream("other", Vec::<Value>::new(), StreamOpts::default()).unwrap();
        s.stream_insert("songs", json!({"id": "a", "v": 1}), 0, Some(10)).unwrap();
        s.stream_insert("songs", json!({"id": "a", "v": 2}), -1, None).unwrap();
        s.stream_delete("songs", json!({"id": "b"})).unwrap();
        s.stream_delete_by_dom_id("songs", "songs-c").unwrap();
        s.stream_reset("songs").unwrap();
        let v = songs(&s);
        let (ops, entries) = stream_of(&v).unwrap();
        assert_eq!(entries, vec![("songs-a", &json!({"id": "a", "v": 2}))]);
        assert_eq!(ops.inserts.len(), 2);
        assert_eq!(ops.inserts[1].limit, Some(10));
        assert_eq!(ops.deletes, ["songs-b", "songs-c"]);
        assert!(ops.reset);
        let other = &s.assigns().get(STREAMS_ASSIGN).unwrap()["other"];
        assert_eq!(stream_of(other).unwrap().0.reference, "1");
    }

    #[test]
    fn errors_and_custom_dom_id() {
        let mut s = Socket::new("phx-1", true);
        assert!(s.stream_insert("nope", json!({"id": 1}), -1, None).is_err());
        assert!(s.stream("songs", [json!({"name": "x"})], StreamOpts::default()).is_err());
        let opts = StreamOpts::dom_id(|v| v.get("slug")?.as_str().map(|s| format!("s-{s}")));
        s.stream("tags", [json!({"slug": "rust"})], opts).unwrap();
        let tags = &s.assigns().get(STREAMS_ASSIGN).unwrap()["tags"];
        assert_eq!(stream_of(tags).unwrap().1[0].0, "s-rust");
    }

    #[test]
    fn configure_before_define() {
        let mut s = Socket::new("phx-1", true);
        s.stream_configure("tags", |v| v.get("slug")?.as_str().map(|s| format!("t-{s}"))).unwrap();
        assert!(s.stream_configure("tags", |_| None).is_err());
        s.stream("tags", [json!({"slug": "a"})], StreamOpts::default()).unwrap();
        let tags = &s.assigns().get(STREAMS_ASSIGN).unwrap()["tags"];
        assert_eq!(stream_of(tags).unwrap().1[0].0, "t-a");
        assert!(s.stream_configure("tags", |_| None).is_err());
    }

    #[test]
    fn component_refs_are_prefixed() {
        let mut s = Socket::new("phx-1", true);
        s.assigns_mut().put("myself", json!(3));
        s.stream("songs", Vec::<Value>::new(), StreamOpts::default()).unwrap();
        assert_eq!(stream_of(&songs(&s)).unwrap().0.reference, "3-0");
    }
}
