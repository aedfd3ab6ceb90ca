//! Async work (`assign_async/3`, `start_async/3`, `handle_async/3`, `cancel_async/2`).
//!
//! The function runs on a short-lived named thread with a small stack (the runtime has no
//! executor); its result comes back through the view's mailbox, so the view is never
//! blocked. Only a connected view starts work (as in Phoenix); during the HTTP render the
//! assigns just say `loading`.
//!
//! Assigns of [`Socket::assign_async`] hold an `AsyncResult`-like JSON object a template can
//! branch on: `{"loading": true}`, then `{"ok": value}` or `{"failed": "reason"}` (reloading
//! keeps the previous `ok` beside `loading`):
//! `{{#if user.loading}}…{{else if user.failed}}…{{else}}{{user.ok.name}}{{/if}}`.
//!
//! A result is dropped when its work was cancelled or restarted under the same name, or when
//! the view has ended by then (threads cannot be killed; their result just finds no mailbox).

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Map, Value, json};

use crate::socket::{Command, Socket};
use crate::view::ViewResult;

/// Stack of an async thread: enough for ordinary work (JSON, I/O clients), small enough for
/// many at once.
pub const ASYNC_STACK_SIZE: usize = 256 * 1024;

/// The work of one async task.
pub type AsyncFn = Box<dyn FnOnce() -> Result<Value, String> + Send>;

/// Who gets the result of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsyncKind {
    /// `assign_async`: the result (an object) fills these assigns.
    Assign(Vec<String>),
    /// `start_async`: the result goes to `handle_async`.
    Start,
}

/// A task for the runtime to run ([`Command::Async`]).
pub struct AsyncTask {
    /// The task's name (`assign_async`: its keys joined with `,`).
    pub name: String,
    /// Where the result goes.
    pub kind: AsyncKind,
    /// Identifies this start of `name`; a later start or a cancel makes it stale.
    pub generation: u64,
    /// The LiveComponent that started it (`None`: the view).
    pub cid: Option<u32>,
    /// The work.
    pub run: AsyncFn,
}

impl fmt::Debug for AsyncTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncTask")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl AsyncTask {
    /// Runs the work on this thread, turning a panic into a failure.
    pub(crate) fn finish(self) -> AsyncDone {
        let result = match catch_unwind(AssertUnwindSafe(self.run)) {
            Ok(result) => result,
            Err(panic) => Err(panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .map_or_else(|| "panicked".to_owned(), |s| format!("panicked: {s}"))),
        };
        AsyncDone {
            name: self.name,
            kind: self.kind,
            generation: self.generation,
            cid: self.cid,
            result,
        }
    }
}

/// A finished task, delivered to the view's mailbox.
#[derive(Debug)]
pub(crate) struct AsyncDone {
    pub(crate) name: String,
    pub(crate) kind: AsyncKind,
    pub(crate) generation: u64,
    pub(crate) cid: Option<u32>,
    pub(crate) result: Result<Value, String>,
}

/// Running tasks of one socket: the current generation of each name.
#[derive(Debug, Default)]
pub(crate) struct AsyncState {
    next: u64,
    running: HashMap<String, u64>,
}

impl Socket {
    fn start_task(&mut self, name: String, kind: AsyncKind, run: AsyncFn) -> ViewResult {
        // A component's socket knows its cid from `myself`; the result is routed back to it.
        let cid = self.assigns().get("myself").and_then(Value::as_u64);
        let cid = cid.and_then(|c| u32::try_from(c).ok());
        if !self.is_connected() {
            return Ok(());
        }
        let state = self.async_state_mut();
        state.next += 1;
        let generation = state.next;
        state.running.insert(name.clone(), generation);
        self.push_command(Command::Async(AsyncTask { name, kind, generation, cid, run }));
        Ok(())
    }

    /// Assigns `keys` from `f`'s result, computed on another thread (`assign_async/3`). `f`
    /// returns an object with every key; until then each key holds `{"loading": true}`.
    ///
    /// # Errors
    /// None today (kept for Phoenix's raising cases).
    pub fn assign_async<F>(&mut self, keys: &[&str], f: F) -> ViewResult<&mut Socket>
    where
        F: FnOnce() -> Result<Map<String, Value>, String> + Send + 'static,
    {
        for key in keys {
            let previous = self.assigns().get(key).and_then(|v| v.get("ok")).cloned();
            let loading = match previous {
                Some(ok) => json!({"loading": true, "ok": ok}),
                None => json!({"loading": true}),
            };
            self.assigns_mut().put(*key, loading);
        }
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let run: AsyncFn = Box::new(move || f().map(Value::Object));
        self.start_task(keys.join(","), AsyncKind::Assign(keys), run)?;
        Ok(self)
    }

    /// Runs `f` on another thread; its result reaches `handle_async(name, ..)`
    /// (`start_async/3`). Starting `name` again makes the earlier result stale.
    ///
    /// # Errors
    /// None today (kept for Phoenix's raising cases).
    pub fn start_async<F>(&mut self, name: &str, f: F) -> ViewResult<&mut Socket>
    where
        F: FnOnce() -> Result<Value, String> + Send + 'static,
    {
        self.start_task(name.to_owned(), AsyncKind::Start, Box::new(f))?;
        Ok(self)
    }

    /// Cancels the task `name` (`cancel_async/3`): its result will be dropped. For
    /// `assign_async` (name: the keys joined with `,`) the keys become
    /// `{"failed": "cancelled"}`. Returns whether a task was running.
    pub fn cancel_async(&mut self, name: &str) -> bool {
        if self.async_state_mut().running.remove(name).is_none() {
            return false;
        }
        for key in name.split(',') {
            if self.assigns().get(key).is_some_and(|v| v.get("loading").is_some()) {
                self.assigns_mut().put(key, json!({"failed": "cancelled"}));
            }
        }
        true
    }

    /// Applies a finished task: `Some((name, result))` when `handle_async` must see it,
    /// `None` when it was an `assign_async` (assigns updated) or stale.
    pub(crate) fn complete_async(
        &mut self,
        done: AsyncDone,
    ) -> Option<(String, Result<Value, String>)> {
        let state = self.async_state_mut();
        if state.running.get(&done.name) != Some(&done.generation) {
            return None;
        }
        state.running.remove(&done.name);
        match done.kind {
            AsyncKind::Start => Some((done.name, done.result)),
            AsyncKind::Assign(keys) => {
                for key in keys {
                    let value = match &done.result {
                        Ok(values) => match values.get(&key) {
                            Some(v) => json!({"ok": v}),
                            None => {
                                json!({"failed": format!("assign_async: result has no key {key:?}")})
                            }
                        },
                        Err(reason) => json!({"failed": reason}),
                    };
                    self.assigns_mut().put(key, value);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(socket: &mut Socket) -> AsyncTask {
        match socket.take_commands().pop() {
            Some(Command::Async(task)) => task,
            other => panic!("expected an async command, got {other:?}"),
        }
    }

    #[test]
    fn assign_async_loading_ok_failed() {
        let mut s = Socket::new("phx-1", true);
        s.assign_async(&["user", "org"], || {
            let mut m = Map::new();
            m.insert("user".into(), json!("ada"));
            Ok(m)
        })
        .unwrap();
        assert_eq!(s.assigns().get("user"), Some(&json!({"loading": true})));
        let done = task(&mut s).finish();
        assert!(s.complete_async(done).is_none());
        assert_eq!(s.assigns().get("user"), Some(&json!({"ok": "ada"})));
        assert!(s.assigns().get("org").unwrap()["failed"].is_string());
        // Reloading keeps the old value beside `loading`.
        s.assign_async(&["user"], || Err("down".into())).unwrap();
        assert_eq!(s.assigns().get("user"), Some(&json!({"loading": true, "ok": "ada"})));
        let done = task(&mut s).finish();
        s.complete_async(done);
        assert_eq!(s.assigns().get("user"), Some(&json!({"failed": "down"})));
    }

    #[test]
    fn restart_and_cancel_make_results_stale() {
        let mut s = Socket::new("phx-1", true);
        s.start_async("load", || Ok(json!(1))).unwrap();
        let first = task(&mut s).finish();
        s.start_async("load", || panic!("boom")).unwrap();
        let second = task(&mut s).finish();
        assert!(s.complete_async(first).is_none(), "stale");
        assert_eq!(s.complete_async(second), Some(("load".into(), Err("panicked: boom".into()))));
        s.start_async("load", || Ok(json!(2))).unwrap();
        let third = task(&mut s).finish();
        assert!(s.cancel_async("load"));
        assert!(s.complete_async(third).is_none());
        assert!(!s.cancel_async("load"));
    }

    #[test]
    fn nothing_runs_before_connect() {
        let mut s = Socket::new("phx-1", false);
        s.assign_async(&["user"], || Ok(Map::new())).unwrap();
        assert!(s.take_commands().is_empty());
        assert_eq!(s.assigns().get("user"), Some(&json!({"loading": true})));
    }
}
