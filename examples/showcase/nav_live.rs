//! `/nav`: live navigation — `push_patch` pagination read back in `handle_params`, patch and
//! redirect links, `push_navigate`, a full `redirect`, flash messages and the page title.

use liveview::{LiveView, MountParams, Params, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// Paginated view; the page lives in the URL (`?page=N`).
pub struct NavLive;

impl LiveView for NavLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("page", 1)?;
        socket.assign("patches", 0)?;
        Ok(NavLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("nav_live.html.hbs"))
    }

    fn handle_params(&mut self, params: &Params, _uri: &str, socket: &mut Socket) -> ViewResult {
        let page = params::int(&Value::Object(params.clone()), "page").unwrap_or(1).max(1);
        socket.assign("page", page)?;
        socket.update("patches", |n: i64| n + 1)?;
        socket.set_page_title(format!("Page {page}"));
        Ok(())
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        let page = socket.assigns().get("page").and_then(Value::as_i64).unwrap_or(1);
        match event {
            "next" => socket.push_patch(format!("/nav?page={}", page + 1), false),
            "prev" => socket.push_patch(format!("/nav?page={}", (page - 1).max(1)), false),
            "navigate" => {
                socket.put_flash("info", "Welcome to the counter");
                socket.push_navigate("/counter", false);
            }
            "redirect" => socket.redirect("/plain"),
            "flash_info" => socket.put_flash("info", "It worked!"),
            "flash_error" => socket.put_flash("error", "Something went wrong"),
            "clear_flash" => socket.clear_flash(),
            _ => return Err(params::unknown_event("nav", event)),
        }
        Ok(())
    }
}

/// `/nav/other`: the target of the live redirect link (same live session, no page load).
pub struct NavOtherLive;

impl LiveView for NavOtherLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.set_page_title("Other page");
        Ok(NavOtherLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("nav_other_live.html.hbs"))
    }
}
