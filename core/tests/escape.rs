//! Every dynamic value is escaped: an XSS corpus through `html::escape`, quoted attributes
//! (both quotes), and the whole path (escaped text → diff JSON → client merge → HTML).

use liveview_core::diff::DiffTracker;
use liveview_core::html::{escape, escape_into, valid_destination};
use liveview_core::merge::ClientRendered;
use liveview_core::{Dynamic, Fingerprint, Rendered, Statics};
use proptest::prelude::*;

const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "</textarea><script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' onmouseover='alert(1)",
    "\" autofocus onfocus=alert(1) x=\"",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&lt;already&gt; &amp; &#39; &quot;",
    "<!-- comment --><![CDATA[x]]>",
    "{{constructor.constructor('alert(1)')()}}",
    "`${alert(1)}`",
    "é ü 中文 🎉 \u{202e}rtl \u{2028}\u{2029} \u{0} \u{feff}",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\\\"; alert(1); //",
    "",
];

/// Decodes the five entities `escape` produces.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn assert_inert(escaped: &str) {
    assert!(!escaped.contains(['<', '>', '"', '\'']), "raw special character left in {escaped:?}");
    for (i, _) in escaped.match_indices('&') {
        let rest = &escaped[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|entity| rest.starts_with(entity)),
            "bare ampersand in {escaped:?}"
        );
    }
}

#[test]
fn corpus_is_inert_and_round_trips() {
    for input in CORPUS {
        let escaped = escape(input);
        assert_inert(&escaped);
        assert_eq!(unescape(&escaped), *input);
    }
}

#[test]
fn escape_into_appends() {
    let mut out = String::from("<p>");
    escape_into("<b>", &mut out);
    assert_eq!(out, "<p>&lt;b&gt;");
}

#[test]
fn attribute_values_cannot_break_out_with_either_quote() {
    for input in CORPUS {
        for quote in ['"', '\''] {
            let html = format!("<a title={quote}{}{quote} class=x>", escape(input));
            // The attribute value ends at the first quote after the opening one: exactly where
            // the template put it.
            let start = html.find(quote).unwrap() + 1;
            let end = start + html[start..].find(quote).unwrap();
            assert_eq!(&html[end..], &format!("{quote} class=x>"), "breakout with {input:?}");
            assert_eq!(unescape(&html[start..end]), *input);
        }
    }
}

#[test]
fn javascript_urls_stay_text_and_are_not_valid_destinations() {
    let escaped = escape("javascript:alert(1)");
    // Nothing to escape: escaping alone never makes a URL safe...
    assert_eq!(escaped, "javascript:alert(1)");
    // ...which is why link helpers check the scheme.
    assert!(!valid_destination("javascript:alert(1)"));
    assert!(!valid_destination("  JaVaScRiPt:alert(1)"));
    assert!(!valid_destination("java\nscript:alert(1)"));
    assert!(valid_destination("/safe/path"));
}

#[test]
fn escaped_text_survives_diff_and_client_merge() {
    let statics = Statics::new(["<div title=\"", "\">", "</div>"]);
    let fingerprint = Fingerprint::of_statics(statics.parts());
    for input in CORPUS {
        let rendered = Rendered::new(
            statics.clone(),
            fingerprint,
            vec![Dynamic::escaped(input), Dynamic::escaped(input)],
        );
        let mut tracker = DiffTracker::new();
        let full = tracker.diff_root(&rendered).unwrap().unwrap();
        let (mut client, _) =
            ClientRendered::join("v", serde_json::from_str(full.as_json()).unwrap()).unwrap();
        let html = client.to_html().unwrap().html;
        let escaped = escape(input);
        assert_eq!(html, format!("<div title=\"{escaped}\">{escaped}</div>"));
    }
}

proptest! {
    #[test]
    fn any_text_is_inert(input in any::<String>()) {
        let escaped = escape(&input);
        assert_inert(&escaped);
        prop_assert_eq!(unescape(&escaped), input);
    }

    #[test]
    fn html_like_text_is_inert(input in "[<>\"'&a-z =/]{0,40}") {
        let escaped = escape(&input);
        assert_inert(&escaped);
        prop_assert_eq!(unescape(&escaped), input);
    }
}
