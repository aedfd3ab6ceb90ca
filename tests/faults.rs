//! Fault tests over real sockets with the real `App` (issue #8, part 3): a crash, a slow
//! reader, half-open connections and hostile frames each cost one view or one connection,
//! never the server.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use liveview::{
    App, Assigns, Broadcast, Dynamic, Endpoint, Fingerprint, LiveView, Message, MountParams,
    RenderError, Rendered, ServerConfig, Session, Socket, Statics, Template, ViewResult,
};
use serde_json::{Value, json};

use crate::support::client::Kind;
use crate::support::http::HttpClient;
use crate::support::{PhxClient, TestServer, wait_until};

/// `<p>{{count}}</p><pre>{{blob}}</pre>`.
struct FaultTemplate;

impl Template for FaultTemplate {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let text = |key: &str| match assigns.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let statics = Statics::new(["<p>", "</p><pre>", "</pre>"]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(
            statics,
            fingerprint,
            vec![Dynamic::escaped(&text("count")), Dynamic::escaped(&text("blob"))],
        ))
    }
}

static FAULT_TEMPLATE: FaultTemplate = FaultTemplate;

const BLOB_TOPIC: &str = "blobs";

/// `inc` counts, `panic` panics; a broadcast on [`BLOB_TOPIC`] sets a (large) `blob`.
struct FaultLive {
    count: i64,
}

impl LiveView for FaultLive {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        // Only sockets that ask for blobs (`?blobs=1`) get them.
        if socket.connect_params().is_some_and(|p| p.contains_key("blobs")) {
            socket.subscribe(BLOB_TOPIC);
        }
        socket.assign("count", 0)?;
        socket.assign("blob", "")?;
        Ok(FaultLive { count: 0 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&FAULT_TEMPLATE)
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                self.count += 1;
                socket.assign("count", self.count)?;
            }
            "panic" => panic!("a bug in one view"),
            _ => {}
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(broadcast) = message.downcast_ref::<Broadcast>() {
            socket.assign("blob", broadcast.payload["blob"].clone())?;
        }
        Ok(())
    }
}

fn fault_app() -> App {
    App::builder()
        .secret_key_base("a secret key base that is long enough for fault tests")
        .signing_salt("fault-salt")
        .live::<FaultLive>("/f")
        .build()
        .expect("the fault app builds")
}

fn serve(app: &App, config: ServerConfig) -> TestServer {
    TestServer::start_with(config, Arc::new(app.clone()) as Arc<dyn Endpoint>, Arc::default())
}

/// What a browser takes from one page load: the main view's topic and join payload.
struct Tokens {
    topic: String,
    payload: Value,
}

fn attr(html: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("no {name} in {html}")) + needle.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// Loads `/f` on `http` (with `cookie` once the first page set it); the tokens of the page,
/// and the cookie and CSRF token the socket connects with.
fn load(http: &mut HttpClient, addr: SocketAddr, cookie: Option<&str>) -> (Tokens, String, String) {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let response = http.request("GET", "/f", &headers, b"").expect("page load");
    assert_eq!(response.status, 200, "{}", response.text());
    let html = response.text();
    let cookie = cookie.map(str::to_owned).unwrap_or_else(|| {
        let set = response.header("set-cookie").expect("session cookie");
        set.split(';').next().unwrap().to_owned()
    });
    let csrf = attr(&html[html.find("name=\"csrf-token\"").expect("csrf meta")..], "content");
    let main = &html[html.find("<div id=\"phx-").expect("main view")..];
    let tokens = Tokens {
        topic: format!("lv:{}", attr(main, "id")),
        payload: json!({
            "url": format!("http://{addr}/f"),
            "params": {"_csrf_token": csrf, "_mounts": 0, "_mount_attempts": 0},
            "session": attr(main, "data-phx-session"),
            "static": attr(main, "data-phx-static"),
        }),
    };
    (tokens, cookie, csrf)
}

/// A WebSocket client as the browser opens it (same origin, cookie, CSRF token).
fn socket(addr: SocketAddr, cookie: &str, csrf: &str) -> PhxClient {
    socket_with(addr, cookie, csrf, "")
}

fn socket_with(addr: SocketAddr, cookie: &str, csrf: &str, query: &str) -> PhxClient {
    let origin = format!("http://{addr}");
    PhxClient::connect_with(
        Kind::WebSocket,
        addr,
        &format!("_csrf_token={csrf}&vsn=2.0.0{query}"),
        &[("cookie", cookie), ("origin", &origin)],
    )
}

/// Loads a page, opens a socket and joins its view.
fn join_one(addr: SocketAddr) -> (PhxClient, Tokens, String) {
    join_with_query(addr, "")
}

fn join_with_query(addr: SocketAddr, query: &str) -> (PhxClient, Tokens, String) {
    let mut http = HttpClient::connect(addr);
    let (tokens, cookie, csrf) = load(&mut http, addr, None);
    let mut client = socket_with(addr, &cookie, &csrf, query);
    let (join_ref, reply) = client.join_with(&tokens.topic, tokens.payload.clone());
    assert_eq!(reply["status"], "ok", "{reply}");
    (client, tokens, join_ref)
}

fn click(client: &mut PhxClient, join_ref: &str, topic: &str, event: &str) -> String {
    let payload = json!({"type": "click", "event": event, "value": {"value": ""}});
    client.push(Some(join_ref), topic, "event", payload)
}

#[test]
fn a_panic_in_one_view_among_1000_leaves_the_others_answering() {
    const VIEWS: usize = 1000;
    let app = fault_app();
    let server = serve(&app, ServerConfig::default());
    let addr = server.addr;

    // One browser session (one cookie), 1,000 tabs: each its own page and WebSocket.
    let mut http = HttpClient::connect(addr);
    let (first, cookie, csrf) = load(&mut http, addr, None);
    let mut pages = vec![first];
    pages.extend((1..VIEWS).map(|_| load(&mut http, addr, Some(&cookie)).0));
    let mut clients: Vec<(PhxClient, String)> = pages
        .iter()
        .map(|page| {
            let mut client = socket(addr, &cookie, &csrf);
            let join_ref = client.push(None, &page.topic, "phx_join", page.payload.clone());
            (client, join_ref)
        })
        .collect();
    for (client, join_ref) in &mut clients {
        assert_eq!(client.reply(join_ref)["status"], "ok");
    }
    assert_eq!(app.live_views(), VIEWS);

    let victim = VIEWS / 2;
    let (client, join_ref) = &mut clients[victim];
    let topic = &pages[victim].topic;
    click(client, join_ref, topic, "panic");
    let error = client.expect("phx_error", |f| f[3] == "phx_error");
    assert_eq!(error[2], topic.as_str());
    wait_until("the crashed view to end", || app.live_views() == VIEWS - 1);

    // Every other view answers; all clicks go out first, so this is one wave, not 999 waits.
    let refs: Vec<Option<String>> = clients
        .iter_mut()
        .zip(&pages)
        .enumerate()
        .map(|(i, ((client, join_ref), page))| {
            (i != victim).then(|| click(client, join_ref, &page.topic, "inc"))
        })
        .collect();
    for ((client, _), msg_ref) in clients.iter_mut().zip(&refs) {
        if let Some(msg_ref) = msg_ref {
            let reply = client.reply(msg_ref);
            assert_eq!(reply["response"]["diff"]["0"], "1", "{reply}");
        }
    }

    // The crashed tab rejoins on the same socket and gets a fresh view (Phoenix's remount).
    let (client, _) = &mut clients[victim];
    let (_, reply) = client.join_with(topic, pages[victim].payload.clone());
    assert_eq!(reply["status"], "ok", "{reply}");
    assert_eq!(reply["response"]["rendered"]["0"], "0");
}

#[test]
fn a_client_that_never_reads_is_disconnected_instead_of_buffered() {
    let app = fault_app();
    let config = ServerConfig::default().with_write_timeout(Duration::from_millis(300));
    let server = serve(&app, config);
    let (_silent, _tokens, _) = join_with_query(server.addr, "&blobs=1");
    let (mut reader, tokens, join_ref) = join_one(server.addr);
    assert_eq!(app.live_views(), 2);

    // 64 diffs of 512 KiB (32 MiB) offered to a client that reads nothing: far beyond the
    // kernel's socket buffers. The view's write blocks, times out, and the connection goes;
    // nothing queues in the server (no outbound queue exists; the mailbox holds 8 inputs).
    let pubsub = app.runtime().pubsub().clone();
    for n in 0..64 {
        let blob = format!("{n}{}", "x".repeat(512 * 1024));
        if pubsub.broadcast(BLOB_TOPIC, "set", json!({ "blob": blob })) == 0 {
            break;
        }
    }
    wait_until("the silent client's view to end", || app.live_views() == 1);

    // Another client on the same server still answers.
    let msg_ref = click(&mut reader, &join_ref, &tokens.topic, "inc");
    let reply = reader.reply(&msg_ref);
    assert_eq!(reply["response"]["diff"]["0"], "1", "{reply}");
}

#[test]
fn a_thousand_half_open_connections_do_not_stop_a_new_client() {
    const SLOW: usize = 1000;
    let app = fault_app();
    let server = serve(&app, ServerConfig::default());
    // Slowloris: each sends most of a head and then nothing, holding its connection open.
    let slow: Vec<TcpStream> = (0..SLOW)
        .map(|_| {
            let mut stream = TcpStream::connect(server.addr).expect("connect");
            stream.write_all(b"GET /f HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").expect("write");
            stream
        })
        .collect();
    // A browser still loads the page, connects, joins and clicks.
    let (mut client, tokens, join_ref) = join_one(server.addr);
    let msg_ref = click(&mut client, &join_ref, &tokens.topic, "inc");
    assert_eq!(client.reply(&msg_ref)["response"]["diff"]["0"], "1");
    drop(slow);
}

#[test]
fn hostile_frames_get_an_error_reply_or_close_only_their_connection() {
    let app = fault_app();
    let config = ServerConfig::default().with_ws_max_message_size(64 * 1024);
    let server = serve(&app, config);
    let (mut good, good_tokens, good_ref) = join_one(server.addr);
    let (mut bad, tokens, join_ref) = join_one(server.addr);

    // Malformed frames are dropped (logged); the connection stays.
    for text in ["not json", "[1,2]", "{\"a\":1}", "[null,null,null,null,null]", "[]"] {
        bad.send_text(text);
    }
    // An unknown topic gets an error reply.
    let r = bad.push(None, "lv:nobody", "event", json!({}));
    assert_eq!(bad.reply(&r)["response"]["reason"], "unmatched topic");
    let r = bad.push(None, "room:lobby", "phx_join", json!({}));
    assert_eq!(bad.reply(&r)["status"], "error");
    // An unknown event on a joined view gets an error reply; the view lives on.
    let r = bad.push(Some(&join_ref), &tokens.topic, "no_such_event", json!({}));
    let reply = bad.reply(&r);
    assert_eq!(reply["status"], "error", "{reply}");
    assert!(reply["response"]["reason"].as_str().unwrap().contains("not supported"), "{reply}");
    // A click naming an event the view does not handle is just an event (it ignores it).
    let r = click(&mut bad, &join_ref, &tokens.topic, "unknown_click");
    assert_eq!(bad.reply(&r)["status"], "ok");
    // A payload that is not an object is a malformed frame (dropped); an event payload
    // without its fields gets an error reply.
    bad.push(Some(&join_ref), &tokens.topic, "event", json!("oops"));
    let r = bad.push(Some(&join_ref), &tokens.topic, "event", json!({"type": "click"}));
    let reply = bad.reply(&r);
    assert_eq!(reply["response"]["reason"], "malformed event payload", "{reply}");
    let r = click(&mut bad, &join_ref, &tokens.topic, "inc");
    assert_eq!(bad.reply(&r)["response"]["diff"]["0"], "1");

    // An oversized payload closes that connection (1009) and ends its view.
    let huge = json!([join_ref, "99", tokens.topic, "event", {"type": "click", "event": "inc",
        "value": {"value": "x".repeat(100 * 1024)}}]);
    bad.send_text(&huge.to_string());
    assert_eq!(bad.wait_closed(), 1009);
    wait_until("the oversized client's view to end", || app.live_views() == 1);

    // The other client never noticed.
    let r = click(&mut good, &good_ref, &good_tokens.topic, "inc");
    assert_eq!(good.reply(&r)["response"]["diff"]["0"], "1");
}
