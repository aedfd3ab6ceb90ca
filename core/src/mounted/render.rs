//! Rendering a mounted view: its template (inside its layout), `live_component` and
//! `live_render` calls, and the diff against what the client has.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Crash, MountArgs, MountedView, guard};
use crate::children::Container;
use crate::component::PendingUpdate;
use crate::diff::{Diff, DiffError, NodeDiff};
use crate::registry::ComponentDef;
use crate::rendered::{ChildCall, Cid, Dynamic, Rendered};
use crate::session::{SessionPayload, StaticPayload};
use crate::socket::Navigation;
use crate::view::{MountParams, Params};

impl MountedView {
    /// Renders what changed (view and components) into a diff; assigns are marked
    /// unchanged and temporary assigns reset afterwards.
    pub(super) fn render_diff(&mut self) -> Result<Diff, Crash> {
        let mut diff = Diff::default();
        let mut pending = Vec::new();
        self.components.begin_pass();
        if !self.socket.assigns().is_unchanged() {
            if self.socket.assigns().is_changed("page_title") {
                diff.title = self.page_title();
            }
            let rendered = self.render_root(&mut pending)?;
            diff.root = match self.tracker.diff_root(&rendered) {
                Ok(root) => root,
                Err(DiffError::MissingDynamic) => {
                    // The client lacks a slot the template skipped: render everything.
                    self.socket.assigns_mut().mark_all_changed();
                    pending.clear();
                    self.components.begin_pass();
                    let rendered = self.render_root(&mut pending)?;
                    self.tracker.diff_root(&rendered).map_err(|e| Crash::new("render", e))?
                }
                Err(e) => return Err(Crash::new("render", e)),
            };
            self.socket.assigns_mut().clear_changed();
            self.socket.reset_temporary_assigns();
        }
        self.render_components(pending, &mut diff)?;
        diff.events = self.take_events();
        let component_reply = self.reply.take();
        diff.reply = self.socket.take_reply().or(component_reply);
        Ok(diff)
    }

    /// The view's template inside its layout, with component and child calls resolved.
    pub(super) fn render_root(
        &mut self,
        pending: &mut Vec<PendingUpdate>,
    ) -> Result<Rendered, Crash> {
        let (view, assigns) = (&self.view, self.socket.assigns());
        let mut rendered = guard("render", || Ok(view.render(assigns)?))?;
        if let Some(layout) = self.layout {
            rendered = guard("render", || Ok(layout.render_layout(assigns, rendered)?))?;
        }
        self.resolve(&mut rendered, pending)?;
        Ok(rendered)
    }

    /// Replaces `ComponentCall`s by cids (queueing their updates) and `ChildCall`s by the
    /// child's container HTML.
    fn resolve(
        &mut self,
        rendered: &mut Rendered,
        pending: &mut Vec<PendingUpdate>,
    ) -> Result<(), Crash> {
        for dynamic in rendered.dynamics.iter_mut().flatten() {
            self.resolve_dynamic(dynamic, pending)?;
        }
        Ok(())
    }

    fn resolve_dynamic(
        &mut self,
        dynamic: &mut Dynamic,
        pending: &mut Vec<PendingUpdate>,
    ) -> Result<(), Crash> {
        match dynamic {
            Dynamic::Text(_) | Dynamic::Component(_) => Ok(()),
            Dynamic::Nested(inner) => self.resolve(inner, pending),
            Dynamic::Comprehension(comprehension) => {
                for entry in &mut comprehension.entries {
                    for d in entry {
                        self.resolve_dynamic(d, pending)?;
                    }
                }
                Ok(())
            }
            Dynamic::ComponentCall(call) => {
                let def = self.rt.shared.components.get(&call.component).ok_or_else(|| {
                    Crash::new(
                        "render",
                        format!(
                            "live_component: no component named {:?} is registered",
                            call.component
                        ),
                    )
                })?;
                let cid = self.components.cid_for(def, &call.id, &self.id, self.connected);
                if !self.components.claim(cid) {
                    return Err(Crash::new(
                        "render",
                        format!(
                            "found duplicate ID {:?} for component {} when rendering template",
                            call.id, call.component
                        ),
                    ));
                }
                let mut assigns = std::mem::take(&mut call.assigns);
                assigns.insert("id".into(), Value::String(std::mem::take(&mut call.id)));
                pending.push(PendingUpdate { cid, assigns });
                *dynamic = Dynamic::Component(cid);
                Ok(())
            }
            Dynamic::ChildCall(call) => {
                let html = self.child_container(call)?;
                *dynamic = Dynamic::Text(html);
                Ok(())
            }
        }
    }

    /// The container of a `live_render` child: signed session (connected) or the child's own
    /// dead render with a signed static token.
    fn child_container(&mut self, call: &ChildCall) -> Result<String, Crash> {
        let rt = self.rt.clone();
        let def = rt.shared.views.get(&call.view).ok_or_else(|| {
            Crash::new(
                "render",
                format!("live_render: no view named {:?} is registered", call.view),
            )
        })?;
        let root_id = self.root_id.clone().unwrap_or_else(|| self.id.clone());
        let container =
            Container { def, tag: call.container.as_deref(), id: &call.id, parent_id: &self.id };
        if self.connected {
            let token = rt.shared.sessions.sign_session(&SessionPayload {
                id: call.id.clone(),
                view: call.view.clone(),
                root_id: Some(root_id),
                parent_id: Some(self.id.clone()),
                live_session: None,
                router: false,
                session: call.session.clone(),
            });
            return Ok(container.connected(&token));
        }
        let args = MountArgs {
            id: call.id.clone(),
            view: def.clone(),
            params: MountParams::NotMountedAtRouter,
            session: call.session.clone(),
            uri: self.uri.clone(),
            flash: Map::new(),
            connection: None,
            parent_assigns: Some(self.socket.assigns().map().clone()),
            parent_id: Some(self.id.clone()),
            root_id: Some(root_id),
        };
        let child =
            MountedView::static_render(&rt, args).map_err(|e| Crash::new("live_render", e))?;
        if child.navigation.is_some() && self.static_navigation.is_none() {
            self.static_navigation = child.navigation;
        }
        let token = rt.shared.sessions.sign_static(&StaticPayload {
            id: call.id.clone(),
            flash: Map::new(),
            assign_new: child.assign_new,
        });
        Ok(container.dead(&token, &child.html))
    }

    /// Mounts new components, runs `preload` per type and `update` per component, renders
    /// the changed ones (and the components they render), and adds their diffs.
    pub(super) fn render_components(
        &mut self,
        mut batch: Vec<PendingUpdate>,
        diff: &mut Diff,
    ) -> Result<(), Crash> {
        loop {
            let mut order: Vec<Cid> = Vec::with_capacity(batch.len() + self.dirty.len());
            if !batch.is_empty() {
                self.update_batch(&mut batch, &mut order)?;
            }
            for cid in self.dirty.drain(..) {
                if !order.contains(&cid) {
                    order.push(cid);
                }
            }
            if order.is_empty() {
                return Ok(());
            }
            let mut next = Vec::new();
            for cid in order {
                if let Some(node) = self.render_component(cid, &mut next)? {
                    diff.components.push((cid, node));
                }
            }
            batch = next;
        }
    }

    /// `mount` (new ones), `preload` (per type, in first-render order) and `update`.
    fn update_batch(
        &mut self,
        batch: &mut Vec<PendingUpdate>,
        order: &mut Vec<Cid>,
    ) -> Result<(), Crash> {
        let mut types: Vec<Arc<ComponentDef>> = Vec::new();
        for update in batch.iter() {
            let Some(state) = self.components.get_mut(update.cid) else { continue };
            if !types.iter().any(|t| Arc::ptr_eq(t, &state.def)) {
                types.push(state.def.clone());
            }
        }
        for def in types {
            let (mine, rest): (Vec<PendingUpdate>, Vec<PendingUpdate>) =
                std::mem::take(batch).into_iter().partition(|u| {
                    self.components.get_mut(u.cid).is_some_and(|s| Arc::ptr_eq(&s.def, &def))
                });
            *batch = rest;
            for update in &mine {
                self.mount_component(update.cid)?;
            }
            let count = mine.len();
            let (cids, list): (Vec<Cid>, Vec<Params>) =
                mine.into_iter().map(|u| (u.cid, u.assigns)).unzip();
            let list = guard("preload", || Ok(def.preload(list)))?;
            if list.len() != count {
                return Err(Crash::new(
                    "preload",
                    format!(
                        "{} preload returned {} assigns for {count} components",
                        def.name(),
                        list.len()
                    ),
                ));
            }
            for (cid, assigns) in cids.into_iter().zip(list) {
                self.update_component(cid, assigns)?;
                order.push(cid);
            }
        }
        Ok(())
    }

    fn mount_component(&mut self, cid: Cid) -> Result<(), Crash> {
        let Some(state) = self.components.get_mut(cid) else { return Ok(()) };
        if state.instance.is_some() {
            return Ok(());
        }
        let (def, socket) = (&state.def, &mut state.socket);
        let instance = guard("mount", || def.mount(socket))?;
        state.socket.finish_mount();
        state.instance = Some(instance);
        self.drain_component(cid);
        Ok(())
    }

    /// The component's `update` with `assigns`.
    pub(super) fn update_component(&mut self, cid: Cid, assigns: Params) -> Result<(), Crash> {
        let Some(state) = self.components.get_mut(cid) else { return Ok(()) };
        let Some(instance) = state.instance.as_mut() else { return Ok(()) };
        let socket = &mut state.socket;
        guard("update", || instance.update(assigns, socket))?;
        self.drain_component(cid);
        Ok(())
    }

    /// Renders one component if it is new, revived or changed; returns its diff.
    fn render_component(
        &mut self,
        cid: Cid,
        next: &mut Vec<PendingUpdate>,
    ) -> Result<Option<NodeDiff>, Crash> {
        let connected_diff = self.static_components.is_none();
        let Some(state) = self.components.get_mut(cid) else { return Ok(None) };
        // A root sent whole makes the client drop every component it had: they go in full.
        if connected_diff && !self.tracker.has_component(cid) {
            state.full = true;
        }
        if !state.full && state.socket.assigns().is_unchanged() {
            return Ok(None);
        }
        if state.full {
            state.socket.assigns_mut().mark_all_changed();
            // New or revived: the client has nothing (left) for this cid.
            self.tracker.forget_component(cid);
        }
        let mark = next.len();
        let mut rendered = self.render_component_tree(cid, next)?;
        let node = if self.static_components.is_some() {
            None
        } else {
            match self.tracker.diff_component(cid, &rendered) {
                Ok(node) => node,
                Err(DiffError::MissingDynamic) => {
                    next.truncate(mark);
                    // The retry claims the same nested components again.
                    self.components.begin_pass();
                    if let Some(state) = self.components.get_mut(cid) {
                        state.socket.assigns_mut().mark_all_changed();
                    }
                    rendered = self.render_component_tree(cid, next)?;
                    self.tracker
                        .diff_component(cid, &rendered)
                        .map_err(|e| Crash::new("render", e))?
                }
                Err(e) => return Err(Crash::new("render", e)),
            }
        };
        if let Some(state) = self.components.get_mut(cid) {
            state.full = false;
            state.socket.assigns_mut().clear_changed();
            state.socket.reset_temporary_assigns();
        }
        if let Some(renders) = self.static_components.as_mut() {
            renders.insert(cid, rendered);
        }
        Ok(node)
    }

    fn render_component_tree(
        &mut self,
        cid: Cid,
        next: &mut Vec<PendingUpdate>,
    ) -> Result<Rendered, Crash> {
        let Some(state) = self.components.get_mut(cid) else {
            return Err(Crash::new("render", format!("component {cid} vanished while rendering")));
        };
        let Some(instance) = state.instance.as_ref() else {
            return Err(Crash::new(
                "render",
                format!("component {} {:?} rendered before mount", state.def.name(), state.id),
            ));
        };
        let assigns = state.socket.assigns();
        let mut rendered = guard("render", || Ok(instance.render(assigns)?))?;
        // Component roots must be one element (`"r": 1`); the diff engine marks it too.
        rendered.root = true;
        self.resolve(&mut rendered, next)?;
        Ok(rendered)
    }

    /// Moves what a component callback asked for to the view: events, reply, commands,
    /// navigation and flash.
    pub(super) fn drain_component(&mut self, cid: Cid) {
        let Some(state) = self.components.get_mut(cid) else { return };
        let socket = &mut state.socket;
        self.events.append(&mut socket.take_events());
        if let Some(reply) = socket.take_reply() {
            self.reply = Some(reply);
        }
        self.commands.append(&mut socket.take_commands());
        let navigation = socket.take_navigation();
        let flash = if socket.take_flash_changed() { Some(socket.flash().clone()) } else { None };
        match navigation {
            Some(Navigation::Patch { to, replace }) => self.socket.push_patch(to, replace),
            Some(Navigation::Navigate { to, replace }) => self.socket.push_navigate(to, replace),
            Some(Navigation::Redirect { to, external: false }) => self.socket.redirect(to),
            Some(Navigation::Redirect { to, external: true }) => self.socket.redirect_external(to),
            None => {}
        }
        if let Some(flash) = flash {
            for (kind, message) in flash {
                let text = match message {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                self.socket.put_flash(&kind, text);
            }
        }
    }
}
