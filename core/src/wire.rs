//! The key names of the rendered/diff wire format, declared once, and a small JSON text writer.
//!
//! These are the short keys of Phoenix's `diff.ex` (`@static :s`, `@keyed :k`, ...) and of the
//! JS client's `constants.ts`; both the diff engine ([`crate::diff`]) and the client merge
//! ([`crate::merge`]) use them, so a typo cannot make the two disagree.

use std::fmt::Write as _;

/// Statics of a node: an array of strings (a template index in `p` is never sent by us).
pub const STATIC: &str = "s";
/// The node renders exactly one root element (`"r": 1`); at the top level of a diff, the
/// event reply instead.
pub const ROOT: &str = "r";
/// Components by cid, at the top level of a view diff.
pub const COMPONENTS: &str = "c";
/// Entries of a keyed comprehension.
pub const KEYED: &str = "k";
/// Number of entries of a keyed comprehension, inside `k`.
pub const KEYED_COUNT: &str = "kc";
/// Marks a keyed diff with moved entries (1.2.8+ client); we never send moves.
pub const KEYED_MOVED: &str = "km";
/// Stream operations of a comprehension: `[ref, inserts, deletes, reset]`.
pub const STREAM: &str = "stream";
/// Shared statics templates; the client resolves integer `s` against them. We never send it.
pub const TEMPLATES: &str = "p";
/// New page title, at the top level.
pub const TITLE: &str = "t";
/// Pushed events `[[event, payload], ...]`, at the top level.
pub const EVENTS: &str = "e";
/// The reply to a hook's `pushEvent`, at the top level (same letter as [`ROOT`]).
pub const REPLY: &str = "r";

/// Appends `text` as a JSON string literal (quotes included).
///
/// Escapes only what JSON requires (`"`, `\` and control characters); the frame is UTF-8, so
/// everything else goes through as is.
pub(crate) fn write_str(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut last = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        last = i + 1;
    }
    out.push_str(&text[last..]);
    out.push('"');
}

/// Appends `"key":` for a numeric key (dynamic slot or comprehension entry index).
pub(crate) fn write_index_key(out: &mut String, index: usize) {
    out.push('"');
    write_usize(out, index);
    out.push_str("\":");
}

/// Appends a non-negative integer without going through `fmt` (keys are written for every
/// changed slot, so this is on the hot path).
pub(crate) fn write_usize(out: &mut String, mut value: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

/// Appends `"key":` for one of the constant keys above (which need no escaping).
pub(crate) fn write_key(out: &mut String, key: &str) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// Appends an integer.
pub(crate) fn write_int(out: &mut String, value: impl std::fmt::Display) {
    let _ = write!(out, "{value}");
}

/// Appends `,` unless `out` just opened an object or array.
pub(crate) fn comma(out: &mut String) {
    if !matches!(out.as_bytes().last(), Some(b'{' | b'[') | None) {
        out.push(',');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_serde() {
        for text in
            ["", "plain", "quote \" back \\ slash", "ctl \u{0} \u{1f} \n\r\t", "é ✓ 🎉 \u{2028}"]
        {
            let mut out = String::new();
            write_str(&mut out, text);
            let back: String = serde_json::from_str(&out).expect("valid JSON string");
            assert_eq!(back, text);
        }
    }

    #[test]
    fn comma_only_between_members() {
        let mut out = String::from("{");
        comma(&mut out);
        out.push_str("\"a\":1");
        comma(&mut out);
        assert_eq!(out, "{\"a\":1,");
    }
}
