//! Plain HTTP requests and responses as data, so the core can render pages and answer app
//! routes without touching a socket. Transports convert to and from the wire.

use std::net::SocketAddr;

/// An HTTP request, parsed by a transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path without the query string (percent-encoded as received).
    pub path: String,
    /// Raw query string without `?` (may be empty).
    pub query: String,
    /// Headers; names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body bytes (already limited by the transport).
    pub body: Vec<u8>,
    /// The peer's address.
    pub peer: Option<SocketAddr>,
}

impl HttpRequest {
    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// An HTTP response for a transport to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (`content-length` is added by the transport).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status, a content type and a body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// `200` with an HTML body.
    pub fn html(body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse::new(200, "text/html; charset=utf-8", body)
    }

    /// A redirect (`302`) to `location`.
    pub fn redirect(location: &str) -> HttpResponse {
        let mut response = HttpResponse::new(302, "text/plain; charset=utf-8", Vec::new());
        response.headers.push(("location".into(), location.into()));
        response
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let req = HttpRequest {
            headers: vec![("cookie".into(), "a=1; _lv_key=abc.def; b=2".into())],
            ..HttpRequest::default()
        };
        assert_eq!(req.cookie("_lv_key"), Some("abc.def"));
        assert_eq!(req.cookie("zz"), None);
    }
}
