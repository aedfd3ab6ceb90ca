//! Run with: `make demo` (or `cargo run --release --example showcase`), then open
//! <http://127.0.0.1:4000>.
//!
//! Every binding of the Phoenix LiveView API, one small view per demo, served to the official
//! `phoenix_live_view` JavaScript client. The browser tests in `tests/browser/` drive these
//! pages. `PORT` overrides the port (4000; `0` picks a free one); `LIVEVIEW_SECRET` sets the
//! signing secret (a random one per process otherwise, so pages open across a restart reload
//! once). Run it from the repository root: the JS client is served from `node_modules/`.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use liveview::{App, LocalPubSub, PubSub, Session};
use liveview_transports::{Server, ServerConfig};
use serde_json::json;

// The demos live in examples/showcase/, one view per file with its template beside it.
#[path = "showcase"]
pub(crate) mod demos {
    pub mod chat_live;
    pub mod clock_live;
    pub mod components_live;
    pub mod counter_live;
    pub mod form_live;
    pub mod hooks_live;
    pub mod keys_live;
    pub mod list_live;
    pub mod logger;
    pub mod nav_live;
    pub mod nested_live;
    pub mod pages;
    pub mod params;
    pub mod search_live;
    pub mod static_live;
    pub mod thermostat_live;
    pub mod upload_live;
}

use demos::{
    chat_live, clock_live, components_live, counter_live, form_live, hooks_live, keys_live,
    list_live, logger, nav_live, nested_live, pages, search_live, static_live, thermostat_live,
    upload_live,
};

/// Asset paths the root layout marks with `phx-track-static` (`static_changed` compares the
/// client's list with this one).
const TRACKED_STATIC: &[&str] = &[
    "/showcase.css",
    "/assets/phoenix/phoenix.min.js",
    "/assets/phoenix_live_view/phoenix_live_view.min.js",
    "/assets/liveview/compat.js",
    "/showcase.js",
    "/assets/liveview/app.js",
];

/// The session the `/thermostat` route passes to `mount` (the seed's `current_user_id`).
fn thermostat_session() -> Session {
    let mut session = Session::new();
    session.insert("current_user_id".into(), json!(42));
    session
}

/// `SHOWCASE_HIBERNATE_AFTER_MS` shortens the idle time before a view hibernates (default
/// 15 s), so the browser tests can check that views keep working after hibernation.
fn hibernate_after() -> Result<Option<Duration>, Box<dyn Error>> {
    match std::env::var("SHOWCASE_HIBERNATE_AFTER_MS") {
        Ok(ms) => {
            let ms: u64 = ms.parse().map_err(|_| {
                format!("SHOWCASE_HIBERNATE_AFTER_MS must be milliseconds, got {ms:?}")
            })?;
            Ok(Some(Duration::from_millis(ms)))
        }
        Err(_) => Ok(None),
    }
}

pub(crate) fn build_app(pubsub: Arc<dyn PubSub>) -> Result<App, Box<dyn Error>> {
    let mut builder = App::builder();
    if let Some(after) = hibernate_after()? {
        builder = builder.hibernate_after(after);
    }
    let app = builder
        .secret_key_base_from_env("LIVEVIEW_SECRET")
        .signing_salt("showcase signing salt")
        .root_layout(liveview_templates::template!("showcase/root.html.hbs"))
        .track_static(TRACKED_STATIC.iter().map(|p| (*p).to_owned()).collect())
        .pubsub(pubsub)
        // One live session: live navigation works between all demos.
        .live_session("showcase", |routes| {
            routes
                .live::<counter_live::CounterLive>("/counter")
                .live_with_session::<thermostat_live::ThermostatLive>(
                    "/thermostat",
                    thermostat_session(),
                )
                .live::<clock_live::ClockLive>("/clock")
                .live::<search_live::SearchLive>("/search")
                .live::<form_live::FormLive>("/form")
                .live::<keys_live::KeysLive>("/keys")
                .live::<list_live::ListLive>("/list")
                .live::<hooks_live::HooksLive>("/hooks")
                .live::<nav_live::NavLive>("/nav")
                .live::<nav_live::NavOtherLive>("/nav/other")
                .live::<components_live::ComponentsLive>("/components")
                .live::<nested_live::NestedLive>("/nested")
                .live::<chat_live::ChatLive>("/chat")
                .live::<static_live::StaticLive>("/static")
                .live::<upload_live::UploadLive>("/upload")
        })
        .view::<nested_live::ChildLive>("ChildLive")
        .component::<components_live::CounterComponent>("Counter")
        .get("/", pages::index)
        .get("/plain", pages::plain)
        .post("/form/echo", pages::form_echo)
        .get("/showcase.css", pages::style)
        .get("/showcase.js", pages::script)
        .build()?;
    Ok(app)
}

fn main() -> Result<(), Box<dyn Error>> {
    logger::init();
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => {
            port.parse().map_err(|_| format!("PORT must be a port number, got {port:?}"))?
        }
        Err(_) => 4000,
    };
    let pubsub: Arc<dyn PubSub> = Arc::new(LocalPubSub::new());
    let app = build_app(pubsub)?;
    let server = Server::bind(("127.0.0.1", port), ServerConfig::default())?;
    // PORT=0 picks a free port; this line tells which (the browser tests read nothing else).
    println!("liveview showcase on http://{}", server.local_addr());
    server.serve(Arc::new(app))?;
    Ok(())
}
