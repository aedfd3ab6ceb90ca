//! `/chat`: PubSub. Every connected chat view subscribes to the `chat` topic; a message sent
//! in one tab is broadcast and appears in every tab.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use liveview::{Broadcast, LiveView, Message, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

use super::params;

const TOPIC: &str = "chat";
/// Messages kept for views that join later.
const HISTORY_LEN: usize = 50;

/// The last messages, shared by every chat view of this process.
static HISTORY: Mutex<Vec<Value>> = Mutex::new(Vec::new());

fn history() -> Vec<Value> {
    HISTORY.lock().map(|h| h.clone()).unwrap_or_default()
}

/// One chat tab.
pub struct ChatLive {
    nickname: String,
}

impl LiveView for ChatLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let nickname = format!("guest-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        if socket.is_connected() {
            socket.subscribe(TOPIC);
        }
        socket.assign("messages", history())?;
        socket.assign("nickname", &nickname)?;
        socket.set_page_title("Chat");
        Ok(ChatLive { nickname })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("chat_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        if event != "send" {
            return Err(params::unknown_event("chat", event));
        }
        let body = params::text(&params, "body").trim().to_owned();
        if body.is_empty() {
            return Ok(());
        }
        let message = json!({"from": self.nickname, "body": body});
        {
            let mut history = HISTORY.lock().map_err(|_| "chat history lock poisoned")?;
            history.push(message.clone());
            let excess = history.len().saturating_sub(HISTORY_LEN);
            history.drain(..excess);
        }
        // This view is subscribed too, so it renders the message when the broadcast arrives.
        socket.broadcast(TOPIC, "new_message", message)?;
        socket.assign("draft", "")?;
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(broadcast) = message.downcast_ref::<Broadcast>() {
            if broadcast.topic == TOPIC {
                socket.assign("messages", history())?;
            }
        }
        Ok(())
    }
}
