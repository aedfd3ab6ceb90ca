//! `lv-echo [ADDR]`: the raw tungstenite floor server (default `127.0.0.1:4100`).

use std::net::TcpListener;

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:4100".into());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lv-echo: cannot bind {addr}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "lv-echo listening on http://{}",
        listener.local_addr().map_or(addr, |a| a.to_string())
    );
    if let Err(e) = liveview_loadtest::echo::serve(listener) {
        eprintln!("lv-echo: {e}");
        std::process::exit(1);
    }
}
