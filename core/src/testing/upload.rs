//! [`LiveViewTest::upload`]: the JS client's upload flow (`live_uploader.js`,
//! `entry_uploader.js`) over the in-memory socket.

use serde_json::{Value, json};

use super::dom;
use super::error::TestError;
use super::view::LiveViewTest;

/// A file chosen in a `live_file_input`.
#[derive(Debug, Clone)]
pub struct UploadFile {
    /// Its name on the client.
    pub name: String,
    /// Its MIME type.
    pub mime: String,
    /// Its bytes.
    pub content: Vec<u8>,
}

impl UploadFile {
    /// A file `name` of type `mime` holding `content`.
    pub fn new(name: &str, mime: &str, content: impl Into<Vec<u8>>) -> UploadFile {
        UploadFile { name: name.to_owned(), mime: mime.to_owned(), content: content.into() }
    }
}

impl LiveViewTest {
    /// Chooses `files` in the file input found by `selector` (rendered by
    /// `live_file_input`) and uploads them as the JS client does: the form's `phx-change`
    /// event `change_event` carrying `uploads`, the `allow_upload` preflight, one `lvu:`
    /// channel per accepted entry sending `chunk_size` binary chunks, and a `progress`
    /// event after each chunk. Returns the HTML after the last step.
    ///
    /// # Errors
    /// As any step; [`TestError::ErrorReply`] when the preflight reports errors or a
    /// join or chunk is refused (with the server's response).
    pub fn upload(
        &mut self,
        selector: &str,
        change_event: &str,
        files: &[UploadFile],
    ) -> Result<String, TestError> {
        let html = self.render()?;
        let upload_ref = dom::attribute(&html, selector, "data-phx-upload-ref")
            .ok_or_else(|| TestError::Merge(format!("no live_file_input at {selector:?}")))?;
        let name = dom::attribute(&html, selector, "name").unwrap_or_default();
        let cid = upload_cid(&html, selector)?;
        let entries: Vec<Value> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                json!({"path": name, "ref": i.to_string(), "last_modified": 0, "name": f.name,
                    "relative_path": "", "type": f.mime, "size": f.content.len()})
            })
            .collect();
        let root = self.id().to_owned();
        let with_cid = |mut payload: Value| {
            if let Some(cid) = cid {
                payload["cid"] = json!(cid);
            }
            payload
        };
        self.socket.push(
            &root,
            "event",
            with_cid(json!({"type": "form", "event": change_event, "value": "",
                "meta": {"_target": name}, "uploads": { &upload_ref: entries }})),
        )?;
        let preflight = self.socket.push(
            &root,
            "allow_upload",
            with_cid(json!({"ref": upload_ref, "entries": entries})),
        )?;
        if preflight.get("error").is_some()
            || preflight.get("errors").and_then(Value::as_object).is_some_and(|e| !e.is_empty())
        {
            return Err(TestError::ErrorReply(preflight));
        }
        let chunk_size = preflight["config"]["chunk_size"].as_u64().unwrap_or(64_000).max(1);
        let chunk_size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        for (i, file) in files.iter().enumerate() {
            let entry_ref = i.to_string();
            let Some(token) = preflight["entries"][&entry_ref].as_str() else { continue };
            let topic = format!("lvu:{entry_ref}");
            let (reply, join_ref) = self.socket.join_upload(&topic, token)?;
            if reply["status"] != "ok" {
                return Err(TestError::ErrorReply(reply["response"].clone()));
            }
            let mut sent = 0;
            let mut chunks: Vec<&[u8]> = file.content.chunks(chunk_size).collect();
            if chunks.is_empty() {
                chunks.push(&[]);
            }
            for chunk in chunks {
                let reply = self.socket.push_chunk(&topic, &join_ref, chunk)?;
                if reply["status"] != "ok" {
                    return Err(TestError::ErrorReply(reply["response"].clone()));
                }
                sent += chunk.len();
                let progress =
                    if file.content.is_empty() { 100 } else { sent * 100 / file.content.len() };
                self.socket.push(
                    &root,
                    "progress",
                    with_cid(json!({"event": null, "ref": upload_ref, "entry_ref": entry_ref,
                        "progress": progress})),
                )?;
            }
        }
        self.render()
    }
}

/// The component the upload events go to: the `phx-target` of the input's form (a cid, or a
/// selector resolved to its closest component), as the JS client's `targetComponentID`.
fn upload_cid(html: &str, selector: &str) -> Result<Option<u32>, TestError> {
    let Some(input) = dom::select(html, selector, None)?.into_iter().next() else {
        return Ok(None);
    };
    let target = input.form.as_ref().and_then(|form| {
        form.attrs.iter().find(|(k, _)| k == "phx-target").map(|(_, v)| v.clone())
    });
    let Some(target) = target else { return Ok(None) };
    if let Ok(cid) = target.trim().parse::<u32>() {
        return Ok(Some(cid));
    }
    Ok(dom::select(html, &target, None)?.into_iter().next().and_then(|t| t.component))
}
