//! The dead render: GET the page, then pick out what the JS client reads from it (CSRF meta
//! tag, the main view's id, `data-phx-session`, `data-phx-static`) and the session cookie.

use std::fmt;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Largest page the tool reads (a 1,000-row table is ~60 KB).
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// What the client needs from a page to join its main view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// `<meta name="csrf-token" content=...>`, sent as `_csrf_token`.
    pub csrf_token: String,
    /// The main view's DOM id; the channel topic is `lv:<id>`.
    pub id: String,
    /// `data-phx-session`.
    pub session: String,
    /// `data-phx-static` (`None` when empty or absent, as the JS client sends `null`).
    pub static_token: Option<String>,
    /// `name=value` pairs from `Set-Cookie`, joined for a `Cookie` header.
    pub cookie: String,
    /// Size of the page body in bytes.
    pub body_bytes: usize,
}

/// Why a page could not be fetched or understood.
#[derive(Debug)]
#[non_exhaustive]
pub enum PageError {
    /// Connecting, writing or reading failed.
    Io(std::io::Error),
    /// The response head did not parse.
    BadResponse(String),
    /// The server answered with a status other than 200.
    Status(u16),
    /// The page has no live view the client could join.
    NotLive(&'static str),
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Io(e) => write!(f, "page request failed: {e}"),
            PageError::BadResponse(m) => write!(f, "bad HTTP response: {m}"),
            PageError::Status(s) => write!(f, "page answered HTTP {s}"),
            PageError::NotLive(m) => write!(f, "page is not a live view: {m}"),
        }
    }
}

impl std::error::Error for PageError {}

impl From<std::io::Error> for PageError {
    fn from(e: std::io::Error) -> PageError {
        PageError::Io(e)
    }
}

/// Host, port and path of an `http://host:port/path` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host name or address.
    pub host: String,
    /// TCP port (80 when absent).
    pub port: u16,
    /// Path with query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses a plain `http://` URL (the tool never speaks TLS).
    ///
    /// # Errors
    /// A message naming what is wrong.
    pub fn parse(url: &str) -> Result<HttpUrl, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("{url}: bad port {p:?}"))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok(HttpUrl { host: host.to_string(), port, path: path.to_string() })
    }

    /// `host:port`, for connecting and for the `Host` header.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The Phoenix socket URL for this page's server: `ws://host:port/live/websocket?...`.
    pub fn websocket_url(&self, csrf_token: &str) -> String {
        format!(
            "ws://{}/live/websocket?_csrf_token={}&vsn=2.0.0",
            self.authority(),
            url_encode(csrf_token)
        )
    }
}

/// GETs a page (HTTP/1.1, `Connection: close`) and parses it.
///
/// # Errors
/// I/O, a non-200 status, or a page without a live view.
pub fn fetch(url: &HttpUrl, timeout: Duration) -> Result<PageInfo, PageError> {
    let mut stream = TcpStream::connect(url.authority())?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
        url.path,
        url.authority()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::with_capacity(16 * 1024);
    Read::by_ref(&mut stream).take(MAX_PAGE_BYTES as u64).read_to_end(&mut raw)?;
    let (status, cookie, body) = parse_response(&raw)?;
    if status != 200 {
        return Err(PageError::Status(status));
    }
    let html = String::from_utf8_lossy(&body);
    parse_page(&html, cookie, body.len())
}

/// Splits a complete HTTP response into status, cookie header value and (de-chunked) body.
///
/// # Errors
/// A head that does not parse, or a truncated chunked body.
pub fn parse_response(raw: &[u8]) -> Result<(u16, String, Vec<u8>), PageError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return Err(PageError::BadResponse("truncated head".into()));
        }
        Err(e) => return Err(PageError::BadResponse(e.to_string())),
    };
    let status = response.code.unwrap_or(0);
    let mut cookies = Vec::new();
    let mut chunked = false;
    for h in response.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        if h.name.eq_ignore_ascii_case("set-cookie") {
            if let Some(pair) = value.split(';').next() {
                cookies.push(pair.trim().to_string());
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            chunked = true;
        }
    }
    let body = &raw[head_len..];
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    Ok((status, cookies.join("; "), body))
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, PageError> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let line_end = find(body, b"\r\n")
            .ok_or_else(|| PageError::BadResponse("truncated chunk size".into()))?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| PageError::BadResponse(format!("bad chunk size {size_text:?}")))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size {
            return Err(PageError::BadResponse("truncated chunk".into()));
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Finds the CSRF token and the root live view (`data-phx-session` without a parent) in a page.
///
/// # Errors
/// [`PageError::NotLive`] when the page has no CSRF meta tag or no root view.
pub fn parse_page(html: &str, cookie: String, body_bytes: usize) -> Result<PageInfo, PageError> {
    let csrf_token = tags(html)
        .filter(|t| t.name.eq_ignore_ascii_case("meta"))
        .find(|t| t.attr("name") == Some("csrf-token"))
        .and_then(|t| t.attr("content").map(str::to_string))
        .ok_or(PageError::NotLive("no <meta name=\"csrf-token\">"))?;
    let root = tags(html)
        .find(|t| t.attr("data-phx-session").is_some() && t.attr("data-phx-parent-id").is_none())
        .ok_or(PageError::NotLive("no element with data-phx-session"))?;
    let id = root
        .attr("id")
        .filter(|s| !s.is_empty())
        .ok_or(PageError::NotLive("root view has no id"))?
        .to_string();
    let session = root.attr("data-phx-session").unwrap_or_default().to_string();
    let static_token = root.attr("data-phx-static").filter(|s| !s.is_empty()).map(str::to_string);
    Ok(PageInfo { csrf_token, id, session, static_token, cookie, body_bytes })
}

/// One start tag: its name and raw attribute text.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, String)>,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Start tags of a document, in order. A scanner, not an HTML parser: enough for the pages
/// LiveView servers emit (quoted attributes, no `>` inside unquoted values).
fn tags(html: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find('<')?;
            rest = &rest[start + 1..];
            if rest.starts_with('/') || rest.starts_with('!') || rest.starts_with('?') {
                continue;
            }
            let name_end = rest
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            if name.is_empty() {
                continue;
            }
            let (attrs, consumed) = parse_attrs(&rest[name_end..]);
            rest = &rest[name_end + consumed..];
            return Some(Tag { name, attrs });
        }
    })
}

/// Parses attributes up to the closing `>`; returns them and the bytes consumed.
fn parse_attrs(s: &str) -> (Vec<(&str, String)>, usize) {
    let bytes = s.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'>' {
            return (attrs, i + 1);
        }
        if c.is_ascii_whitespace() || c == b'/' {
            i += 1;
            continue;
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = &s[name_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let v_start = i + 1;
                let v_end =
                    s[v_start..].find(quote as char).map(|n| v_start + n).unwrap_or(bytes.len());
                i = (v_end + 1).min(bytes.len());
                &s[v_start..v_end]
            } else {
                let v_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                &s[v_start..i]
            };
            attrs.push((name, unescape(value)));
        } else {
            attrs.push((name, String::new()));
        }
    }
    (attrs, bytes.len())
}

/// Undoes the HTML escapes servers apply to attribute values.
fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head>
<meta charset="utf-8"><meta name="csrf-token" content="abc&amp;def">
</head><body>
<div id="phx-F1" data-phx-main data-phx-session="S.1.x" data-phx-static="T.2">
<div id="child" data-phx-session="" data-phx-static="C" data-phx-parent-id="phx-F1"></div>
<button phx-click="inc">+</button></div></body></html>"#;

    #[test]
    fn parses_csrf_root_view_and_tokens() {
        let info = parse_page(PAGE, "k=v".into(), PAGE.len()).unwrap();
        assert_eq!(info.csrf_token, "abc&def");
        assert_eq!(info.id, "phx-F1");
        assert_eq!(info.session, "S.1.x");
        assert_eq!(info.static_token.as_deref(), Some("T.2"));
        assert_eq!(info.cookie, "k=v");
    }

    #[test]
    fn pyview_style_page_with_empty_static() {
        let html = r#"<meta name="csrf-token" content="tok" />
        <div
          data-phx-main="true"
          data-phx-session=""
          data-phx-static=""
          id="phx-1234-5678"
        ><p>0</p></div>"#;
        let info = parse_page(html, String::new(), html.len()).unwrap();
        assert_eq!(info.id, "phx-1234-5678");
        assert_eq!(info.session, "");
        assert_eq!(info.static_token, None);
    }

    #[test]
    fn page_without_view_is_an_error() {
        let err =
            parse_page(r#"<meta name="csrf-token" content="x">"#, String::new(), 0).unwrap_err();
        assert!(matches!(err, PageError::NotLive(_)));
        let err = parse_page(r#"<div id="a" data-phx-session="s">"#, String::new(), 0).unwrap_err();
        assert!(err.to_string().contains("csrf"));
    }

    #[test]
    fn response_with_cookies_and_chunked_body() {
        let raw = b"HTTP/1.1 200 OK\r\nSet-Cookie: _s=abc; Path=/; HttpOnly\r\nSet-Cookie: b=2\r\n\
Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let (status, cookie, body) = parse_response(raw).unwrap();
        assert_eq!(status, 200);
        assert_eq!(cookie, "_s=abc; b=2");
        assert_eq!(body, b"hello world");
    }

    #[test]
    fn response_with_plain_body_and_bad_head() {
        let (status, _, body) =
            parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno").unwrap();
        assert_eq!((status, body.as_slice()), (404, &b"no"[..]));
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://127.0.0.1:4000/counter?x=1").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("127.0.0.1", 4000, "/counter?x=1"));
        assert_eq!(
            u.websocket_url("a+b/c="),
            "ws://127.0.0.1:4000/live/websocket?_csrf_token=a%2Bb%2Fc%3D&vsn=2.0.0"
        );
        assert_eq!(HttpUrl::parse("http://h").unwrap().path, "/");
        assert!(HttpUrl::parse("https://h/").is_err());
        assert!(HttpUrl::parse("http://h:x/").is_err());
    }
}
