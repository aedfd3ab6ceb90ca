//! Template errors: file, line, column and what is wrong.

use std::fmt;

/// What is wrong with a template.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateErrorKind {
    /// A block (`{{#if}}`, `{{#each}}`, ...) is never closed; holds the block's name.
    UnclosedBlock(String),
    /// A closing tag does not match the open block.
    MismatchedBlock {
        /// The open block.
        open: String,
        /// The closing tag found.
        close: String,
    },
    /// A closing tag without an open block.
    UnexpectedClose(String),
    /// A helper that is neither built in nor registered.
    UnknownHelper(String),
    /// Any other syntax error, with handlebars' description.
    Syntax(String),
    /// The template file could not be read (dev reload).
    Io(String),
}

impl fmt::Display for TemplateErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateErrorKind::UnclosedBlock(name) => write!(f, "unclosed block {{{{#{name}}}}}"),
            TemplateErrorKind::MismatchedBlock { open, close } => {
                write!(f, "{{{{/{close}}}}} closes {{{{#{open}}}}}; close it with {{{{/{open}}}}}")
            }
            TemplateErrorKind::UnexpectedClose(name) => {
                write!(f, "{{{{/{name}}}}} closes no open block")
            }
            TemplateErrorKind::UnknownHelper(name) => {
                write!(
                    f,
                    "unknown helper `{name}`: register it with TemplateRegistry::register_helper"
                )
            }
            TemplateErrorKind::Syntax(message) => f.write_str(message),
            TemplateErrorKind::Io(message) => write!(f, "cannot read template: {message}"),
        }
    }
}

/// A template that does not compile, with its position
/// (`counter_live.html.hbs:3:7: unclosed block {{#if}}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    file: String,
    line: usize,
    column: usize,
    kind: TemplateErrorKind,
}

impl TemplateError {
    pub(crate) fn new(
        file: &str,
        (line, column): (usize, usize),
        kind: TemplateErrorKind,
    ) -> TemplateError {
        TemplateError { inner: Box::new(Inner { file: file.to_owned(), line, column, kind }) }
    }

    /// The template's name (its file name for colocated templates).
    pub fn file(&self) -> &str {
        &self.inner.file
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        self.inner.line
    }

    /// 1-based column.
    pub fn column(&self) -> usize {
        self.inner.column
    }

    /// What is wrong.
    pub fn kind(&self) -> &TemplateErrorKind {
        &self.inner.kind
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.inner.file, self.inner.line, self.inner.column, self.inner.kind
        )
    }
}

impl std::error::Error for TemplateError {}

impl From<TemplateError> for liveview_core::RenderError {
    fn from(error: TemplateError) -> Self {
        liveview_core::RenderError::new(error.to_string())
    }
}

/// Turns handlebars' parse error into ours, looking for unbalanced blocks first because
/// pest's message for them ("expected ...") does not say which block is open.
pub(crate) fn from_parse(
    file: &str,
    source: &str,
    error: &handlebars::TemplateError,
) -> TemplateError {
    if let Some((pos, kind)) = scan_blocks(source) {
        return TemplateError::new(file, pos, kind);
    }
    let pos = error.pos().unwrap_or((1, 1));
    TemplateError::new(file, pos, TemplateErrorKind::Syntax(error.reason().to_string()))
}

/// Finds the first unbalanced `{{#block}}` / `{{/block}}`.
fn scan_blocks(source: &str) -> Option<((usize, usize), TemplateErrorKind)> {
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut at = 0;
    while let Some(found) = source[at..].find("{{") {
        let start = at + found;
        let rest = &source[start..];
        if rest.starts_with("{{!--") {
            at = start + rest.find("--}}").map_or(rest.len(), |e| e + 4);
            continue;
        }
        if rest.starts_with("{{!") || rest.starts_with("{{{{") {
            at = start + rest.find("}}").map_or(rest.len(), |e| e + 2);
            continue;
        }
        let body = rest[2..].trim_start_matches('~');
        let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
        at = start + end;
        let (opens, body) = match body.chars().next() {
            Some('#') => (true, &body[1..]),
            Some('/') => (false, &body[1..]),
            _ => continue,
        };
        let body = body.trim_start_matches(['>', '*']).trim_start();
        let name: String =
            body.chars().take_while(|c| !c.is_whitespace() && *c != '}' && *c != '~').collect();
        if opens {
            stack.push((name, start));
        } else {
            match stack.pop() {
                Some((open, _)) if open == name => {}
                Some((open, _)) => {
                    return Some((
                        line_col(source, start),
                        TemplateErrorKind::MismatchedBlock { open, close: name },
                    ));
                }
                None => {
                    return Some((
                        line_col(source, start),
                        TemplateErrorKind::UnexpectedClose(name),
                    ));
                }
            }
        }
    }
    stack
        .pop()
        .map(|(name, start)| (line_col(source, start), TemplateErrorKind::UnclosedBlock(name)))
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unclosed_and_mismatched_blocks() {
        let (pos, kind) = scan_blocks("<div>\n{{!-- {{#x}} --}}\n  <p>{{#if a}}\n</div>").unwrap();
        assert_eq!((pos, kind), ((3, 6), TemplateErrorKind::UnclosedBlock("if".into())));
        let (pos, kind) = scan_blocks("{{#each xs}}{{/if}}").unwrap();
        assert_eq!(pos, (1, 13));
        assert!(matches!(kind, TemplateErrorKind::MismatchedBlock { .. }));
        assert_eq!(scan_blocks("{{#if a}}{{else}}{{/if}}{{~#each b~}}{{/each}}"), None);
    }

    #[test]
    fn display_names_file_line_column() {
        let e = TemplateError::new(
            "counter_live.html.hbs",
            (3, 7),
            TemplateErrorKind::UnclosedBlock("if".into()),
        );
        assert_eq!(e.to_string(), "counter_live.html.hbs:3:7: unclosed block {{#if}}");
    }
}
