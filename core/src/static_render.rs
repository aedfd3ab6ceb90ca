//! The HTTP ("dead") render of a live route: the whole page, working with JavaScript off.
//!
//! Phoenix's `static.ex`: mount (not connected) and `handle_params` run through
//! [`Runtime::static_render`](crate::Runtime::static_render); the view's HTML goes into its
//! container `<div id="phx-…" data-phx-main data-phx-session data-phx-static>`, and the root
//! layout around it. The cookie session carries the CSRF secret the page's token is bound to.
//! A redirect from `mount`/`handle_params` becomes a `302`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::app::{AppInner, CookieStore, LiveRoute};
use crate::assigns::Assigns;
use crate::flash;
use crate::html::escape_into;
use crate::http::{HttpRequest, HttpResponse};
use crate::rendered::{Dynamic, Rendered};
use crate::router::parse_query;
use crate::runtime::StaticRequest;
use crate::session::{SessionPayload, StaticPayload};
use crate::socket::Navigation;
use crate::view::{MountParams, Params};

use crate::app::cookie as csrf;

/// Renders the page of a live route (see the module docs).
pub(crate) fn render_page(
    app: &AppInner,
    route: &LiveRoute,
    path_params: Params,
    request: &HttpRequest,
) -> HttpResponse {
    let mut cookie_session = app.cookies.read(request).unwrap_or_default();
    let secret = csrf::ensure_secret(&mut cookie_session);
    let flash_in = flash::from_request(request, &app.sessions);

    let mut params = parse_query(&request.query);
    params.extend(path_params);
    let mut session = cookie_session.clone();
    session.extend(route.session.clone());
    let id = new_view_id();

    let static_request = StaticRequest {
        view: route.view.clone(),
        id: id.clone(),
        params: MountParams::Router(params),
        session,
        uri: absolute_uri(request),
        flash: flash_in,
        conn_assigns: Map::new(),
    };
    let render = match app.runtime.static_render(static_request) {
        Ok(render) => render,
        Err(e) => {
            log::error!("static render of {} failed: {e}", request.path);
            return with_cookies(
                HttpResponse::new(500, "text/plain; charset=utf-8", "Internal Server Error"),
                request,
                &app.cookies,
                &cookie_session,
            );
        }
    };

    if let Some(navigation) = render.navigation {
        let to = match navigation {
            Navigation::Patch { to, .. }
            | Navigation::Navigate { to, .. }
            | Navigation::Redirect { to, .. } => to,
        };
        let response = HttpResponse::redirect(&to)
            .with_header("set-cookie", app.cookies.set_cookie(&cookie_session, request));
        // The flash travels to the next page in the cookie (replacing the one just read).
        return if !render.flash.is_empty() {
            let token = app.sessions.sign_flash(&render.flash);
            response.with_header("set-cookie", flash::set_cookie(&token))
        } else if flash::has_cookie(request) {
            response.with_header("set-cookie", flash::delete_cookie())
        } else {
            response
        };
    }

    let session_token = app.sessions.sign_session(&SessionPayload {
        id: id.clone(),
        view: route.view.name().to_owned(),
        root_id: None,
        parent_id: None,
        live_session: route.live_session.clone(),
        router: true,
        session: route.session.clone(),
    });
    let static_token = app.sessions.sign_static(&StaticPayload {
        id: id.clone(),
        flash: render.flash.clone(),
        assign_new: render.assign_new,
    });

    let (tag, attrs) = match &route.view.options().container {
        Some((tag, attrs)) => (tag.as_str(), attrs.as_slice()),
        None => ("div", &[][..]),
    };
    let mut body =
        String::with_capacity(render.html.len() + session_token.len() + static_token.len() + 128);
    body.push('<');
    body.push_str(tag);
    push_attr(&mut body, "id", &id);
    body.push_str(" data-phx-main");
    push_attr(&mut body, "data-phx-session", &session_token);
    push_attr(&mut body, "data-phx-static", &static_token);
    for (name, value) in attrs {
        // The id is the server's; a container option cannot replace it.
        if name != "id" {
            push_attr(&mut body, name, value);
        }
    }
    body.push('>');
    body.push_str(&render.html);
    body.push_str("</");
    body.push_str(tag);
    body.push('>');

    let mut assigns = Assigns::new();
    assigns.put("csrf_token", Value::String(csrf::mask(&secret)));
    assigns.put("page_title", render.title.map_or(Value::Null, Value::String));
    assigns.put("flash", Value::Object(render.flash));
    let root_layout = route.root_layout.unwrap_or(app.root_layout);
    let page = match root_layout.render_layout(&assigns, Rendered::from_static(&body)) {
        Ok(layout) => to_html(&layout),
        Err(e) => {
            log::error!("root layout failed to render: {e}");
            return HttpResponse::new(500, "text/plain; charset=utf-8", "Internal Server Error");
        }
    };
    // The page carries a CSRF token bound to this visitor's cookie: never cache it.
    let response = HttpResponse::html(page)
        .with_header("cache-control", "max-age=0, private, must-revalidate");
    with_cookies(response, request, &app.cookies, &cookie_session)
}

/// Adds the session cookie, and deletes a flash cookie that was just consumed.
fn with_cookies(
    response: HttpResponse,
    request: &HttpRequest,
    cookies: &CookieStore,
    session: &Map<String, Value>,
) -> HttpResponse {
    let mut response = response.with_header("set-cookie", cookies.set_cookie(session, request));
    if flash::has_cookie(request) {
        response = response.with_header("set-cookie", flash::delete_cookie());
    }
    response
}

/// A root view id: `phx-` and 12 random bytes, URL-safe (Phoenix: `phx-F…`).
fn new_view_id() -> String {
    let mut id = String::with_capacity(20);
    id.push_str("phx-");
    URL_SAFE_NO_PAD.encode_string(rand::random::<[u8; 12]>(), &mut id);
    id
}

/// The request's absolute URL, for `handle_params` (`x-forwarded-proto` tells the scheme
/// behind a proxy).
fn absolute_uri(request: &HttpRequest) -> String {
    let scheme = request.header("x-forwarded-proto").unwrap_or("http");
    let host = request.header("host").unwrap_or("localhost");
    let mut uri = format!("{scheme}://{host}{}", request.path);
    if !request.query.is_empty() {
        uri.push('?');
        uri.push_str(&request.query);
    }
    uri
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(value, out);
    out.push('"');
}

/// Flattens a rendered tree into HTML (root layouts hold only text and nested nodes; a
/// component or child call there is a template mistake and renders as nothing).
pub(crate) fn to_html(rendered: &Rendered) -> String {
    let mut out = String::new();
    write_html(rendered, &mut out);
    out
}

fn write_html(rendered: &Rendered, out: &mut String) {
    let statics = rendered.statics.parts();
    for (i, part) in statics.iter().enumerate() {
        out.push_str(part);
        if let Some(Some(dynamic)) = rendered.dynamics.get(i) {
            write_dynamic(dynamic, out);
        }
    }
}

fn write_dynamic(dynamic: &Dynamic, out: &mut String) {
    match dynamic {
        Dynamic::Text(text) => out.push_str(text),
        Dynamic::Nested(nested) => write_html(nested, out),
        Dynamic::Comprehension(comprehension) => {
            let statics = comprehension.statics.parts();
            for entry in &comprehension.entries {
                for (i, part) in statics.iter().enumerate() {
                    out.push_str(part);
                    if let Some(dynamic) = entry.get(i) {
                        write_dynamic(dynamic, out);
                    }
                }
            }
        }
        Dynamic::Component(_) | Dynamic::ComponentCall(_) | Dynamic::ChildCall(_) => {
            log::warn!("a root layout rendered a component or child view; it is left out");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rendered::{Fingerprint, Statics};

    #[test]
    fn flattens_nested_and_comprehensions() {
        let inner = Rendered::from_static("<b>x</b>");
        let statics = Statics::new(["<p>", "|", "</p>"]);
        let fp = Fingerprint::of_statics(statics.parts());
        let row = crate::rendered::Comprehension {
            statics: Statics::new(["<i>", "</i>"]),
            fingerprint: Fingerprint(1),
            entries: vec![vec![Dynamic::Text("1".into())], vec![Dynamic::Text("2".into())]],
            stream: None,
        };
        let r = Rendered::new(
            statics,
            fp,
            vec![Dynamic::Nested(Box::new(inner)), Dynamic::Comprehension(Box::new(row))],
        );
        assert_eq!(to_html(&r), "<p><b>x</b>|<i>1</i><i>2</i></p>");
    }

    #[test]
    fn view_ids_are_url_safe() {
        let id = new_view_id();
        assert!(id.starts_with("phx-") && id.len() == 20);
        assert!(id[4..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
