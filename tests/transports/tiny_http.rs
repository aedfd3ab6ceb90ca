//! The tiny_http adapter: live routes, assets and long-poll from a program's own loop
//! (the long-poll conformance scenarios also run through it, see `conformance`).

use liveview::ServerConfig;

use crate::support::http::HttpClient;
use crate::support::{PhxClient, TinyHttpServer};

#[test]
fn serves_pages_assets_and_gives_back_other_routes() {
    let server = TinyHttpServer::start(ServerConfig::default());
    let mut http = HttpClient::connect(server.addr);
    assert_eq!(http.get("/hello").text(), "<h1>hello</h1>");
    assert_eq!(http.get("/assets/liveview/app.js").status, 200);
    let other = http.get("/somewhere/else");
    assert_eq!((other.status, other.text().as_str()), (200, "app route"));
    let echoed = http.request("POST", "/echo", &[], b"body").unwrap();
    assert_eq!(echoed.text(), "body");
}

#[test]
fn websocket_upgrades_are_refused() {
    let server = TinyHttpServer::start(ServerConfig::default());
    match PhxClient::websocket(server.addr, "vsn=2.0.0", None) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 404),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("tiny_http cannot carry a full-duplex WebSocket"),
    }
}

#[test]
fn long_poll_bodies_over_the_limit_get_413() {
    let server = TinyHttpServer::start(ServerConfig::default().with_max_body_size(10));
    let mut http = HttpClient::connect(server.addr);
    let response =
        http.request("POST", "/live/longpoll?vsn=2.0.0&token=x", &[], &[b'a'; 100]).unwrap();
    assert_eq!(response.status, 413);
}
