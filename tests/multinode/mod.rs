//! Two chat nodes (the `multinode_chat` example, each in its own process) sharing one
//! secret, one signing salt and one `redis-server`: a message sent at node A reaches a client
//! of node B, and when node A dies its client reconnects to node B with the same tokens and
//! remounts there.
//!
//! The node processes are this test binary run again with `--ignored --exact
//! multinode::node_process` and `LIVEVIEW_MULTINODE_NODE` set: the example's own code, with no
//! dependence on whether `cargo test` built the examples.

#[path = "../../examples/multinode_chat.rs"]
#[allow(dead_code)]
mod chat;
mod client;
#[path = "../../redis/tests/cases/support.rs"]
mod redis_support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use client::{Page, connect, get, join, submit};
use redis_support::{RedisServer, wait_until};

/// Set in the environment of a node process.
const NODE_ENV: &str = "LIVEVIEW_MULTINODE_NODE";
const SECRET: &str = "one secret key base shared by every node of this test 0123456789";

#[test]
#[ignore = "a chat node process, started by multinode::chat_across_nodes_and_failover"]
fn node_process() {
    if std::env::var_os(NODE_ENV).is_some() {
        // The parent holds our stdin: EOF means it is gone (even killed), so no node outlives
        // the test run.
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
        chat::run().expect("the chat node runs");
    }
}

/// A chat node in its own process, killed on drop.
struct Node {
    child: Option<Child>,
    port: u16,
}

impl Node {
    fn start(name: &str, redis_url: &str) -> Node {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["--ignored", "--exact", "multinode::node_process", "--nocapture"])
            .env(NODE_ENV, "1")
            .env("PORT", port.to_string())
            .env("NODE_NAME", name)
            .env("REDIS_URL", redis_url)
            .env("SECRET_KEY_BASE", SECRET)
            .env("PRESENCE_HEARTBEAT_MS", "100")
            .env("PRESENCE_TIMEOUT_MS", "1000")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start a node process");
        let node = Node { child: Some(child), port };
        wait_until(&format!("node {name} serves and reaches Redis"), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && node.status()["connected"] == true
        });
        node
    }

    /// `GET /status`: the node's Redis status.
    fn status(&self) -> Value {
        let (_, _, body) = get(self.port, "/status");
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    /// SIGKILL: the node dies without a goodbye.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The node name in a rendered diff or join reply (slot 0 of the chat template).
fn node_of(rendered: &Value) -> &str {
    rendered["0"].as_str().unwrap_or_default()
}

#[test]
fn chat_across_nodes_and_failover() {
    let Some(redis) = RedisServer::start() else { return };
    let mut a = Node::start("a", &redis.url());
    let b = Node::start("b", &redis.url());

    let bob_page = Page::fetch(b.port, "/?name=bob");
    let mut bob = connect(b.port, &bob_page);
    let (_bob_ref, reply) = join(&mut bob, &bob_page);
    assert_eq!(reply["status"], "ok", "{reply}");
    assert_eq!(node_of(&reply["response"]["rendered"]), "b");

    let ada_page = Page::fetch(a.port, "/?name=ada");
    let mut ada = connect(a.port, &ada_page);
    let (ada_ref, reply) = join(&mut ada, &ada_page);
    assert_eq!(reply["status"], "ok", "{reply}");
    assert_eq!(node_of(&reply["response"]["rendered"]), "a");

    // Presence: bob, on node b, sees ada join on node a.
    let bob_topic = bob_page.topic();
    bob.expect("ada in bob's online list", |f| {
        f[2] == bob_topic.as_str()
            && f[3] == "diff"
            && f[4]["2"].as_str().is_some_and(|s| s.contains("ada"))
    });

    wait_until("both nodes listen on the lobby", || {
        a.status()["listening"] == true && b.status()["listening"] == true
    });
    submit(&mut ada, &ada_page, &ada_ref, "send", "body=hello+from+node+a");
    let frame = bob.expect("ada's message at bob", |f| {
        f[2] == bob_topic.as_str() && f[3] == "diff" && f.to_string().contains("hello from node a")
    });
    assert!(frame[4]["3"].as_str().is_some_and(|s| s.contains("<b>ada</b> <small>via a</small>")));
    let ada_topic = ada_page.topic();
    ada.expect("ada's own message, once", |f| {
        f[2] == ada_topic.as_str() && f.to_string().contains("hello from node a")
    });

    // Node a dies; ada's browser reconnects (the load balancer now sends it to b) with the
    // page's cookie, CSRF token and signed session and static tokens, and remounts there.
    a.kill();
    ada.wait_closed();
    let mut ada = connect(b.port, &ada_page);
    let (ada_ref, reply) = join(&mut ada, &ada_page);
    assert_eq!(reply["status"], "ok", "node b verifies node a's tokens: {reply}");
    let rendered = &reply["response"]["rendered"];
    assert_eq!(node_of(rendered), "b", "remounted on node b");
    assert_eq!(rendered["1"], "ada", "same user, from the same URL");

    submit(&mut ada, &ada_page, &ada_ref, "send", "body=back+on+b");
    bob.expect("the message after the failover", |f| {
        f[2] == bob_topic.as_str() && f.to_string().contains("back on b")
    });

    // For a while ada is online twice: on b, and on a until its silence outlasts the presence
    // timeout; then a's entry leaves.
    bob.expect("node a's ghost entry expires", |f| {
        f[2] == bob_topic.as_str() && f[4]["2"] == "ada, bob"
    });
}
