//! The thread shell around a [`MountedView`]: one named OS thread per connected view. It
//! waits on the mailbox until the next timer is due (a `recv_deadline`, which is crossbeam's
//! select over the mailbox and a deadline without allocating a timer channel), feeds the
//! view, writes its frames through the transport and carries out its commands.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use serde_json::{Map, Value};

use super::handle::{ViewHandle, ViewInput};
use super::timers::{TimerKind, Timers};
use super::{JoinRequest, Runtime, SpawnError};
use crate::mounted::{AssignsRequest, Crash, MountArgs, MountConnection, MountedView};
use crate::protocol::Frame;
use crate::pubsub::{Subscriber, SubscriberId};
use crate::socket::Command;
use crate::transport::Transport;
use crate::view::{Message, TerminateReason};

/// How long a child's mount waits for its parent's assigns.
const PARENT_ASSIGNS_WAIT: Duration = Duration::from_secs(2);

/// Admission control, then the thread.
pub(crate) fn spawn(rt: &Runtime, join: JoinRequest) -> Result<ViewHandle, SpawnError> {
    let shared = &rt.shared;
    let max = shared.config.max_views;
    let admitted = shared
        .live
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1));
    if admitted.is_err() {
        log::warn!("view {} refused: max_views ({max}) reached", join.id);
        return Err(SpawnError::Full { max });
    }
    let (tx, rx) = crossbeam_channel::bounded(shared.config.mailbox_capacity.max(1));
    let handle = ViewHandle::new(join.id.clone(), tx);
    let thread_handle = handle.clone();
    let thread_rt = rt.clone();
    let parent = join.parent.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("lv-view-{}", join.id))
        .stack_size(shared.config.thread_stack_size)
        .spawn(move || {
            let _live = LiveGuard { rt: thread_rt.clone(), handle: thread_handle.clone() };
            let (topic, join_ref, transport) =
                (join.topic.clone(), join.join_ref.clone(), join.transport.clone());
            let subscriber = SubscriberId::next();
            let ran = catch_unwind(AssertUnwindSafe(|| {
                run(&thread_rt, join, &rx, &thread_handle, subscriber);
            }));
            if ran.is_err() {
                // User callbacks are guarded; this is a panic in the runtime or a transport.
                log::error!("view thread of {topic} panicked outside any view callback");
                thread_rt.shared.pubsub.unsubscribe_all(subscriber);
                let _ = transport.send(Frame::encode_raw(
                    Some(&join_ref),
                    Some(&join_ref),
                    &topic,
                    "phx_error",
                    r#"{"reason":"channel_crash"}"#,
                ));
            }
        });
    match spawned {
        Ok(_) => {
            if let Some(parent) = parent {
                parent.add_child(handle.clone());
            }
            Ok(handle)
        }
        Err(e) => {
            shared.live.fetch_sub(1, Ordering::AcqRel);
            Err(SpawnError::Thread(e.to_string()))
        }
    }
}

/// Runs on the view thread's exit, even when it unwinds: count, liveness, children.
struct LiveGuard {
    rt: Runtime,
    handle: ViewHandle,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        // Count first: whoever sees the handle dead also sees the slot free.
        self.rt.shared.live.fetch_sub(1, Ordering::AcqRel);
        self.handle.mark_dead();
    }
}

/// Per-thread state besides the view itself.
struct Shell<'a> {
    rt: &'a Runtime,
    topic: String,
    join_ref: String,
    transport: Arc<dyn Transport>,
    handle: &'a ViewHandle,
    parent: Option<ViewHandle>,
    subscriber: SubscriberId,
    subscribed: bool,
    timers: Timers,
    name: String,
    id: String,
}

/// How the loop ended.
enum End {
    Reason(TerminateReason),
    Crash(Crash),
}

fn run(
    rt: &Runtime,
    join: JoinRequest,
    rx: &Receiver<ViewInput>,
    handle: &ViewHandle,
    subscriber: SubscriberId,
) {
    let mut shell = Shell {
        rt,
        topic: join.topic,
        join_ref: join.join_ref,
        transport: join.transport,
        handle,
        parent: join.parent,
        subscriber,
        subscribed: false,
        timers: Timers::default(),
        name: join.view.name().to_owned(),
        id: join.id.clone(),
    };
    // The join does not say who the root is; the parent is right for the usual one level of
    // nesting and only ends up in grandchildren's tokens.
    let root_id = shell.parent.as_ref().map(|p| p.id().to_owned());
    let args = MountArgs {
        id: join.id,
        view: join.view,
        params: join.params,
        session: join.session,
        uri: join.uri,
        flash: join.flash,
        connection: Some(MountConnection {
            params: join.connect_params,
            info: join.connect_info,
            transport_id: join.transport_id,
            static_changed: join.static_changed,
        }),
        parent_assigns: shell.parent.as_ref().and_then(|parent| shell.parent_assigns(parent)),
        parent_id: shell.parent.as_ref().map(|p| p.id().to_owned()),
        root_id,
        live_session: join.live_session.clone(),
    };
    let joined = MountedView::mount(rt, args)
        .and_then(|mut mv| mv.render_join(join.redirected).map(|reply| (mv, reply)));
    let (mut mv, reply) = match joined {
        Ok(joined) => joined,
        Err(crash) => {
            log::error!("view {} ({}) crashed while joining: {crash}", shell.name, shell.id);
            shell.send(Frame::reply(
                Some(&shell.join_ref),
                Some(&shell.join_ref),
                &shell.topic,
                "error",
                r#"{"reason":"join crashed"}"#,
            ));
            return;
        }
    };
    // What mount asked for (subscriptions above all) takes effect before the client hears
    // that the join succeeded, as in Phoenix where `subscribe` in mount is synchronous: a
    // broadcast sent right after the join reply must reach this view.
    if reply.ok {
        for command in mv.take_commands() {
            if let Err(crash) = shell.command(&mut mv, command) {
                log::error!("view {} ({}) crashed while joining: {crash}", shell.name, shell.id);
                shell.send(Frame::reply(
                    Some(&shell.join_ref),
                    Some(&shell.join_ref),
                    &shell.topic,
                    "error",
                    r#"{"reason":"join crashed"}"#,
                ));
                return;
            }
        }
    }
    shell.send(Frame::reply(
        Some(&shell.join_ref),
        Some(&shell.join_ref),
        &shell.topic,
        if reply.ok { "ok" } else { "error" },
        &reply.response,
    ));
    let end = if reply.ok {
        shell.after_step(&mut mv).unwrap_or_else(|| shell.serve(&mut mv, rx))
    } else {
        // Mount redirected: the join was refused, so no phx_close follows.
        End::Reason(TerminateReason::Normal)
    };
    let reason = match end {
        End::Reason(reason) => reason,
        End::Crash(crash) => {
            log::error!(
                "view {} ({}) crashed in {}: {}",
                shell.name,
                shell.id,
                crash.callback,
                crash.error
            );
            shell.send(Frame::encode_raw(
                Some(&shell.join_ref),
                Some(&shell.join_ref),
                &shell.topic,
                "phx_error",
                r#"{"reason":"channel_crash"}"#,
            ));
            TerminateReason::Crash(crash.to_string())
        }
    };
    mv.terminate(&reason);
    if shell.subscribed {
        rt.shared.pubsub.unsubscribe_all(shell.subscriber);
    }
}

impl Shell<'_> {
    /// The mailbox loop; returns why the view ends.
    fn serve(&mut self, mv: &mut MountedView, rx: &Receiver<ViewInput>) -> End {
        let hibernate_after = self.rt.shared.config.hibernate_after;
        let mut last_activity = Instant::now();
        let mut hibernated = false;
        loop {
            if self.handle.stop_requested() {
                return self.shutdown();
            }
            let idle_deadline = (!hibernated).then(|| last_activity + hibernate_after);
            let deadline = match (self.timers.next_due(), idle_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let received = match deadline {
                Some(deadline) => rx.recv_deadline(deadline),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let step = match received {
                Ok(input) => match input {
                    ViewInput::Client(frame) => mv.handle_client(frame),
                    ViewInput::Info(message) => mv.handle_info(message),
                    ViewInput::Call(request, reply) => match mv.handle_call(request) {
                        Ok(answer) => {
                            let _ = reply.send(Ok(answer));
                            Ok(())
                        }
                        Err(crash) => {
                            let _ = reply.send(Err(crash.to_string()));
                            Err(crash)
                        }
                    },
                    ViewInput::TransportClosed => return End::Reason(TerminateReason::Closed),
                    ViewInput::Shutdown => return self.shutdown(),
                },
                Err(RecvTimeoutError::Timeout) => {
                    if self.timers.next_due().is_some_and(|due| due <= Instant::now()) {
                        if let Some(end) = self.fire_timers(mv) {
                            return end;
                        }
                        Ok(())
                    } else {
                        mv.hibernate();
                        self.timers.shrink();
                        hibernated = true;
                        continue;
                    }
                }
                // Every handle and subscriber is gone: nobody can reach this view anymore.
                Err(RecvTimeoutError::Disconnected) => return End::Reason(TerminateReason::Closed),
            };
            if let Err(crash) = step {
                return End::Crash(crash);
            }
            if let Some(end) = self.after_step(mv) {
                return end;
            }
            last_activity = Instant::now();
            hibernated = false;
        }
    }

    /// `Shutdown`: a child whose parent ended closes its channel itself; otherwise the
    /// channel layer (duplicate join, server stop) answers the client.
    fn shutdown(&mut self) -> End {
        if self.parent.as_ref().is_some_and(|p| !p.is_alive()) {
            self.send(Frame::encode_raw(
                Some(&self.join_ref),
                Some(&self.join_ref),
                &self.topic,
                "phx_close",
                "{}",
            ));
        }
        End::Reason(TerminateReason::Shutdown)
    }

    /// Fires every due timer, flushing after each so their diffs go out in order; `Some`
    /// when the view ends.
    fn fire_timers(&mut self, mv: &mut MountedView) -> Option<End> {
        let now = Instant::now();
        while let Some(timer) = self.timers.pop_due(now) {
            let step = match timer {
                TimerKind::Once(message) => mv.handle_info(message),
                TimerKind::Update { component, id, assigns } => {
                    mv.send_update(&component, &id, assigns)
                }
                // `pop_due` turns intervals into `Once` ticks.
                TimerKind::Interval { .. } => Ok(()),
            };
            if let Err(crash) = step {
                return Some(End::Crash(crash));
            }
            if let Some(end) = self.after_step(mv) {
                return Some(end);
            }
        }
        None
    }

    /// The parent's assigns, for `assign_new` in a child's mount; `None` (logged) when the
    /// parent does not answer in time.
    fn parent_assigns(&self, parent: &ViewHandle) -> Option<Map<String, Value>> {
        match parent.call(Message::new(AssignsRequest), PARENT_ASSIGNS_WAIT) {
            Ok(reply) => reply.downcast().ok(),
            Err(e) => {
                log::warn!(
                    "view {} ({}): parent assigns unavailable for assign_new: {e}",
                    self.name,
                    self.id
                );
                None
            }
        }
    }

    /// Writes the view's frames and carries out its commands; `Some` when the view ends.
    fn after_step(&mut self, mv: &mut MountedView) -> Option<End> {
        loop {
            let mut closed = false;
            for out in mv.drain_output() {
                let frame = out.encode(&self.topic, &self.join_ref);
                if self.transport.send(frame).is_err() {
                    closed = true;
                }
            }
            if closed {
                return Some(End::Reason(TerminateReason::Closed));
            }
            if let Some(reason) = mv.stopped() {
                return Some(End::Reason(reason.clone()));
            }
            if let Some(patch) = mv.take_parent_patch() {
                match &self.parent {
                    Some(parent) if parent.info(patch).is_ok() => {}
                    _ => log::warn!(
                        "view {} ({}): push_patch lost, its parent is gone or busy",
                        self.name,
                        self.id
                    ),
                }
            }
            let commands = mv.take_commands();
            if commands.is_empty() {
                return None;
            }
            for command in commands {
                if let Err(crash) = self.command(mv, command) {
                    return Some(End::Crash(crash));
                }
            }
        }
    }

    fn command(&mut self, mv: &mut MountedView, command: Command) -> Result<(), Crash> {
        match command {
            Command::SendAfter { message, delay } => {
                self.timers.add(delay, TimerKind::Once(message))
            }
            Command::SendInterval { make, period } => {
                // A zero period would spin; Erlang's timer refuses it too.
                let period = period.max(Duration::from_millis(1));
                self.timers.add(period, TimerKind::Interval { make, period });
            }
            Command::SendUpdate { component, id, assigns, delay } if delay.is_zero() => {
                mv.send_update(&component, &id, assigns)?;
            }
            Command::SendUpdate { component, id, assigns, delay } => {
                self.timers.add(delay, TimerKind::Update { component, id, assigns });
            }
            Command::Subscribe(topic) => {
                let subscriber = Subscriber::new(self.subscriber, self.handle.mailbox().clone());
                self.rt.shared.pubsub.subscribe(&topic, subscriber);
                self.subscribed = true;
            }
            Command::Unsubscribe(topic) => {
                self.rt.shared.pubsub.unsubscribe(&topic, self.subscriber)
            }
            Command::Broadcast { topic, event, payload } => {
                self.rt.shared.pubsub.broadcast(&topic, &event, payload);
            }
            Command::Async(task) => {
                let mailbox = self.handle.mailbox().clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("lv-async-{}", task.name))
                    .stack_size(crate::ASYNC_STACK_SIZE)
                    .spawn(move || {
                        let done = task.finish();
                        // The view may have ended meanwhile: then the result is dropped.
                        let _ = mailbox.send(ViewInput::Info(Message::new(done)));
                    });
                if let Err(e) = spawned {
                    log::error!("view {} ({}): async thread refused: {e}", self.name, self.id);
                }
            }
        }
        Ok(())
    }

    fn send(&self, frame: String) {
        // A closed transport is noticed by the channel layer, which sends TransportClosed.
        let _ = self.transport.send(frame);
    }
}
