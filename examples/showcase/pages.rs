//! The plain (non-live) pages of the showcase: the index, the redirect target, the form echo
//! and the showcase's own JS and CSS.

use liveview::{HttpRequest, HttpResponse};

/// Every demo, with the one-line story the index tells.
pub const DEMOS: &[(&str, &str)] = &[
    ("/counter", "Counter: phx-click and phx-value-*"),
    ("/thermostat?interval=1000", "Thermostat: session from the route, a connected-only timer"),
    ("/clock", "Clock: send_interval every second"),
    ("/search", "Search: phx-change with phx-debounce, phx-submit"),
    (
        "/form",
        "Form: validation, phx-feedback-for, phx-disable-with, phx-auto-recover, phx-trigger-action",
    ),
    ("/keys", "Keys: key, focus and window bindings, phx-capture-click, phx-throttle"),
    ("/list", "Lists: phx-update append, prepend, replace, ignore with temporary assigns"),
    ("/hooks", "Hooks: phx-hook with push_event and pushEvent replies"),
    ("/nav", "Navigation: push_patch, live links, push_navigate, redirect, flash, title"),
    ("/components", "Components: stateful live components, send_update, send_update_after"),
    ("/nested", "Nested views: live_render, a crashing child"),
    ("/chat", "Chat: PubSub between tabs"),
    ("/static", "Static assets: phx-track-static and static_changed"),
    ("/upload", "Uploads: live_file_input, chunked upload, progress, consume"),
];

const STYLE: &str = include_str!("showcase.css");
const SCRIPT: &str = include_str!("showcase.js");

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{title} · liveview showcase</title>\n<link rel=\"stylesheet\" href=\"/showcase.css\">\n\
         </head>\n<body>\n<header><a href=\"/\">liveview showcase</a></header>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        title = escape(title)
    ))
}

/// `GET /`: links to every demo.
pub fn index(_request: &HttpRequest) -> HttpResponse {
    let items: String = DEMOS
        .iter()
        .map(|(path, text)| format!("  <li><a href=\"{path}\">{}</a></li>\n", escape(text)))
        .collect();
    page(
        "Demos",
        &format!(
            "<h1>liveview showcase</h1>\n<p>Every binding of Phoenix LiveView, served by Rust threads to the \
             official JavaScript client.</p>\n<ul id=\"demos\">\n{items}</ul>"
        ),
    )
}

/// `GET /plain`: where `redirect` in /nav leads (a full page load).
pub fn plain(_request: &HttpRequest) -> HttpResponse {
    page(
        "Plain page",
        "<h1 id=\"plain\">A plain page</h1>\n<p>Reached with a full redirect.</p>\n<p><a href=\"/nav\">Back to /nav</a></p>",
    )
}

/// `POST /form/echo`: where `phx-trigger-action` posts the form; shows what arrived.
pub fn form_echo(request: &HttpRequest) -> HttpResponse {
    let body = String::from_utf8_lossy(&request.body);
    let rows: String = parse_urlencoded(&body)
        .into_iter()
        .filter(|(name, _)| name != "_csrf_token")
        .map(|(name, value)| {
            let id = name.replace(['[', ']'], "-").trim_end_matches('-').replace("--", "-");
            format!(
                "  <dt>{}</dt><dd id=\"echo-{}\">{}</dd>\n",
                escape(&name),
                escape(&id),
                escape(&value)
            )
        })
        .collect();
    page(
        "Form echo",
        &format!(
            "<h1>Posted over HTTP</h1>\n<dl id=\"echo\">\n{rows}</dl>\n<p><a href=\"/form\">Back to /form</a></p>"
        ),
    )
}

/// `GET /showcase.css`.
pub fn style(_request: &HttpRequest) -> HttpResponse {
    HttpResponse::new(200, "text/css; charset=utf-8", STYLE)
}

/// `GET /showcase.js`: the showcase's hooks.
pub fn script(_request: &HttpRequest) -> HttpResponse {
    HttpResponse::new(200, "text/javascript; charset=utf-8", SCRIPT)
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space, `%XX` a byte).
fn parse_urlencoded(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    // Two hex digits: at most 0xFF, so the cast is exact.
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_bodies() {
        let pairs = parse_urlencoded("user%5Bname%5D=Ada+L&user%5Bemail%5D=a%40b.c&x=%ZZ&y");
        assert_eq!(pairs[0], ("user[name]".to_owned(), "Ada L".to_owned()));
        assert_eq!(pairs[1], ("user[email]".to_owned(), "a@b.c".to_owned()));
        assert_eq!(pairs[2], ("x".to_owned(), "%ZZ".to_owned()));
        assert_eq!(pairs[3], ("y".to_owned(), String::new()));
    }
}
