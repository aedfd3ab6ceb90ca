//! `/static`: `static_changed()`. The root layout marks its assets with `phx-track-static`;
//! when a connecting client reports other asset URLs than the server tracks (a new deploy),
//! the page shows a reload banner.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};

/// Shows `#reload-static` when the client's assets are stale.
pub struct StaticLive;

impl LiveView for StaticLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let changed = socket.static_changed();
        socket.assign("static_changed", changed)?;
        socket.assign("connected", socket.is_connected())?;
        socket.set_page_title("Static assets");
        Ok(StaticLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("static_live.html.hbs"))
    }
}
