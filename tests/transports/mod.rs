//! Transport tests over real sockets on 127.0.0.1:0.

mod app;
mod conformance;
mod http;
mod longpoll;
mod tiny_http;
mod websocket;
