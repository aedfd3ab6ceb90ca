//! LiveView uploads (Phoenix's `upload_config.ex` and `upload.ex`): per-name configs,
//! their entries, validation, and the tickets that let an `lvu:` channel write an entry's
//! bytes to a temp file.
//!
//! An entry's token is a random, unguessable ticket id registered in a process-wide table
//! ([`take_ticket`]): the view registers it on preflight, the connection takes it on the
//! `lvu:` join. Unlike Phoenix's signed tokens it can be used once only, which is what
//! `already_registered` means there anyway.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parking_lot::Mutex;
use serde_json::{Value, json};

/// How one upload (`allow_upload(name, ..)`) accepts files.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Accepted extensions (`.jpg`) or MIME types (`image/png`, `image/*`); empty = any.
    pub accept: Vec<String>,
    /// Most entries at once (default 1).
    pub max_entries: usize,
    /// Largest file in bytes (default 8,000,000).
    pub max_file_size: u64,
    /// Bytes per chunk the client sends (default 64,000).
    pub chunk_size: u64,
    /// Longest wait for the next chunk (default 10 s).
    pub chunk_timeout: Duration,
    /// Upload as soon as files are chosen, without waiting for submit.
    pub auto_upload: bool,
}

impl Default for UploadConfig {
    fn default() -> UploadConfig {
        UploadConfig {
            accept: Vec::new(),
            max_entries: 1,
            max_file_size: 8_000_000,
            chunk_size: 64_000,
            chunk_timeout: Duration::from_secs(10),
            auto_upload: false,
        }
    }
}

/// Why an upload call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadError {
    /// No `allow_upload` for this name.
    NotAllowed(String),
    /// `consume_uploaded_entries` on an entry whose bytes did not all arrive.
    NotDone(String),
    /// The temp file could not be read or removed.
    Io(String),
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::NotAllowed(name) => write!(f, "no upload allowed for {name:?}"),
            UploadError::NotDone(entry) => write!(f, "upload entry {entry:?} is not done"),
            UploadError::Io(e) => write!(f, "upload file error: {e}"),
        }
    }
}

impl std::error::Error for UploadError {}

/// One file the client chose.
#[derive(Debug, Clone)]
pub struct UploadEntry {
    /// The client's ref of this entry (`"0"`, `"1"`, …), unique within its upload.
    pub entry_ref: String,
    /// The file name on the client.
    pub client_name: String,
    /// Its size in bytes, as the client reports it.
    pub client_size: u64,
    /// Its MIME type, as the client reports it.
    pub client_type: String,
    /// Percent uploaded, as the client reports it.
    pub progress: u8,
    /// True once `progress` reached 100.
    pub done: bool,
    /// True when no error applies to it.
    pub valid: bool,
    /// True once it got a token (preflight).
    pub preflighted: bool,
    /// Where its bytes are written (set on preflight).
    path: Option<PathBuf>,
    /// Set when the entry is consumed or cancelled: its `lvu:` channel closes.
    closed: Arc<AtomicBool>,
}

/// One `allow_upload`: its config, ref and entries.
#[derive(Debug, Clone)]
pub struct Upload {
    name: String,
    upload_ref: String,
    config: UploadConfig,
    entries: Vec<UploadEntry>,
    /// `(entry ref or upload ref, error)` pairs, Phoenix's `errors`.
    errors: Vec<(String, String)>,
}

impl Upload {
    fn new(name: &str, config: UploadConfig, n: usize) -> Upload {
        Upload {
            name: name.to_owned(),
            upload_ref: format!("phx-upload-{n}-{name}"),
            config,
            entries: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The upload's ref (the input's id and `data-phx-upload-ref`).
    pub fn upload_ref(&self) -> &str {
        &self.upload_ref
    }

    /// Its entries, in the order the client sent them.
    pub fn entries(&self) -> &[UploadEntry] {
        &self.entries
    }

    /// Its errors: `(ref, error)`, `ref` being an entry's or the upload's own.
    pub fn errors(&self) -> &[(String, String)] {
        &self.errors
    }

    /// Replaces the not yet preflighted entries with `list` (a `phx-change` `uploads`
    /// value) and validates them all.
    fn register(&mut self, list: &[Value]) {
        self.entries.retain(|e| e.preflighted);
        for item in list {
            let Some(entry_ref) = text(item, "ref") else { continue };
            if self.entries.iter().any(|e| e.entry_ref == entry_ref) {
                continue;
            }
            self.entries.push(UploadEntry {
                entry_ref,
                client_name: text(item, "name").unwrap_or_default(),
                client_size: item.get("size").and_then(Value::as_u64).unwrap_or(0),
                client_type: text(item, "type").unwrap_or_default(),
                progress: 0,
                done: false,
                valid: true,
                preflighted: false,
                path: None,
                closed: Arc::default(),
            });
        }
        self.validate();
    }

    fn validate(&mut self) {
        self.errors.clear();
        if self.entries.len() > self.config.max_entries {
            self.errors.push((self.upload_ref.clone(), "too_many_files".into()));
        }
        for entry in &mut self.entries {
            let mut error = None;
            if entry.client_size > self.config.max_file_size {
                error = Some("too_large");
            }
            if !accepts(&self.config.accept, &entry.client_name, &entry.client_type) {
                error = Some("not_accepted");
            }
            entry.valid = error.is_none();
            if let Some(error) = error {
                self.errors.push((entry.entry_ref.clone(), error.into()));
            }
        }
    }

    /// The `uploads.<name>` assign the template reads.
    pub fn to_assign(&self) -> Value {
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let errors: Vec<&str> = self
                    .errors
                    .iter()
                    .filter(|(r, _)| *r == e.entry_ref)
                    .map(|(_, err)| err.as_str())
                    .collect();
                json!({
                    "ref": e.entry_ref, "upload_ref": self.upload_ref,
                    "client_name": e.client_name, "client_size": e.client_size,
                    "client_type": e.client_type, "progress": e.progress, "done": e.done,
                    "valid": e.valid, "preflighted": e.preflighted, "errors": errors,
                })
            })
            .collect();
        let errors: Vec<Value> = self.errors.iter().map(|(r, e)| json!([r, e])).collect();
        json!({
            "name": self.name, "ref": self.upload_ref, "accept": self.config.accept.join(","),
            "max_entries": self.config.max_entries, "max_file_size": self.config.max_file_size,
            "auto_upload": self.config.auto_upload, "entries": entries, "errors": errors,
        })
    }
}

/// Whether a file matches `accept` (extensions, MIME types, `type/*`; empty = any).
fn accepts(accept: &[String], name: &str, mime: &str) -> bool {
    let name = name.to_ascii_lowercase();
    accept.is_empty()
        || accept.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            if a.starts_with('.') {
                name.ends_with(&a)
            } else if let Some(prefix) = a.strip_suffix("/*") {
                mime.split('/').next() == Some(prefix)
            } else {
                a == mime
            }
        })
}

fn text(item: &Value, key: &str) -> Option<String> {
    match item.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// All uploads of one socket.
#[derive(Debug, Default)]
pub struct Uploads {
    by_name: BTreeMap<String, Upload>,
    created: usize,
    /// Ticket ids this socket registered, dropped with it.
    tickets: Vec<String>,
}

impl Uploads {
    /// Adds (or replaces) the upload `name`.
    pub fn allow(&mut self, name: &str, config: UploadConfig) {
        self.created += 1;
        self.by_name.insert(name.to_owned(), Upload::new(name, config, self.created));
    }

    /// The upload `name`.
    pub fn get(&self, name: &str) -> Option<&Upload> {
        self.by_name.get(name)
    }

    /// The `uploads` assign: every upload by name.
    pub fn to_assign(&self) -> Value {
        Value::Object(self.by_name.iter().map(|(k, u)| (k.clone(), u.to_assign())).collect())
    }

    fn by_ref(&mut self, upload_ref: &str) -> Option<&mut Upload> {
        self.by_name.values_mut().find(|u| u.upload_ref == upload_ref)
    }

    /// Registers the `uploads` of a `phx-change` event: `{"<upload ref>": [entry, …]}`.
    /// True when anything was registered.
    pub fn register(&mut self, uploads: &Value) -> bool {
        let Some(map) = uploads.as_object() else { return false };
        let mut changed = false;
        for (upload_ref, list) in map {
            if let (Some(upload), Some(list)) = (self.by_ref(upload_ref), list.as_array()) {
                upload.register(list);
                changed = true;
            }
        }
        changed
    }

    /// Answers an `allow_upload` preflight (`{"ref", "entries"}`): the reply payload.
    /// `topic` is the view's (`lv:<id>`): its upload channels end with it.
    pub fn preflight(&mut self, topic: &str, payload: &Value) -> Value {
        let upload_ref = payload.get("ref").and_then(Value::as_str).unwrap_or_default();
        let Some(upload) = self.by_ref(upload_ref) else {
            return json!({ "ref": upload_ref, "error": [[upload_ref, "disallowed"]] });
        };
        if let Some(list) = payload.get("entries").and_then(Value::as_array) {
            upload.register(list);
        }
        if upload.entries.len() > upload.config.max_entries {
            return json!({ "ref": upload_ref, "error": [[upload_ref, "too_many_files"]] });
        }
        let max = upload.config.max_file_size;
        let chunk_timeout = upload.config.chunk_timeout;
        let mut tokens = serde_json::Map::new();
        let mut new_tickets = Vec::new();
        for entry in upload.entries.iter_mut().filter(|e| e.valid && !e.done) {
            let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
            let path = std::env::temp_dir().join(format!("liveview-upload-{id}"));
            entry.preflighted = true;
            entry.path = Some(path.clone());
            let ticket = Ticket {
                path,
                max_file_size: max,
                size: entry.client_size,
                chunk_timeout,
                view_topic: topic.to_owned(),
                closed: entry.closed.clone(),
            };
            TICKETS.lock().insert(id.clone(), ticket);
            tokens.insert(entry.entry_ref.clone(), Value::String(id.clone()));
            new_tickets.push(id);
        }
        let errors: serde_json::Map<String, Value> =
            upload.errors.iter().map(|(r, e)| (r.clone(), json!([e]))).collect();
        let config = &upload.config;
        let reply = json!({
            "ref": upload_ref,
            "config": {
                "max_file_size": config.max_file_size, "max_entries": config.max_entries,
                "chunk_size": config.chunk_size,
                "chunk_timeout": u64::try_from(config.chunk_timeout.as_millis()).unwrap_or(u64::MAX),
            },
            "entries": tokens, "errors": errors,
        });
        self.tickets.extend(new_tickets);
        reply
    }

    /// Applies a `progress` event (`{"ref", "entry_ref", "progress"}`); false when unknown.
    pub fn progress(&mut self, payload: &Value) -> bool {
        let upload_ref = payload.get("ref").and_then(Value::as_str).unwrap_or_default();
        let entry_ref = payload.get("entry_ref").and_then(text_ref).unwrap_or_default();
        let Some(upload) = self.by_ref(upload_ref) else { return false };
        let Some(entry) = upload.entries.iter_mut().find(|e| e.entry_ref == entry_ref) else {
            return false;
        };
        match payload.get("progress") {
            Some(Value::Number(n)) => {
                let p = n.as_u64().unwrap_or(0).min(100);
                entry.progress = u8::try_from(p).unwrap_or(100);
                entry.done = p == 100;
            }
            _ => {
                // `{"error": "failed"}` from the client.
                entry.valid = false;
                upload.errors.push((entry_ref, "external_client_failure".into()));
            }
        }
        true
    }

    /// Removes entry `entry_ref` of `name` (or all its entries when `None`) and their files.
    pub fn cancel(&mut self, name: &str, entry_ref: Option<&str>) -> Result<(), UploadError> {
        let upload =
            self.by_name.get_mut(name).ok_or_else(|| UploadError::NotAllowed(name.into()))?;
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut upload.entries)
            .into_iter()
            .partition(|e| entry_ref.is_none_or(|r| r == e.entry_ref));
        upload.entries = kept;
        upload.validate();
        for entry in gone {
            entry.closed.store(true, Ordering::Relaxed);
            remove_file(entry.path.as_deref());
        }
        Ok(())
    }

    /// Hands each done entry of `name` with its temp file to `f`, then removes them.
    pub fn consume<T>(
        &mut self,
        name: &str,
        mut f: impl FnMut(&Path, &UploadEntry) -> T,
    ) -> Result<Vec<T>, UploadError> {
        let upload =
            self.by_name.get_mut(name).ok_or_else(|| UploadError::NotAllowed(name.into()))?;
        let (done, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut upload.entries).into_iter().partition(|e| e.done);
        upload.entries = kept;
        let mut results = Vec::new();
        for entry in done {
            let path = entry.path.clone().unwrap_or_default();
            results.push(f(&path, &entry));
            entry.closed.store(true, Ordering::Relaxed);
            remove_file(entry.path.as_deref());
        }
        upload.validate();
        Ok(results)
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        let mut tickets = TICKETS.lock();
        for id in &self.tickets {
            tickets.remove(id);
        }
        drop(tickets);
        for upload in self.by_name.values() {
            for entry in &upload.entries {
                entry.closed.store(true, Ordering::Relaxed);
                remove_file(entry.path.as_deref());
            }
        }
    }
}

fn text_ref(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn remove_file(path: Option<&Path>) {
    if let Some(path) = path {
        if let Err(e) = std::fs::remove_file(path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                log::warn!("upload: could not remove {}: {e}", path.display());
            }
        }
    }
}

/// What an `lvu:` channel may write: one entry's temp file, up to a size.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The temp file to write.
    pub path: PathBuf,
    /// Bytes allowed in it.
    pub max_file_size: u64,
    /// The entry's size as the client announced it: the upload is complete at this many.
    pub size: u64,
    /// Longest wait for the next chunk of an incomplete upload.
    pub chunk_timeout: Duration,
    /// The topic of the view that owns the entry (`lv:<id>`).
    pub view_topic: String,
    closed: Arc<AtomicBool>,
}

impl Ticket {
    /// True once the entry was consumed or cancelled, or its view ended.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }
}

static TICKETS: LazyLock<Mutex<HashMap<String, Ticket>>> = LazyLock::new(Mutex::default);

/// Takes the ticket of entry token `token` (once; `None` when unknown or already taken).
pub fn take_ticket(token: &str) -> Option<Ticket> {
    TICKETS.lock().remove(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> UploadConfig {
        UploadConfig {
            accept: vec![".txt".into()],
            max_entries: 2,
            max_file_size: 10,
            ..Default::default()
        }
    }

    #[test]
    fn register_validates_accept_size_and_count() {
        let mut uploads = Uploads::default();
        uploads.allow("doc", config());
        let r = uploads.get("doc").unwrap().upload_ref().to_owned();
        let list = json!({ &r: [
            {"ref": "0", "name": "a.txt", "size": 5, "type": "text/plain"},
            {"ref": "1", "name": "b.png", "size": 5, "type": "image/png"},
            {"ref": "2", "name": "c.txt", "size": 50, "type": "text/plain"},
        ]});
        assert!(uploads.register(&list));
        let errors = uploads.get("doc").unwrap().errors().to_vec();
        assert!(errors.contains(&(r.clone(), "too_many_files".into())));
        assert!(errors.contains(&("1".into(), "not_accepted".into())));
        assert!(errors.contains(&("2".into(), "too_large".into())));
        assert!(!errors.iter().any(|(r, _)| r == "0"));
    }

    #[test]
    fn preflight_progress_consume() {
        let mut uploads = Uploads::default();
        uploads.allow("doc", config());
        let r = uploads.get("doc").unwrap().upload_ref().to_owned();
        let reply = uploads.preflight(
            "lv:x",
            &json!({"ref": r, "entries": [
            {"ref": "0", "name": "a.txt", "size": 5, "type": "text/plain"}]}),
        );
        assert_eq!(reply["config"]["max_file_size"], 10);
        assert_eq!(reply["config"]["chunk_timeout"], 10_000);
        let token = reply["entries"]["0"].as_str().unwrap().to_owned();
        let ticket = take_ticket(&token).unwrap();
        assert!(take_ticket(&token).is_none(), "a ticket is taken once");
        assert_eq!(ticket.view_topic, "lv:x");
        std::fs::write(&ticket.path, b"hello").unwrap();
        assert!(uploads.progress(&json!({"ref": r, "entry_ref": "0", "progress": 100})));
        let read = uploads
            .consume("doc", |path, entry| (std::fs::read(path).unwrap(), entry.client_name.clone()))
            .unwrap();
        assert_eq!(read, vec![(b"hello".to_vec(), "a.txt".to_owned())]);
        assert!(!ticket.path.exists(), "consumed files are removed");
        assert!(ticket.is_closed(), "consuming closes the upload channel");
        assert!(uploads.get("doc").unwrap().entries().is_empty());
    }

    #[test]
    fn preflight_unknown_ref_and_too_many() {
        let mut uploads = Uploads::default();
        uploads.allow("doc", UploadConfig::default());
        let reply = uploads.preflight("lv:x", &json!({"ref": "nope", "entries": []}));
        assert_eq!(reply["error"][0][1], "disallowed");
        let r = uploads.get("doc").unwrap().upload_ref().to_owned();
        let reply = uploads.preflight(
            "lv:x",
            &json!({"ref": r, "entries": [
            {"ref": "0", "name": "a", "size": 1}, {"ref": "1", "name": "b", "size": 1}]}),
        );
        assert_eq!(reply["error"][0][1], "too_many_files");
        uploads.cancel("doc", None).unwrap();
        assert!(uploads.get("doc").unwrap().entries().is_empty());
    }
}
