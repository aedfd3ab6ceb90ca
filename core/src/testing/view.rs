//! The test-facing API: a mounted view, its elements, forms and children.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::client::ClientSocket;
use super::dom;
use super::element::{Element, Form};
use super::error::{Redirect, TestError};
use crate::app::App;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::Endpoint;
use crate::view::{Message, Params};

/// How to load a page in a test.
#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    /// Extra connect params (what `LiveSocket`'s `params` option would send), visible to the
    /// view's connected mount through `Socket::connect_params`.
    pub connect_params: Params,
    /// Extra cookies for the page request (`name=value` pairs).
    pub cookies: Vec<(String, String)>,
    /// How long to wait for each server reply (default 5 s).
    pub timeout: Option<Duration>,
}

/// A live view mounted in-process: the static render, then a connected view on its own
/// thread, driven like a browser would (see the [module docs](super)).
#[derive(Debug)]
pub struct LiveViewTest {
    pub(super) socket: ClientSocket,
    root: String,
    path: String,
    dead_html: String,
    /// `data-phx-static` tokens of the dead render, by view id (the client copies them from
    /// the DOM when a child joins).
    dead_statics: HashMap<String, String>,
    connect_params: Params,
    /// The last HTML of each view, for `phx-update` containers (`append`, `prepend`,
    /// `ignore`) that keep what the DOM had.
    previous: HashMap<String, String>,
}

const BASE_URL: &str = "http://localhost";

impl LiveViewTest {
    /// Loads `path` (static render), connects and joins its view (`live(conn, path)`).
    ///
    /// # Errors
    /// [`TestError::Mount`] when the page is not a live view or the join is refused;
    /// [`TestError::Redirected`] when mount redirects.
    pub fn live(app: &App, path: &str) -> Result<LiveViewTest, TestError> {
        LiveViewTest::live_with(app, path, LiveOptions::default())
    }

    /// Like [`LiveViewTest::live`], with connect params, cookies and a timeout.
    ///
    /// # Errors
    /// As [`LiveViewTest::live`].
    pub fn live_with(
        app: &App,
        path: &str,
        options: LiveOptions,
    ) -> Result<LiveViewTest, TestError> {
        let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
        let mut cookies: Vec<String> =
            options.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let request = HttpRequest {
            method: "GET".into(),
            path: path_only.into(),
            query: query.into(),
            headers: vec![
                ("host".into(), "localhost".into()),
                ("cookie".into(), cookies.join("; ")),
            ],
            ..Default::default()
        };
        let response = app
            .handle_http(&request)
            .ok_or_else(|| TestError::Mount(format!("no route for GET {path}")))?;
        if (300..400).contains(&response.status) {
            let to = header(&response, "location").unwrap_or_default().to_owned();
            return Err(TestError::Redirected(Redirect {
                to,
                live: false,
                replace: false,
                flash: Map::new(),
            }));
        }
        if response.status != 200 {
            return Err(TestError::Mount(format!("GET {path} answered {}", response.status)));
        }
        for set in response.headers.iter().filter(|(k, _)| k == "set-cookie") {
            if let Some(pair) = set.1.split(';').next() {
                cookies.push(pair.trim().to_owned());
            }
        }
        let dead_html = String::from_utf8_lossy(&response.body).into_owned();
        let main =
            dom::select(&dead_html, "[data-phx-main]", None)?.into_iter().next().ok_or_else(
                || TestError::Mount(format!("GET {path} has no live view (data-phx-main)")),
            )?;
        let root = main.attr("id").unwrap_or_default().to_owned();
        let session = main.attr("data-phx-session").unwrap_or_default().to_owned();
        let dead_statics = dom::select(&dead_html, "[data-phx-static]", None)?
            .into_iter()
            .filter_map(|el| {
                Some((el.attr("id")?.to_owned(), el.attr("data-phx-static")?.to_owned()))
            })
            .filter(|(_, token)| !token.is_empty())
            .collect::<HashMap<_, _>>();
        let csrf =
            dom::attribute(&dead_html, "meta[name=csrf-token]", "content").unwrap_or_default();
        let mut socket = ClientSocket::connect(app, &cookies.join("; "), &csrf)?;
        if let Some(timeout) = options.timeout {
            socket.timeout = timeout;
        }
        let mut connect_params = options.connect_params;
        connect_params.insert("_csrf_token".into(), Value::String(csrf));
        let mut test = LiveViewTest {
            socket,
            root: root.clone(),
            path: path.to_owned(),
            dead_html,
            dead_statics,
            connect_params,
            previous: HashMap::new(),
        };
        let payload = json!({
            "url": format!("{BASE_URL}{path}"),
            "params": test.join_params(),
            "session": session,
            "static": test.dead_statics.get(&root),
            "sticky": false,
        });
        test.socket.join(&root, payload, None)?;
        test.join_children()?;
        Ok(test)
    }

    fn join_params(&self) -> Value {
        let mut params = self.connect_params.clone();
        params.insert("_mounts".into(), json!(0));
        params.insert("_mount_attempts".into(), json!(0));
        Value::Object(params)
    }

    /// The whole page of the static render (what a browser with JavaScript off shows).
    pub fn dead_html(&self) -> &str {
        &self.dead_html
    }

    /// The root view's DOM id (`phx-...`).
    pub fn id(&self) -> &str {
        &self.root
    }

    /// The path the view was loaded at, updated by `push_patch` and [`LiveViewTest::render_patch`].
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The current HTML of the view (children included), after applying everything the
    /// server pushed so far.
    ///
    /// # Errors
    /// [`TestError::Merge`] when a pushed diff does not fit.
    pub fn render(&mut self) -> Result<String, TestError> {
        self.socket.drain()?;
        let root = self.root.clone();
        self.html_of(&root)
    }

    /// Renders until `done(html)` holds, applying the server's pushes as they arrive (e.g.
    /// the results of `assign_async`, like `render_async/2`).
    ///
    /// # Errors
    /// [`TestError::Timeout`] when `done` does not hold within `timeout`; otherwise as
    /// [`LiveViewTest::render`].
    pub fn render_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&str) -> bool,
    ) -> Result<String, TestError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let html = self.render()?;
            if done(&html) {
                return Ok(html);
            }
            if !self.socket.wait_frame(deadline)? {
                return Err(TestError::Timeout("render_until: condition never held".into()));
            }
        }
    }

    pub(crate) fn html_of(&mut self, id: &str) -> Result<String, TestError> {
        self.sync_children(id)?;
        let view = self
            .socket
            .views
            .get_mut(id)
            .ok_or_else(|| TestError::ViewDown(format!("no view {id:?}")))?;
        view.stream_pending = false;
        let mut renders = std::mem::take(&mut view.pending_renders);
        renders.push(view.tree.to_html().map_err(|e| TestError::Merge(e.to_string()))?);
        let mut patched = String::new();
        for rendering in renders {
            patched = self.patch_render(id, rendering)?;
        }
        Ok(patched)
    }

    /// Applies one render of view `id` (children filled in) to the DOM shown before.
    fn patch_render(
        &mut self,
        id: &str,
        rendering: crate::merge::Rendering,
    ) -> Result<String, TestError> {
        let (mut html, streams) = (rendering.html, rendering.streams);
        let children: Vec<String> = self
            .socket
            .views
            .iter()
            .filter(|(_, v)| v.parent.as_deref() == Some(id))
            .map(|(k, _)| k.clone())
            .collect();
        for child in children {
            let inner = self.html_of(&child)?;
            html = fill_container(&html, &child, &inner);
        }
        let previous = self.previous.get(id).map(String::as_str);
        let patched = dom::patch_with_streams(previous, &html, &streams);
        self.previous.insert(id.to_owned(), patched.clone());
        Ok(patched)
    }

    /// Joins children that appeared in `id`'s render and leaves those that vanished.
    fn sync_children(&mut self, id: &str) -> Result<(), TestError> {
        let Some(view) = self.socket.views.get(id) else { return Ok(()) };
        // A copy: rendering forgets stream entries, which `html_of` still has to show.
        let html = view.tree.clone().to_html().map_err(|e| TestError::Merge(e.to_string()))?.html;
        let selector = format!(r#"[data-phx-parent-id="{id}"]"#);
        let containers = dom::select(&html, &selector, None)?;
        let present: Vec<String> =
            containers.iter().filter_map(|c| c.attr("id").map(str::to_owned)).collect();
        let gone: Vec<String> = self
            .socket
            .views
            .iter()
            .filter(|(k, v)| v.parent.as_deref() == Some(id) && !present.contains(k))
            .map(|(k, _)| k.clone())
            .collect();
        for child in gone {
            let _ = self.socket.push(&child, "phx_leave", json!({}));
            self.socket.views.remove(&child);
        }
        for container in containers {
            let (Some(child), Some(session)) =
                (container.attr("id"), container.attr("data-phx-session"))
            else {
                continue;
            };
            if session.is_empty() || self.socket.views.contains_key(child) {
                continue;
            }
            let payload = json!({
                "params": self.join_params(),
                "session": session,
                "static": self.dead_statics.get(child),
                "sticky": false,
            });
            self.socket.join(child, payload, Some(id))?;
        }
        Ok(())
    }

    fn join_children(&mut self) -> Result<(), TestError> {
        let root = self.root.clone();
        self.html_of(&root).map(drop)
    }

    /// The element(s) matching `selector` in the root view.
    pub fn element(&mut self, selector: &str) -> Element<'_> {
        let view = self.root.clone();
        Element { test: self, view, selector: selector.to_owned(), text: None }
    }

    /// The element(s) matching `selector` whose text contains `text`.
    pub fn element_with_text(&mut self, selector: &str, text: &str) -> Element<'_> {
        let view = self.root.clone();
        Element { test: self, view, selector: selector.to_owned(), text: Some(text.to_owned()) }
    }

    /// True when an element matches `selector` (`has_element?/2`).
    pub fn has_element(&mut self, selector: &str) -> bool {
        self.element(selector).exists()
    }

    /// True when an element matches `selector` and its text contains `text`.
    pub fn has_element_with_text(&mut self, selector: &str, text: &str) -> bool {
        self.element_with_text(selector, text).exists()
    }

    /// The form matching `selector`, with `data` overlaid on its current fields
    /// (`form(view, selector, data)`).
    pub fn form(&mut self, selector: &str, data: &[(&str, &str)]) -> Form<'_> {
        let view = self.root.clone();
        let data = data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Form { test: self, view, selector: selector.to_owned(), data }
    }

    /// Sends a hook event (`this.pushEvent(event, value)` from a `phx-hook`) to the root view;
    /// the server's reply (if any) is in [`LiveViewTest::last_reply`].
    ///
    /// # Errors
    /// As any step: the view is down, an error reply, a redirect.
    pub fn render_hook(&mut self, event: &str, value: Value) -> Result<String, TestError> {
        let view = self.root.clone();
        self.push_event(&view, json!({"type": "hook", "event": event, "value": value}))
    }

    /// Patches the URL of the root view like a `live_patch` link (`render_patch/2`).
    ///
    /// # Errors
    /// As any step.
    pub fn render_patch(&mut self, path: &str) -> Result<String, TestError> {
        let root = self.root.clone();
        let response =
            self.socket.push(&root, "live_patch", json!({"url": format!("{BASE_URL}{path}")}))?;
        if response.get("link_redirect").is_some() {
            return Err(TestError::Redirected(Redirect {
                to: path.to_owned(),
                live: true,
                replace: false,
                flash: Map::new(),
            }));
        }
        self.path = path.to_owned();
        self.render()
    }

    /// Sends `message` to the root view's `handle_info` and returns the HTML once handled.
    ///
    /// # Errors
    /// As any step.
    pub fn send_info(&mut self, message: Message) -> Result<String, TestError> {
        let root = self.root.clone();
        self.send_info_to(&root, message)
    }

    fn send_info_to(&mut self, id: &str, message: Message) -> Result<String, TestError> {
        let handle = self
            .socket
            .handle(id)
            .ok_or_else(|| TestError::ViewDown(format!("view {id} is not running")))?;
        handle
            .info(message)
            .map_err(|_| TestError::ViewDown(format!("view {id} does not accept messages")))?;
        // The mailbox is ordered: once a no-op event is answered, the message was handled.
        self.socket.push(id, "cids_will_destroy", json!({"cids": []}))?;
        self.html_of(id)
    }

    /// The next `push_patch` target the view asked for, if any (`assert_patch/1`).
    pub fn take_patch(&mut self) -> Option<String> {
        let _ = self.socket.drain();
        if self.socket.patches.is_empty() {
            return None;
        }
        let patch = self.socket.patches.remove(0);
        self.path.clone_from(&patch);
        Some(patch)
    }

    /// A redirect the view pushed outside of a step (e.g. from `handle_info`), if any.
    pub fn take_redirect(&mut self) -> Option<Redirect> {
        let _ = self.socket.drain();
        self.socket.redirect.take()
    }

    /// The page title last set by the server (`page_title/1`).
    pub fn title(&self) -> Option<&str> {
        self.socket.title.as_deref()
    }

    /// Events pushed with `push_event`, oldest first (`assert_push_event/3`).
    pub fn pushed_events(&mut self) -> &[(String, Value)] {
        let _ = self.socket.drain();
        &self.socket.events
    }

    /// Takes the pushed events.
    pub fn take_pushed_events(&mut self) -> Vec<(String, Value)> {
        let _ = self.socket.drain();
        std::mem::take(&mut self.socket.events)
    }

    /// The reply of the last event answered with `Socket::reply` (`{:reply, map, socket}`).
    pub fn last_reply(&self) -> Option<&Value> {
        self.socket.last_reply.as_ref()
    }

    /// Ids of the child views joined inside the root view (`live_children/1`).
    pub fn live_children(&mut self) -> Vec<String> {
        let _ = self.render();
        let root = self.root.clone();
        let mut ids: Vec<String> = self
            .socket
            .views
            .iter()
            .filter(|(_, v)| v.parent.as_deref() == Some(&root))
            .map(|(k, _)| k.clone())
            .collect();
        ids.sort();
        ids
    }

    /// The child view with DOM id `id` (`find_live_child/2`).
    ///
    /// # Errors
    /// [`TestError::NoElement`] when no such child is joined.
    pub fn child(&mut self, id: &str) -> Result<ChildView<'_>, TestError> {
        let _ = self.render();
        if !self.socket.views.contains_key(id) {
            return Err(TestError::NoElement(format!("child view #{id}")));
        }
        Ok(ChildView { test: self, id: id.to_owned() })
    }

    /// True while the root view runs (false after a crash or close).
    pub fn is_alive(&mut self) -> bool {
        let _ = self.socket.drain();
        self.socket.views.get(&self.root).is_some_and(|v| v.down.is_none())
    }

    /// Loads the page a [`Redirect`] points to, carrying its flash (`follow_redirect/2`).
    ///
    /// # Errors
    /// As [`LiveViewTest::live`].
    pub fn follow_redirect(&self, redirect: &Redirect) -> Result<LiveViewTest, TestError> {
        let mut options = LiveOptions::default();
        if !redirect.flash.is_empty() {
            let token = self.socket.app.inner.sessions.sign_flash(&redirect.flash);
            options.cookies.push((crate::flash::FLASH_COOKIE.to_owned(), token));
        }
        LiveViewTest::live_with(&self.socket.app, &redirect.to, options)
    }

    pub(super) fn push_event(&mut self, view: &str, payload: Value) -> Result<String, TestError> {
        self.socket.push(view, "event", payload)?;
        self.html_of(view)
    }
}

impl Drop for LiveViewTest {
    fn drop(&mut self) {
        self.socket.close();
    }
}

/// A child view of a [`LiveViewTest`] (its own thread, same socket).
#[derive(Debug)]
pub struct ChildView<'a> {
    test: &'a mut LiveViewTest,
    id: String,
}

impl ChildView<'_> {
    /// The child's DOM id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The child's current HTML.
    ///
    /// # Errors
    /// As [`LiveViewTest::render`].
    pub fn render(&mut self) -> Result<String, TestError> {
        self.test.socket.drain()?;
        self.test.html_of(&self.id)
    }

    /// An element inside the child.
    pub fn element(&mut self, selector: &str) -> Element<'_> {
        Element {
            test: self.test,
            view: self.id.clone(),
            selector: selector.to_owned(),
            text: None,
        }
    }

    /// A form inside the child.
    pub fn form(&mut self, selector: &str, data: &[(&str, &str)]) -> Form<'_> {
        let data = data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Form { test: self.test, view: self.id.clone(), selector: selector.to_owned(), data }
    }

    /// Sends `message` to the child's `handle_info`.
    ///
    /// # Errors
    /// As any step.
    pub fn send_info(&mut self, message: Message) -> Result<String, TestError> {
        let id = self.id.clone();
        self.test.send_info_to(&id, message)
    }

    /// True while the child runs.
    pub fn is_alive(&mut self) -> bool {
        let _ = self.test.socket.drain();
        self.test.socket.views.get(&self.id).is_some_and(|v| v.down.is_none())
    }
}

fn header<'r>(response: &'r HttpResponse, name: &str) -> Option<&'r str> {
    response.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Puts a child's HTML inside its (empty) container in the parent's HTML.
fn fill_container(parent: &str, child: &str, inner: &str) -> String {
    let needle = format!(r#"id="{child}""#);
    let Some(at) = parent.find(&needle) else { return parent.to_owned() };
    let Some(tag_start) = parent[..at].rfind('<') else { return parent.to_owned() };
    let Some(tag_end) = parent[at..].find('>').map(|i| at + i + 1) else {
        return parent.to_owned();
    };
    let tag = parent[tag_start + 1..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap_or("div");
    let close = format!("</{tag}>");
    if !parent[tag_end..].starts_with(&close) {
        return parent.to_owned();
    }
    format!("{}{inner}{}", &parent[..tag_end], &parent[tag_end..])
}
