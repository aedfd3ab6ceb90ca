//! Handles to running views: how other threads talk to a view's mailbox.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, SendError, Sender, TrySendError};
use parking_lot::Mutex;

use crate::protocol::Frame;
use crate::view::Message;

/// What a view's mailbox carries.
#[derive(Debug)]
pub enum ViewInput {
    /// A frame of this view's topic other than `phx_join`: `event`, `live_patch`,
    /// `cids_will_destroy`, `cids_destroyed`, `phx_leave`, `allow_upload`, `progress`.
    Client(Frame),
    /// A message for `handle_info`.
    Info(Message),
    /// A request for `handle_call`, with where to send the reply (`Err` when the view failed).
    Call(Message, Sender<Result<Message, String>>),
    /// The client's connection is gone: `terminate(Closed)`.
    TransportClosed,
    /// Stop the view: `terminate(Shutdown)` (duplicate join, server stop, parent ended).
    Shutdown,
}

/// Why [`ViewHandle::call`] got no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the timeout.
    Timeout,
    /// The view's mailbox is full.
    Full,
    /// The view has ended.
    Dead,
    /// `handle_call` failed (the view ended); the text says how.
    Failed(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("view call timed out"),
            CallError::Full => f.write_str("view mailbox is full"),
            CallError::Dead => f.write_str("view has ended"),
            CallError::Failed(why) => write!(f, "view call failed: {why}"),
        }
    }
}

impl std::error::Error for CallError {}

pub(crate) struct HandleInner {
    id: String,
    mailbox: Sender<ViewInput>,
    alive: AtomicBool,
    /// Set when the parent ended; checked by the view loop even if the wake-up message did
    /// not fit in a full mailbox.
    stop_requested: AtomicBool,
    children: Mutex<Vec<ViewHandle>>,
}

/// A cheap-clone handle to a running view, usable from any thread.
#[derive(Clone)]
pub struct ViewHandle {
    inner: Arc<HandleInner>,
}

impl ViewHandle {
    pub(crate) fn new(id: String, mailbox: Sender<ViewInput>) -> ViewHandle {
        ViewHandle {
            inner: Arc::new(HandleInner {
                id,
                mailbox,
                alive: AtomicBool::new(true),
                stop_requested: AtomicBool::new(false),
                children: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The view's DOM id (the topic is `lv:<id>`).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Puts `input` in the mailbox without blocking.
    ///
    /// # Errors
    /// `SendError` with the input when the mailbox is full or the view has ended.
    // The input comes back on failure, as crossbeam's own `send` does; it is large because
    // a client frame is, and boxing it would cost an allocation per frame.
    #[allow(clippy::result_large_err)]
    pub fn send(&self, input: ViewInput) -> Result<(), SendError<ViewInput>> {
        self.inner.mailbox.try_send(input).map_err(|e| match e {
            TrySendError::Full(input) | TrySendError::Disconnected(input) => SendError(input),
        })
    }

    /// Sends `message` to the view's `handle_info`.
    ///
    /// # Errors
    /// As [`ViewHandle::send`].
    #[allow(clippy::result_large_err)] // as `send`
    pub fn info(&self, message: Message) -> Result<(), SendError<ViewInput>> {
        self.send(ViewInput::Info(message))
    }

    /// Calls the view's `handle_call` and waits up to `timeout` for the reply.
    ///
    /// # Errors
    /// [`CallError`] on timeout, full mailbox, ended view, or a failing `handle_call`.
    pub fn call(&self, request: Message, timeout: Duration) -> Result<Message, CallError> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        match self.inner.mailbox.try_send(ViewInput::Call(request, tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(CallError::Full),
            Err(TrySendError::Disconnected(_)) => return Err(CallError::Dead),
        }
        match rx.recv_timeout(timeout) {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(why)) => Err(CallError::Failed(why)),
            Err(RecvTimeoutError::Timeout) => Err(CallError::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(CallError::Dead),
        }
    }

    /// True while the view's thread runs.
    pub fn is_alive(&self) -> bool {
        self.inner.alive.load(Ordering::Acquire)
    }

    pub(crate) fn mailbox(&self) -> &Sender<ViewInput> {
        &self.inner.mailbox
    }

    /// Links `child` to this view: this view's end ends the child.
    pub(crate) fn add_child(&self, child: ViewHandle) {
        let mut children = self.inner.children.lock();
        // Checked under the lock `mark_dead` takes after clearing `alive`: a parent that
        // ended meanwhile stops the child here instead.
        if !self.is_alive() {
            drop(children);
            child.request_stop();
            return;
        }
        children.retain(ViewHandle::is_alive);
        children.push(child);
    }

    fn request_stop(&self) {
        self.inner.stop_requested.store(true, Ordering::Release);
        // Only a wake-up: when the mailbox is full the flag is seen anyway.
        let _ = self.send(ViewInput::Shutdown);
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.inner.stop_requested.load(Ordering::Acquire)
    }

    /// Marks the view ended and stops its children (`Shutdown`).
    pub(crate) fn mark_dead(&self) {
        self.inner.alive.store(false, Ordering::Release);
        let children = std::mem::take(&mut *self.inner.children.lock());
        for child in children {
            child.request_stop();
        }
    }
}

impl fmt::Debug for ViewHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewHandle")
            .field("id", &self.inner.id)
            .field("alive", &self.is_alive())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mailbox_slots_stay_small() {
        // Mailbox memory is capacity × slot size, allocated up front by crossbeam.
        assert!(std::mem::size_of::<super::ViewInput>() <= 128);
    }
}
