//! HTML escaping for every dynamic value, and the URL checks of link helpers and redirects.
//!
//! Escaping makes text safe in element content and in *quoted* attribute values (either
//! quote). It cannot make a URL safe: `javascript:alert(1)` contains nothing to escape, so
//! helpers that render `href`/`src` from user data check it with [`valid_destination`].

/// Escapes `&`, `<`, `>`, `"` and `'` so that `text` is safe in element content and in
/// quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(text, &mut out);
    out
}

/// Like [`escape`], appending to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(replacement);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// URL schemes a link may use without the caller saying it is trusted (Phoenix's
/// `@valid_uri_schemes`).
pub const VALID_URI_SCHEMES: [&str; 17] = [
    "http", "https", "ftp", "ftps", "mailto", "news", "irc", "gopher", "nntp", "feed", "telnet",
    "mms", "rtsp", "svn", "tel", "fax", "xmpp",
];

/// True when `url` is relative (no scheme) or uses one of [`VALID_URI_SCHEMES`]; false for
/// `javascript:`, `data:`, `vbscript:` and every other scheme (Phoenix's
/// `valid_destination!`, which raises instead).
///
/// Checked the way browsers read it: leading spaces and control characters, and tabs or
/// newlines anywhere, are ignored, and schemes are case-insensitive (`" Java\tScript:"` is
/// `javascript:`).
pub fn valid_destination(url: &str) -> bool {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take_while(|c| !matches!(c, '/' | '?' | '#'))
        .collect();
    let Some((scheme, _)) = cleaned.split_once(':') else { return true };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    !is_scheme || VALID_URI_SCHEMES.iter().any(|valid| valid.eq_ignore_ascii_case(scheme))
}

/// True when `to` is a path on this site, what `redirect(socket, to: ...)` accepts
/// (Phoenix's `validate_local_url!`): it starts with one `/` (`//evil.com` is another host),
/// and has no backslash (browsers read `/\evil.com` as `//evil.com`), no control characters
/// (tab, CR, LF are dropped by browsers, so `/\t/evil.com` is `//evil.com`) and no `/%09`.
pub fn valid_local_path(to: &str) -> bool {
    to.starts_with('/')
        && !to.starts_with("//")
        && !to.contains('\\')
        && !to.contains("/%09")
        && !to.chars().any(char::is_control)
}

/// True when `to` may be a live navigation target (`push_patch`, `push_navigate`): a path,
/// or an `http`/`https` URL (Phoenix's `valid_live_navigation_destination!`). The join
/// then checks that it routes to a view of the same live session.
pub fn valid_live_destination(to: &str) -> bool {
    if to.chars().any(char::is_control) || to.contains('\\') {
        return false;
    }
    match to.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain é"), "plain é");
    }

    #[test]
    fn destinations() {
        assert!(valid_destination("/users?x=1:2"));
        assert!(valid_destination("https://example.com"));
        assert!(valid_destination("MAILTO:a@b.c"));
        assert!(!valid_destination("javascript:alert(1)"));
        assert!(!valid_destination(" \u{1}Java\tScript:alert(1)"));
        assert!(!valid_destination("data:text/html,<script>"));
    }

    #[test]
    fn local_paths() {
        assert!(valid_local_path("/"));
        assert!(valid_local_path("/users/1?next=http://x.com#top"));
        for bad in [
            "//evil.com",
            "http://evil.com",
            "/\\evil.com",
            "\\/evil.com",
            "javascript:alert(1)",
            "/\t/evil.com",
            "/%09/evil.com",
            "/ok\nLocation: x",
            "evil.com",
            "",
        ] {
            assert!(!valid_local_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn live_destinations() {
        assert!(valid_live_destination("/a?b=c:d"));
        assert!(valid_live_destination("https://localhost/a"));
        assert!(valid_live_destination("HTTP://localhost/a"));
        assert!(!valid_live_destination("javascript:alert(1)"));
        assert!(!valid_live_destination("mailto:a@b.c"));
        assert!(!valid_live_destination("/a\tb"));
    }
}
