//! The floor: a raw tungstenite server that answers Phoenix frames with the smallest correct
//! reply and does nothing else (no views, no diffing, no hop to another thread).
//!
//! It serves a page with the same markers a LiveView page has, so the load tool runs the very
//! same steps (GET, upgrade, join, events) against it as against a real server. One thread per
//! connection reads and answers inline, which is the cheapest shape a thread-per-connection
//! server can have; writes go through a per-connection mutex so the fan-out trigger can push
//! to every connection, as a PubSub broadcast would.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use crate::frame::{self, Incoming};

/// The event that makes the echo server push a diff to every connection.
pub const BROADCAST_EVENT: &str = "broadcast";

const MAX_HEAD: usize = 16 * 1024;
const THREAD_STACK: usize = 128 * 1024;

type Writer = Arc<Mutex<WebSocket<TcpStream>>>;

/// Connections that joined: id → (writer, join_ref, topic).
#[derive(Default)]
struct Registry {
    joined: Mutex<HashMap<u64, (Writer, String, String)>>,
    next_id: AtomicU64,
    pushes: AtomicU64,
}

/// Accepts connections forever, one thread each.
///
/// # Errors
/// Only if the listener itself fails.
pub fn serve(listener: TcpListener) -> std::io::Result<()> {
    let registry = Arc::new(Registry::default());
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let registry = Arc::clone(&registry);
        let spawned = thread::Builder::new()
            .name("lv-echo-conn".into())
            .stack_size(THREAD_STACK)
            .spawn(move || {
                if let Err(e) = handle(stream, &registry) {
                    log_debug(&e);
                }
            });
        if let Err(e) = spawned {
            eprintln!("lv-echo: cannot spawn a connection thread: {e}");
        }
    }
    Ok(())
}

/// Binds `addr` and serves on a background thread; returns the bound address.
///
/// # Errors
/// Binding failed.
pub fn spawn(addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    thread::Builder::new().name("lv-echo-accept".into()).spawn(move || serve(listener))?;
    Ok(local)
}

fn log_debug(e: &dyn std::fmt::Display) {
    if std::env::var_os("LV_ECHO_DEBUG").is_some() {
        eprintln!("lv-echo: {e}");
    }
}

fn handle(mut stream: TcpStream, registry: &Registry) -> Result<(), String> {
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(1024);
    let head_len = loop {
        let mut chunk = [0u8; 2048];
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err("request head too large".into());
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    req.parse(&buf[..head_len]).map_err(|e| e.to_string())?;
    let path = req.path.unwrap_or("/").to_string();
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    if !path.starts_with("/live/websocket") {
        let id = registry.next_id.fetch_add(1, Ordering::Relaxed);
        return serve_page(&mut stream, id).map_err(|e| e.to_string());
    }
    let key = header("sec-websocket-key").ok_or("upgrade without Sec-WebSocket-Key")?;
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).map_err(|e| e.to_string())?;
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let write_half = stream.try_clone().map_err(|e| e.to_string())?;
    let writer: Writer =
        Arc::new(Mutex::new(WebSocket::from_raw_socket(write_half, Role::Server, Some(config))));
    let mut reader = WebSocket::from_partially_read(
        stream,
        buf[head_len..].to_vec(),
        Role::Server,
        Some(config),
    );
    let conn_id = registry.next_id.fetch_add(1, Ordering::Relaxed);
    let result = channel_loop(&mut reader, &writer, conn_id, registry);
    registry.joined.lock().unwrap_or_else(|p| p.into_inner()).remove(&conn_id);
    result
}

fn channel_loop(
    reader: &mut WebSocket<TcpStream>,
    writer: &Writer,
    conn_id: u64,
    registry: &Registry,
) -> Result<(), String> {
    let mut count: u64 = 0;
    loop {
        let msg = match reader.read() {
            Ok(m) => m,
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(());
            }
            Err(e) => return Err(e.to_string()),
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        let Ok(f) = Incoming::parse(&text) else { continue };
        let (jr, r) = (f.join_ref.as_deref(), f.msg_ref.as_deref());
        let reply = match f.event.as_str() {
            "phx_join" => {
                let jr_owned = jr.unwrap_or("").to_string();
                registry
                    .joined
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(conn_id, (Arc::clone(writer), jr_owned, f.topic.clone()));
                reply(
                    jr,
                    r,
                    &f.topic,
                    r#"{"liveview_version":"1.2.10","rendered":{"0":"0","s":["<p>","</p>"]}}"#,
                )
            }
            "event" if event_name(f.payload.get()).as_deref() == Some(BROADCAST_EVENT) => {
                broadcast(registry);
                reply(jr, r, &f.topic, "{}")
            }
            "event" => {
                count += 1;
                reply(jr, r, &f.topic, &format!(r#"{{"diff":{{"0":"{count}"}}}}"#))
            }
            _ => reply(jr, r, &f.topic, "{}"),
        };
        send(writer, reply)?;
    }
}

fn reply(join_ref: Option<&str>, msg_ref: Option<&str>, topic: &str, response: &str) -> String {
    frame::encode(
        join_ref,
        msg_ref,
        topic,
        "phx_reply",
        &format!(r#"{{"status":"ok","response":{response}}}"#),
    )
}

fn event_name(payload: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Event {
        event: String,
    }
    serde_json::from_str::<Event>(payload).ok().map(|e| e.event)
}

fn broadcast(registry: &Registry) {
    let n = registry.pushes.fetch_add(1, Ordering::Relaxed) + 1;
    let diff = format!(r#"{{"0":"{n}"}}"#);
    let joined = registry.joined.lock().unwrap_or_else(|p| p.into_inner());
    for (writer, join_ref, topic) in joined.values() {
        let _ = send(writer, frame::encode(Some(join_ref), None, topic, "diff", &diff));
    }
}

fn send(writer: &Writer, text: String) -> Result<(), String> {
    writer
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(Message::text(text))
        .map_err(|e| e.to_string())
}

fn serve_page(stream: &mut TcpStream, id: u64) -> std::io::Result<()> {
    let body = format!(
        "<!DOCTYPE html><html><head><meta name=\"csrf-token\" content=\"echo-csrf-{id}\"></head><body>\
<div id=\"phx-echo-{id}\" data-phx-main data-phx-session=\"echo-session\" data-phx-static=\"\">\
<p>0</p><button phx-click=\"inc\">+</button></div></body></html>"
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
Set-Cookie: _echo_key={id}; Path=/; HttpOnly\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_read_from_payloads() {
        assert_eq!(
            event_name(r#"{"type":"click","event":"broadcast","value":{}}"#).as_deref(),
            Some("broadcast")
        );
        assert_eq!(event_name("{}"), None);
    }

    #[test]
    fn replies_are_v2_frames() {
        assert_eq!(
            reply(Some("1"), Some("2"), "lv:x", "{}"),
            r#"["1","2","lv:x","phx_reply",{"status":"ok","response":{}}]"#
        );
    }
}
