//! Nested child LiveViews (`live_render` with an `id`): the container HTML a parent renders.
//!
//! A child runs on its own thread, joined by the client after the parent's join reply. The
//! parent only renders the container (phoenix-protocol.md §2.2):
//! - connected render: `<div id="child" data-phx-session="<signed>" data-phx-static=""
//!   data-phx-parent-id="<parent>"></div>`, empty — the client joins the child;
//! - dead (HTTP) render: `<div id="child" data-phx-session="" data-phx-static="<signed>"
//!   data-phx-parent-id="<parent>">…the child's own static render…</div>`.

use crate::html::escape_into;
use crate::registry::ViewDef;

/// Where a child container goes and what it carries.
pub(crate) struct Container<'a> {
    pub(crate) def: &'a ViewDef,
    /// Tag override from the `live_render` call.
    pub(crate) tag: Option<&'a str>,
    pub(crate) id: &'a str,
    pub(crate) parent_id: &'a str,
}

impl<'a> Container<'a> {
    fn tag(&self) -> &'a str {
        self.tag.unwrap_or(self.def.container().0)
    }

    /// The connected render: a signed session, no static token, no content.
    pub(crate) fn connected(&self, session_token: &str) -> String {
        let mut out = String::with_capacity(160 + session_token.len());
        self.open(&mut out, session_token, "");
        let tag = self.tag();
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
        out
    }

    /// The dead render: empty session, a signed static token, the child's HTML inside.
    pub(crate) fn dead(&self, static_token: &str, inner_html: &str) -> String {
        let mut out = String::with_capacity(160 + static_token.len() + inner_html.len());
        self.open(&mut out, "", static_token);
        let tag = self.tag();
        out.push_str(inner_html);
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
        out
    }

    fn open(&self, out: &mut String, session: &str, static_token: &str) {
        let attrs = self.def.container().1;
        out.push('<');
        out.push_str(self.tag());
        attr(out, "id", self.id);
        for (name, value) in attrs {
            if name != "id" {
                attr(out, name, value);
            }
        }
        attr(out, "data-phx-session", session);
        attr(out, "data-phx-static", static_token);
        attr(out, "data-phx-parent-id", self.parent_id);
        out.push('>');
    }
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(value, out);
    out.push('"');
}
