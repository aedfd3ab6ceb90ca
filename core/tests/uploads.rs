//! Upload channels at the frame level: preflight tokens, `lvu:` joins, binary chunks, the
//! size limit, and channels closing on consume and with their view.

mod app_support;

use std::sync::OnceLock;

use app_support::*;
use liveview_core::upload::UploadConfig;
use liveview_core::{App, LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

/// Renders how many bytes `save` consumed.
struct UploadLive;

impl LiveView for UploadLive {
    fn mount(params: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("saved", "")?;
        let mut config =
            UploadConfig { max_file_size: 8, chunk_size: 4, ..UploadConfig::default() };
        // `?no_wait`: any later frame finds the next chunk overdue.
        if params.get("no_wait").is_some() {
            config.chunk_timeout = std::time::Duration::ZERO;
        }
        socket.allow_upload("doc", config);
        Ok(UploadLive)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<Tpl> = OnceLock::new();
        Some(T.get_or_init(|| Tpl { prefix: "<p>", key: "saved", suffix: "</p>" }))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "save" {
            let saved = socket.consume_uploaded_entries("doc", |path, _| {
                std::fs::read_to_string(path).unwrap_or_default()
            })?;
            socket.assign("saved", saved.join(","))?;
        }
        Ok(())
    }
}

fn upload_app() -> App {
    App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .live::<UploadLive>("/up")
        .build()
        .unwrap()
}

fn chunk(join_ref: &str, msg_ref: &str, topic: &str, bytes: &[u8]) -> Vec<u8> {
    let mut data = vec![0u8];
    for part in [join_ref, msg_ref, topic, "chunk"] {
        data.push(u8::try_from(part.len()).unwrap());
    }
    for part in [join_ref, msg_ref, topic, "chunk"] {
        data.extend_from_slice(part.as_bytes());
    }
    data.extend_from_slice(bytes);
    data
}

/// Joins the view and preflights one entry of `size` bytes; returns the connection, frames,
/// view topic and the entry token.
fn preflighted(
    size: u64,
) -> (Box<dyn liveview_core::ClientConnection>, crossbeam_channel::Receiver<String>, String, String)
{
    preflighted_at("/up", size)
}

fn preflighted_at(
    path: &str,
    size: u64,
) -> (Box<dyn liveview_core::ClientConnection>, crossbeam_channel::Receiver<String>, String, String)
{
    let app = upload_app();
    let (page, mut conn, rx, reply) = join(&app, path);
    assert_eq!(status(&reply), "ok", "{reply}");
    let topic = page.topic();
    let upload_ref = "phx-upload-1-doc";
    let entry = json!({"ref": "0", "name": "a.txt", "size": size, "type": "text/plain", "last_modified": 1, "relative_path": ""});
    conn.handle_text(
        &json!(["1", "2", topic, "allow_upload", {"ref": upload_ref, "entries": [entry]}])
            .to_string(),
    );
    let reply = reply_to(&rx, &topic, "2");
    let response = &reply[4]["response"];
    assert_eq!(reply[4]["status"], "ok");
    assert_eq!(response["ref"], upload_ref, "{response}");
    let timeout = if path.contains("no_wait") { 0 } else { 10_000 };
    assert_eq!(
        response["config"],
        json!({"max_file_size": 8, "max_entries": 1, "chunk_size": 4, "chunk_timeout": timeout})
    );
    let token = response["entries"]["0"].as_str().expect("a token").to_owned();
    (conn, rx, topic, token)
}

#[test]
fn chunks_are_written_and_consumed() {
    let (mut conn, rx, topic, token) = preflighted(6);
    conn.handle_text(&json!(["10", "10", "lvu:0", "phx_join", {"token": token}]).to_string());
    assert_eq!(reply_to(&rx, "lvu:0", "10")[4], json!({"status": "ok", "response": {}}));
    conn.handle_binary(&chunk("10", "11", "lvu:0", b"abcd"));
    assert_eq!(reply_to(&rx, "lvu:0", "11")[4], json!({"status": "ok", "response": {}}));
    conn.handle_binary(&chunk("10", "12", "lvu:0", b"ef"));
    assert_eq!(reply_to(&rx, "lvu:0", "12")[4]["status"], "ok");
    conn.handle_text(&json!(["1", "13", topic, "progress", {"event": null, "ref": "phx-upload-1-doc", "entry_ref": "0", "progress": 100}]).to_string());
    assert_eq!(reply_to(&rx, &topic, "13")[4]["status"], "ok");
    conn.handle_text(
        &json!(["1", "14", topic, "event", {"type": "form", "event": "save", "value": ""}])
            .to_string(),
    );
    let reply = reply_to(&rx, &topic, "14");
    assert_eq!(reply[4]["response"]["diff"]["0"], "abcdef", "{reply}");
    // The consumed entry's channel closes at the client's next frame.
    conn.handle_text(r#"[null,"15","phoenix","heartbeat",{}]"#);
    let mut closed = false;
    for _ in 0..2 {
        let frame = next_frame(&rx);
        closed |= frame == json!(["10", "10", "lvu:0", "phx_close", {}]);
    }
    assert!(closed, "phx_close for lvu:0");
    // A token is good for one join only.
    conn.handle_text(&json!(["20", "20", "lvu:0", "phx_join", {"token": token}]).to_string());
    assert_eq!(reply_to(&rx, "lvu:0", "20")[4]["response"]["reason"], "invalid_token");
}

#[test]
fn bad_tokens_are_refused() {
    let (mut conn, rx, _topic, _token) = preflighted(6);
    conn.handle_text(r#"["10","10","lvu:0","phx_join",{"token":"forged"}]"#);
    assert_eq!(
        reply_to(&rx, "lvu:0", "10")[4],
        json!({"status": "error", "response": {"reason": "invalid_token"}})
    );
    conn.handle_text(r#"["11","11","lvu:1","phx_join",{}]"#);
    assert_eq!(reply_to(&rx, "lvu:1", "11")[4]["response"]["reason"], "invalid_token");
}

#[test]
fn chunks_past_max_file_size_stop_the_channel() {
    let (mut conn, rx, _topic, token) = preflighted(6);
    conn.handle_text(&json!(["10", "10", "lvu:0", "phx_join", {"token": token}]).to_string());
    assert_eq!(reply_to(&rx, "lvu:0", "10")[4]["status"], "ok");
    conn.handle_binary(&chunk("10", "11", "lvu:0", b"abcdefgh"));
    assert_eq!(reply_to(&rx, "lvu:0", "11")[4]["status"], "ok");
    conn.handle_binary(&chunk("10", "12", "lvu:0", b"i"));
    assert_eq!(
        reply_to(&rx, "lvu:0", "12")[4],
        json!({"status": "error", "response": {"reason": "file_size_limit_exceeded", "limit": 8}})
    );
    assert_eq!(next_frame(&rx), json!(["10", "10", "lvu:0", "phx_close", {}]));
    conn.handle_binary(&chunk("10", "13", "lvu:0", b"j"));
    assert_eq!(reply_to(&rx, "lvu:0", "13")[4]["response"]["reason"], "unmatched topic");
}

#[test]
fn upload_channels_end_with_their_view() {
    let (mut conn, rx, topic, token) = preflighted(6);
    conn.handle_text(&json!(["10", "10", "lvu:0", "phx_join", {"token": token}]).to_string());
    assert_eq!(reply_to(&rx, "lvu:0", "10")[4]["status"], "ok");
    conn.handle_text(&json!(["1", "11", topic, "phx_leave", {}]).to_string());
    let mut closed = false;
    for _ in 0..3 {
        let frame = next_frame(&rx);
        closed |= frame == json!(["10", "10", "lvu:0", "phx_close", {}]);
        if closed {
            break;
        }
    }
    assert!(closed, "phx_close for lvu:0 after its view left");
}

#[test]
fn an_overdue_chunk_stops_the_channel() {
    let (mut conn, rx, _topic, token) = preflighted_at("/up?no_wait=1", 6);
    conn.handle_text(&json!(["10", "10", "lvu:0", "phx_join", {"token": token}]).to_string());
    assert_eq!(reply_to(&rx, "lvu:0", "10")[4]["status"], "ok");
    conn.handle_binary(&chunk("10", "11", "lvu:0", b"abcd"));
    assert_eq!(next_frame(&rx), json!(["10", "10", "lvu:0", "phx_close", {}]));
    assert_eq!(reply_to(&rx, "lvu:0", "11")[4]["response"]["reason"], "unmatched topic");
}
