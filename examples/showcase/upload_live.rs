//! `/upload`: `live_file_input` with validation on `phx-change`, chunked upload over the
//! `lvu:` channel, progress, and `consume_uploaded_entries` on submit.

use liveview::upload::UploadConfig;
use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

/// Uploads text files and lists what was saved.
pub struct UploadLive;

impl LiveView for UploadLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("saved", Vec::<Value>::new())?;
        socket.allow_upload(
            "doc",
            UploadConfig {
                accept: vec![".txt".into(), ".md".into()],
                max_entries: 2,
                max_file_size: 100_000,
                // Small chunks, so even a small file shows progress over several frames.
                chunk_size: 1_000,
                ..UploadConfig::default()
            },
        );
        socket.set_page_title("Upload");
        Ok(UploadLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("upload_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "save" => {
                let mut saved: Vec<Value> = socket
                    .assigns()
                    .get("saved")
                    .and_then(|s| s.as_array().cloned())
                    .unwrap_or_default();
                let files = socket.consume_uploaded_entries("doc", |path, entry| {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    json!({"name": entry.client_name, "size": text.len(), "text": text})
                })?;
                saved.extend(files);
                socket.assign("saved", saved)?;
            }
            "cancel" => {
                let entry = params.get("ref").and_then(Value::as_str).unwrap_or_default();
                socket.cancel_upload("doc", entry)?;
            }
            _ => {}
        }
        Ok(())
    }
}
