//! A nesting-depth guard for incoming frames.
//!
//! serde_json recurses once per nesting level (up to its limit of 128), and so does dropping
//! the parsed value. On a WebSocket reader's small stack, a frame like `[[[[…]]]]` from a
//! hostile client could overflow the stack, which aborts the whole process. Phoenix frames
//! are shallow (an event with nested form params is well under 16 levels), so frames nested
//! deeper than [`MAX_DEPTH`] (32) are refused before any parser sees them.

/// Deepest nesting of arrays and objects a frame may have.
pub(crate) const MAX_DEPTH: usize = 32;

/// Whether `text` nests arrays/objects deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Fast path for nearly every frame: fewer openers in total than the limit.
    if bytes.iter().filter(|&&b| b == b'[' || b == b'{').count() <= MAX_DEPTH {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_nesting_outside_strings() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!too_deep(&deep(MAX_DEPTH)));
        assert!(too_deep(&deep(MAX_DEPTH + 1)));
        // Many siblings are fine; brackets inside strings do not count.
        assert!(!too_deep(&format!("[{}]", vec!["[1]"; 500].join(","))));
        assert!(!too_deep(&format!("[\"{}\"]", "[".repeat(500))));
        assert!(!too_deep(&format!("[\"\\\"{}\"]", "{".repeat(500))));
        assert!(too_deep(&format!("[\"\\\\\",{}]", deep(MAX_DEPTH))));
    }
}
