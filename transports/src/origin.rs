//! `check_origin`: which pages may open a socket (defence against cross-site WebSocket
//! hijacking, where a foreign page opens a socket that carries the victim's cookies).

/// Which `Origin` header values may open a socket.
///
/// A request without `Origin` is allowed, as in Phoenix: browsers always send it on WebSocket
/// handshakes and cross-origin requests, so its absence means a non-browser client, which
/// could forge any value anyway.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckOrigin {
    /// The origin's host and port must equal the request's `Host` header (default ports of
    /// `http`/`https` may be omitted on either side).
    SameHost,
    /// The origin must match one entry: `https://example.com` (scheme, host and port must
    /// match), `example.com` or `//example.com` (any scheme and port), `example.com:4000` (any
    /// scheme), or `*.example.com` (any subdomain, not `example.com` itself).
    AllowList(Vec<String>),
    /// Every origin is allowed (only for clients that carry no ambient credentials).
    Off,
}

impl CheckOrigin {
    /// An allow-list from entries in the forms [`CheckOrigin::AllowList`] accepts.
    pub fn allow<I, S>(entries: I) -> CheckOrigin
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CheckOrigin::AllowList(entries.into_iter().map(Into::into).collect())
    }

    /// Whether a request with this `Origin` and `Host` may open a socket.
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        if matches!(self, CheckOrigin::Off) {
            return true;
        }
        let Some(origin) = Origin::parse(origin) else { return false };
        match self {
            CheckOrigin::Off => true,
            CheckOrigin::SameHost => host.is_some_and(|host| origin.same_host(host)),
            CheckOrigin::AllowList(entries) => entries.iter().any(|entry| origin.matches(entry)),
        }
    }
}

/// A parsed `Origin` header: `scheme://host[:port]`.
#[derive(Debug)]
struct Origin<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
}

impl<'a> Origin<'a> {
    fn parse(value: &'a str) -> Option<Origin<'a>> {
        let (scheme, rest) = value.trim().split_once("://")?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = split_port(rest);
        Some(Origin { scheme, host, port: port.or(default_port(scheme)) })
    }

    fn same_host(&self, host_header: &str) -> bool {
        let (host, port) = split_port(host_header.trim());
        host.eq_ignore_ascii_case(self.host) && port.or(default_port(self.scheme)) == self.port
    }

    fn matches(&self, entry: &str) -> bool {
        let (scheme, rest) = match entry.split_once("//") {
            Some((scheme, rest)) => (scheme.strip_suffix(':').filter(|s| !s.is_empty()), rest),
            None => (None, entry),
        };
        if scheme.is_some_and(|s| !s.eq_ignore_ascii_case(self.scheme)) {
            return false;
        }
        let (host, port) = split_port(rest.trim_end_matches('/'));
        let port = port.or(scheme.and_then(default_port));
        if port.is_some_and(|p| Some(p) != self.port) {
            return false;
        }
        match host.strip_prefix("*.") {
            // The dot is part of the suffix: `*.example.com` must not match `evilexample.com`.
            Some(domain) => {
                self.host.len() > domain.len() + 1
                    && self.host[self.host.len() - domain.len() - 1..]
                        .eq_ignore_ascii_case(&format!(".{domain}"))
            }
            None => host.eq_ignore_ascii_case(self.host),
        }
    }
}

/// `host[:port]` → (host, port); keeps IPv6 literals (`[::1]:80`) intact.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (authority, None),
    }
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_host_compares_host_and_port() {
        let check = CheckOrigin::SameHost;
        assert!(check.allows(Some("http://localhost:4004"), Some("localhost:4004")));
        assert!(check.allows(Some("http://Example.com"), Some("example.com")));
        assert!(check.allows(Some("https://example.com:443"), Some("example.com")));
        assert!(!check.allows(Some("http://localhost:4005"), Some("localhost:4004")));
        assert!(!check.allows(Some("http://evil.com"), Some("localhost:4004")));
        assert!(!check.allows(Some("null"), Some("localhost:4004")));
        assert!(!check.allows(Some("http://localhost:4004"), None));
        assert!(check.allows(None, Some("localhost:4004")));
        assert!(check.allows(Some("http://[::1]:8080"), Some("[::1]:8080")));
    }

    #[test]
    fn allow_list_forms() {
        let check = CheckOrigin::allow(["https://app.example.com", "other.org", "*.example.net"]);
        assert!(check.allows(Some("https://app.example.com"), None));
        assert!(!check.allows(Some("http://app.example.com"), None));
        assert!(check.allows(Some("http://other.org:9000"), None));
        assert!(check.allows(Some("https://a.example.net"), None));
        assert!(!check.allows(Some("https://example.net"), None));
        assert!(!check.allows(Some("https://evilexample.net"), None));
        assert!(!check.allows(Some("https://example.net.evil.com"), None));
        let ported = CheckOrigin::allow(["//localhost:4000"]);
        assert!(ported.allows(Some("http://localhost:4000"), None));
        assert!(!ported.allows(Some("http://localhost:4001"), None));
    }

    #[test]
    fn off_allows_everything() {
        assert!(CheckOrigin::Off.allows(Some("garbage"), None));
    }
}
