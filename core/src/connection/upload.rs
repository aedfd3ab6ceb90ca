//! `lvu:<entry ref>` channels (Phoenix's `upload_channel.ex`): joined with an entry token,
//! they write the binary `chunk` pushes of one file to its temp file.
//!
//! They live in the connection, not in a view thread, so chunks are written without a trip
//! through a mailbox. A channel ends (`phx_close`) when its entry is consumed or cancelled
//! or its view ends; the connection notices that on the client's next frame.

use std::fs::File;
use std::io::Write;
use std::time::Instant;

use serde_json::{Value, json};

use super::Connection;
use crate::protocol::Frame;
use crate::upload::{Ticket, take_ticket};

/// One joined upload channel.
pub(super) struct UploadChannel {
    join_ref: String,
    ticket: Ticket,
    file: File,
    written: u64,
    /// When the last chunk (or the join) arrived, for `chunk_timeout`.
    last_chunk: Instant,
}

impl Connection {
    /// `phx_join` on `lvu:<ref>` with `{"token": …}`.
    pub(super) fn join_upload(&mut self, frame: &Frame) {
        let Some(join_ref) = frame.msg_ref.clone().or_else(|| frame.join_ref.clone()) else {
            return;
        };
        if let Some(old) = self.uploads.remove(&frame.topic) {
            self.close_upload(&frame.topic, &old);
        }
        let token = frame.payload.get("token").and_then(Value::as_str).unwrap_or_default();
        let Some(ticket) = take_ticket(token) else {
            self.refuse_join(frame, "invalid_token");
            return;
        };
        if ticket.is_closed() || !self.channels.contains_key(&ticket.view_topic) {
            self.refuse_join(frame, "disallowed");
            return;
        }
        let file = match File::create(&ticket.path) {
            Ok(file) => file,
            Err(e) => {
                log::warn!("connection {}: upload file: {e}", self.transport_id);
                self.refuse_join(frame, "writer_error");
                return;
            }
        };
        self.reply(frame, Some(&join_ref), "ok", "{}");
        self.uploads.insert(
            frame.topic.clone(),
            UploadChannel { join_ref, ticket, file, written: 0, last_chunk: Instant::now() },
        );
    }

    /// A binary push on an `lvu:` topic: one `chunk` of the file.
    pub(super) fn upload_chunk(&mut self, frame: &Frame, bytes: &[u8]) {
        self.end_stale_uploads();
        let Some(channel) = self.uploads.get_mut(&frame.topic) else {
            self.unmatched_topic(frame);
            return;
        };
        let join_ref = channel.join_ref.clone();
        if frame.event != "chunk" {
            self.reply(frame, Some(&join_ref), "error", r#"{"reason":"unknown event"}"#);
            return;
        }
        let limit = channel.ticket.max_file_size;
        let error = if channel.written + bytes.len() as u64 > limit {
            Some(json!({ "reason": "file_size_limit_exceeded", "limit": limit }))
        } else if let Err(e) = channel.file.write_all(bytes) {
            log::warn!("connection {}: upload write: {e}", self.transport_id);
            Some(json!({ "reason": "writer_error" }))
        } else {
            channel.written += bytes.len() as u64;
            channel.last_chunk = Instant::now();
            None
        };
        match error {
            None => self.reply(frame, Some(&join_ref), "ok", "{}"),
            Some(error) => {
                self.reply(frame, Some(&join_ref), "error", &error.to_string());
                if let Some(channel) = self.uploads.remove(&frame.topic) {
                    self.close_upload(&frame.topic, &channel);
                }
            }
        }
    }

    /// A text frame on an `lvu:` topic: only `phx_leave` means anything.
    pub(super) fn upload_text(&mut self, frame: &Frame) {
        match (frame.event.as_str(), self.uploads.remove(&frame.topic)) {
            ("phx_leave", _) => self.reply(frame, frame.join_ref.as_deref(), "ok", "{}"),
            (_, Some(channel)) => {
                let join_ref = channel.join_ref.clone();
                self.reply(frame, Some(&join_ref), "error", r#"{"reason":"unknown event"}"#);
                self.uploads.insert(frame.topic.clone(), channel);
            }
            (_, None) => self.unmatched_topic(frame),
        }
    }

    /// Closes the upload channels whose entry was consumed or cancelled, whose view ended,
    /// or whose next chunk is later than `chunk_timeout` (checked when the client sends
    /// anything: the connection has no timer of its own).
    pub(super) fn end_stale_uploads(&mut self) {
        if self.uploads.is_empty() {
            return;
        }
        let stale: Vec<String> = self
            .uploads
            .iter()
            .filter(|(_, u)| {
                u.ticket.is_closed()
                    || (u.written < u.ticket.size
                        && u.last_chunk.elapsed() >= u.ticket.chunk_timeout)
                    || !self.channels.get(&u.ticket.view_topic).is_some_and(|c| c.handle.is_alive())
            })
            .map(|(topic, _)| topic.clone())
            .collect();
        for topic in stale {
            if let Some(channel) = self.uploads.remove(&topic) {
                self.close_upload(&topic, &channel);
            }
        }
    }

    fn close_upload(&self, topic: &str, channel: &UploadChannel) {
        let join_ref = Some(channel.join_ref.as_str());
        self.send(Frame::encode_raw(join_ref, join_ref, topic, "phx_close", "{}"));
    }
}
