//! A view's timers (`send_after`, `send_interval`, `send_update_after`). They live on the
//! view's own thread, so they end with the view without any cancellation protocol.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::view::{Message, Params};

/// What a timer does when it fires.
pub(crate) enum TimerKind {
    /// `handle_info(message)` once.
    Once(Message),
    /// `handle_info(make())` every `period`.
    Interval { make: fn() -> Message, period: Duration },
    /// `send_update` to a component.
    Update { component: String, id: String, assigns: Params },
}

struct Timer {
    due: Instant,
    /// Insertion order: timers due at the same instant fire in the order they were set.
    seq: u64,
    kind: TimerKind,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.due == other.due && self.seq == other.seq
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    // Reversed: `BinaryHeap` is a max-heap and the earliest timer must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.due.cmp(&self.due).then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The pending timers of one view.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Timer>,
    seq: u64,
}

impl Timers {
    pub(crate) fn add(&mut self, delay: Duration, kind: TimerKind) {
        self.seq += 1;
        let due = Instant::now() + delay;
        self.heap.push(Timer { due, seq: self.seq, kind });
    }

    /// When the next timer is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|t| t.due)
    }

    /// Takes the next timer if it is due at `now`; intervals are re-armed.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerKind> {
        if self.heap.peek()?.due > now {
            return None;
        }
        let timer = self.heap.pop()?;
        match timer.kind {
            TimerKind::Interval { make, period } => {
                self.seq += 1;
                // From the previous due time, so an interval does not drift; but never in
                // the past, so a stalled view does not fire a burst of catch-up ticks.
                let due = (timer.due + period).max(now);
                self.heap.push(Timer {
                    due,
                    seq: self.seq,
                    kind: TimerKind::Interval { make, period },
                });
                Some(TimerKind::Once(make()))
            }
            kind => Some(kind),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    pub(crate) fn shrink(&mut self) {
        self.heap.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_intervals_rearm() {
        let mut timers = Timers::default();
        timers.add(Duration::from_secs(60), TimerKind::Once(Message::new(2u8)));
        timers.add(Duration::ZERO, TimerKind::Once(Message::new(1u8)));
        timers.add(
            Duration::ZERO,
            TimerKind::Interval { make: || Message::new(3u8), period: Duration::from_secs(30) },
        );
        let now = Instant::now();
        let Some(TimerKind::Once(m)) = timers.pop_due(now) else { panic!("first timer") };
        assert_eq!(m.downcast_ref::<u8>(), Some(&1));
        let Some(TimerKind::Once(m)) = timers.pop_due(now) else { panic!("interval tick") };
        assert_eq!(m.downcast_ref::<u8>(), Some(&3));
        assert!(timers.pop_due(now).is_none());
        assert_eq!(timers.len(), 2);
    }
}
