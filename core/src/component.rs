//! The stateful LiveComponents of one view: cids, instances and their sockets.
//!
//! Phoenix keeps these in the channel state (`components` in `diff.ex`). A cid is given the
//! first time a `{component, id}` pair is rendered and never reused; a component lives until
//! the client reports it destroyed (`cids_will_destroy` then `cids_destroyed`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::registry::{ComponentDef, ErasedComponent};
use crate::rendered::Cid;
use crate::socket::Socket;
use crate::view::Params;

/// One mounted component.
pub(crate) struct ComponentState {
    pub(crate) def: Arc<ComponentDef>,
    pub(crate) id: String,
    /// `None` until `mount` ran (it runs on the first render that needs it).
    pub(crate) instance: Option<Box<dyn ErasedComponent>>,
    pub(crate) socket: Socket,
    /// Render in full next time (new or revived).
    pub(crate) full: bool,
    /// The render pass that last rendered this component (duplicate-id check).
    pass: u64,
}

/// The components of one view.
#[derive(Default)]
pub(crate) struct Components {
    next_cid: Cid,
    by_cid: HashMap<Cid, ComponentState>,
    by_id: HashMap<(String, String), Cid>,
    marked: HashSet<Cid>,
    pass: u64,
}

impl Components {
    /// The cid of `{component, id}`, creating the (not yet mounted) component on first use;
    /// a component marked for deletion is revived and renders in full.
    pub(crate) fn cid_for(
        &mut self,
        def: &Arc<ComponentDef>,
        id: &str,
        view_id: &str,
        connected: bool,
    ) -> Cid {
        if let Some(&cid) = self.by_id.get(&(def.name().to_owned(), id.to_owned())) {
            if self.marked.remove(&cid) {
                if let Some(state) = self.by_cid.get_mut(&cid) {
                    state.full = true;
                }
            }
            return cid;
        }
        self.next_cid += 1;
        let cid = self.next_cid;
        let mut socket = Socket::new(view_id, connected);
        socket.assigns_mut().put("myself", Value::from(cid));
        self.by_id.insert((def.name().to_owned(), id.to_owned()), cid);
        self.by_cid.insert(
            cid,
            ComponentState {
                def: def.clone(),
                id: id.to_owned(),
                instance: None,
                socket,
                full: true,
                pass: 0,
            },
        );
        cid
    }

    /// Starts a render pass: every component may be rendered once in it.
    pub(crate) fn begin_pass(&mut self) {
        self.pass += 1;
    }

    /// Records that `cid` is rendered in this pass; false if it already was (a duplicate id).
    pub(crate) fn claim(&mut self, cid: Cid) -> bool {
        let pass = self.pass;
        match self.by_cid.get_mut(&cid) {
            Some(state) if state.pass == pass => false,
            Some(state) => {
                state.pass = pass;
                true
            }
            None => true,
        }
    }

    pub(crate) fn get_mut(&mut self, cid: Cid) -> Option<&mut ComponentState> {
        self.by_cid.get_mut(&cid)
    }

    /// The cid of a mounted `{component, id}` (for `send_update`).
    pub(crate) fn find(&self, component: &str, id: &str) -> Option<Cid> {
        self.by_id.get(&(component.to_owned(), id.to_owned())).copied()
    }

    /// `cids_will_destroy`: the client removed these from its DOM.
    pub(crate) fn mark_for_deletion(&mut self, cid: Cid) {
        if self.by_cid.contains_key(&cid) {
            self.marked.insert(cid);
        }
    }

    /// `cids_destroyed`: deletes the cids still marked; returns those really deleted.
    pub(crate) fn delete_marked(&mut self, cids: &[Cid]) -> Vec<Cid> {
        let mut deleted = Vec::with_capacity(cids.len());
        for &cid in cids {
            if !self.marked.remove(&cid) {
                continue;
            }
            if let Some(state) = self.by_cid.remove(&cid) {
                self.by_id.remove(&(state.def.name().to_owned(), state.id));
                deleted.push(cid);
            }
        }
        deleted
    }

    pub(crate) fn len(&self) -> usize {
        self.by_cid.len()
    }

    pub(crate) fn shrink(&mut self) {
        self.by_cid.shrink_to_fit();
        self.by_id.shrink_to_fit();
        self.marked.shrink_to_fit();
    }
}

/// A `live_component` call waiting for its component's `update` and render.
pub(crate) struct PendingUpdate {
    pub(crate) cid: Cid,
    pub(crate) assigns: Params,
}
