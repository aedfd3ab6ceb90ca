//! Path patterns with `:param` and `*glob` segments, and the URL splitting joins need.
//!
//! Phoenix matches the request path segment by segment (`/users/:id` matches `/users/42` with
//! `id = "42"`); empty segments are ignored, so `/users/42/` matches too. Routes are tried in
//! the order they were added. Matching allocates only for the params of the route that
//! matched.

use std::fmt;

use serde_json::Value;

use crate::form;
use crate::view::Params;

/// One segment of a [`PathPattern`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// Must equal the path segment.
    Static(String),
    /// Captures one path segment under this name (`:id`).
    Param(String),
    /// Captures every remaining segment as a list (`*path`); always last.
    Glob(String),
}

/// A parsed route path such as `/users/:id/posts/*rest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    source: String,
    segments: Vec<Segment>,
}

/// Why a path pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternError {
    /// A route path must start with `/`.
    NotAbsolute(String),
    /// `:` or `*` without a name.
    UnnamedParam(String),
    /// `*glob` must be the last segment.
    GlobNotLast(String),
    /// The same param name twice.
    DuplicateParam(String),
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::NotAbsolute(p) => write!(f, "route path {p:?} must start with '/'"),
            PatternError::UnnamedParam(p) => {
                write!(f, "route path {p:?} has a ':' or '*' without a name")
            }
            PatternError::GlobNotLast(p) => {
                write!(f, "route path {p:?}: a '*glob' segment must be the last one")
            }
            PatternError::DuplicateParam(p) => {
                write!(f, "route path {p:?} uses the same param name twice")
            }
        }
    }
}

impl std::error::Error for PatternError {}

impl PathPattern {
    /// Parses a route path.
    ///
    /// # Errors
    /// [`PatternError`] for a relative path, an unnamed param, a glob that is not last or a
    /// repeated param name.
    pub fn parse(source: &str) -> Result<PathPattern, PatternError> {
        if !source.starts_with('/') {
            return Err(PatternError::NotAbsolute(source.to_owned()));
        }
        let mut segments = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for part in source.split('/').filter(|s| !s.is_empty()) {
            if matches!(segments.last(), Some(Segment::Glob(_))) {
                return Err(PatternError::GlobNotLast(source.to_owned()));
            }
            let segment = if let Some(name) = part.strip_prefix(':') {
                Segment::Param(name.to_owned())
            } else if let Some(name) = part.strip_prefix('*') {
                Segment::Glob(name.to_owned())
            } else {
                Segment::Static(part.to_owned())
            };
            if let Segment::Param(name) | Segment::Glob(name) = &segment {
                if name.is_empty() {
                    return Err(PatternError::UnnamedParam(source.to_owned()));
                }
                if names.contains(&&part[1..]) {
                    return Err(PatternError::DuplicateParam(source.to_owned()));
                }
                names.push(&part[1..]);
            }
            segments.push(segment);
        }
        Ok(PathPattern { source: source.to_owned(), segments })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when both patterns match exactly the same paths (`/a/:id` and `/a/:slug`).
    pub fn same_shape(&self, other: &PathPattern) -> bool {
        self.segments.len() == other.segments.len()
            && self.segments.iter().zip(&other.segments).all(|(a, b)| match (a, b) {
                (Segment::Static(a), Segment::Static(b)) => a == b,
                (Segment::Param(_), Segment::Param(_)) | (Segment::Glob(_), Segment::Glob(_)) => {
                    true
                }
                _ => false,
            })
    }

    /// True if `path` (percent-encoded, without query) matches.
    pub fn matches(&self, path: &str) -> bool {
        self.walk(path, |_, _| {})
    }

    /// The path params if `path` matches (values percent-decoded; a glob gives a list).
    pub fn captures(&self, path: &str) -> Option<Params> {
        let mut params = Params::new();
        let matched = self.walk(path, |name, value| {
            params.insert(name.to_owned(), value);
        });
        matched.then_some(params)
    }

    /// Matches segment by segment, calling `capture` only once the whole path matched.
    fn walk(&self, path: &str, mut capture: impl FnMut(&str, Value)) -> bool {
        let mut parts = path.split('/').filter(|s| !s.is_empty());
        // First pass: decide without allocating; captures are produced only on success.
        let mut probe = parts.clone();
        let mut glob = false;
        for segment in &self.segments {
            match segment {
                Segment::Static(expected) => match probe.next() {
                    Some(part) if part == expected || decode_path(part) == expected.as_str() => {}
                    _ => return false,
                },
                Segment::Param(_) => {
                    if probe.next().is_none() {
                        return false;
                    }
                }
                Segment::Glob(_) => {
                    glob = true;
                    break;
                }
            }
        }
        if !glob && probe.next().is_some() {
            return false;
        }
        for segment in &self.segments {
            match segment {
                Segment::Static(_) => {
                    parts.next();
                }
                Segment::Param(name) => {
                    let part = parts.next().unwrap_or_default();
                    capture(name, Value::String(decode_path(part).into_owned()));
                }
                Segment::Glob(name) => {
                    let rest = parts
                        .by_ref()
                        .map(|p| Value::String(decode_path(p).into_owned()))
                        .collect();
                    capture(name, Value::Array(rest));
                }
            }
        }
        true
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Percent-decodes a path segment (`+` stays a plus, unlike form data).
pub fn decode_path(segment: &str) -> std::borrow::Cow<'_, str> {
    if !segment.contains('%') {
        return std::borrow::Cow::Borrowed(segment);
    }
    // Protect literal pluses from the form decoder, which would turn them into spaces.
    let protected = segment.replace('+', "%2B");
    std::borrow::Cow::Owned(form::decode_component(&protected).into_owned())
}

/// A list of routes tried in order.
#[derive(Clone, Debug)]
pub struct Router<T> {
    routes: Vec<(PathPattern, T)>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router { routes: Vec::new() }
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Router<T> {
        Router::default()
    }

    /// Adds a route. Returns false (and adds nothing) when a route of the same shape exists.
    pub fn add(&mut self, pattern: PathPattern, value: T) -> bool {
        if self.routes.iter().any(|(p, _)| p.same_shape(&pattern)) {
            return false;
        }
        self.routes.push((pattern, value));
        true
    }

    /// The first route matching `path`, with its path params.
    pub fn find(&self, path: &str) -> Option<(&T, Params)> {
        self.routes
            .iter()
            .find_map(|(pattern, value)| pattern.captures(path).map(|params| (value, params)))
    }

    /// Every route, in order.
    pub fn routes(&self) -> impl Iterator<Item = (&PathPattern, &T)> {
        self.routes.iter().map(|(p, v)| (p, v))
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True without routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// The parts of a URL a join carries (`http://host:4000/path?query#frag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `http://host:4000`, or empty for a relative URL.
    pub origin: &'a str,
    /// The path (`/` when empty).
    pub path: &'a str,
    /// The query without `?` (may be empty).
    pub query: &'a str,
}

/// Splits an absolute or relative URL into origin, path and query (the fragment is dropped).
pub fn split_url(url: &str) -> UrlParts<'_> {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (origin, rest) = match url.find("://") {
        Some(scheme_end) => {
            let after = scheme_end + 3;
            let path_start = url[after..].find(['/', '?']).map_or(url.len(), |i| after + i);
            (&url[..path_start], &url[path_start..])
        }
        None => ("", url),
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    UrlParts { origin, path: if path.is_empty() { "/" } else { path }, query }
}

/// Query string params decoded like Phoenix (`a[b]=1` nests).
pub fn parse_query(query: &str) -> Params {
    form::decode(query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_and_globs() {
        let p = PathPattern::parse("/users/:id/files/*path").unwrap();
        let params = p.captures("/users/4%202/files/a/b").unwrap();
        assert_eq!(Value::Object(params), json!({"id": "4 2", "path": ["a", "b"]}));
        assert!(p.captures("/users/4").is_none());
        assert!(p.matches("/users/4/files"));
    }

    #[test]
    fn trailing_slash_and_root() {
        let p = PathPattern::parse("/a/:id").unwrap();
        assert!(p.matches("/a/1/"));
        assert!(!p.matches("/a/1/2"));
        assert!(!p.matches("/b/1"));
        assert!(PathPattern::parse("/").unwrap().matches("/"));
        assert!(!PathPattern::parse("/").unwrap().matches("/x"));
    }

    #[test]
    fn bad_patterns() {
        assert!(matches!(PathPattern::parse("a"), Err(PatternError::NotAbsolute(_))));
        assert!(matches!(PathPattern::parse("/:"), Err(PatternError::UnnamedParam(_))));
        assert!(matches!(PathPattern::parse("/*a/b"), Err(PatternError::GlobNotLast(_))));
        assert!(matches!(PathPattern::parse("/:a/:a"), Err(PatternError::DuplicateParam(_))));
    }

    #[test]
    fn router_order_and_duplicates() {
        let mut r = Router::new();
        assert!(r.add(PathPattern::parse("/a/new").unwrap(), 1));
        assert!(r.add(PathPattern::parse("/a/:id").unwrap(), 2));
        assert!(!r.add(PathPattern::parse("/a/:slug").unwrap(), 3));
        assert_eq!(r.find("/a/new").map(|(v, _)| *v), Some(1));
        assert_eq!(r.find("/a/7").map(|(v, p)| (*v, p["id"].clone())), Some((2, json!("7"))));
        assert!(r.find("/zz").is_none());
    }

    #[test]
    fn urls() {
        let u = split_url("http://localhost:4004/form?x=1#top");
        assert_eq!((u.origin, u.path, u.query), ("http://localhost:4004", "/form", "x=1"));
        let u = split_url("https://h");
        assert_eq!((u.origin, u.path, u.query), ("https://h", "/", ""));
        let u = split_url("/p?a[b]=1");
        assert_eq!(parse_query(u.query)["a"]["b"], json!("1"));
        let u = split_url("http://h?q=1");
        assert_eq!((u.path, u.query), ("/", "q=1"));
    }

    #[test]
    fn decodes_plus_literally_in_paths() {
        assert_eq!(decode_path("a+b%20c"), "a+b c");
    }
}
