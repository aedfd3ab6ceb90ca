//! Per-connection limits: how many views one socket may join, how fast it may send, and how
//! long it may wait on a busy view. Transports enforce the byte-level limits (head, body,
//! frame sizes); these are the ones only the Phoenix socket can see.

use std::time::{Duration, Instant};

/// Limits of one client connection (one Phoenix socket), set with
/// [`AppBuilder::connection_limits`](crate::AppBuilder::connection_limits).
///
/// ```
/// use liveview_core::ConnectionLimits;
///
/// let limits = ConnectionLimits::default().with_events_per_second(20, 40);
/// assert_eq!(limits.max_views_per_connection, 100);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Most LiveViews joined at once on one socket (main view, children, sticky views).
    /// A join beyond it is refused with `{"reason":"too many views"}`. Default 100: a page
    /// with more nested `live_render`s than that is a bug or an attack.
    pub max_views_per_connection: usize,
    /// Sustained rate of client frames (events, patches, joins; heartbeats and leaves are
    /// free) one socket may send, per second. Default 1,000: a fast typist with `phx-change`
    /// and no debounce sends ~15, a hook pushing on every animation frame 60-120, so no
    /// browser gets near it, while one socket cannot keep a core busy with renders.
    /// Benchmarks that drive one socket as fast as possible must raise it.
    pub events_per_second: u32,
    /// Frames a socket may send at once above the sustained rate. Default 1,000.
    pub event_burst: u32,
    /// How long a client frame may wait for room in a busy view's mailbox before the
    /// connection is closed (the reader waits meanwhile, so TCP slows the client down).
    /// Default 5 s.
    pub mailbox_wait: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_views_per_connection: 100,
            events_per_second: 1_000,
            event_burst: 1_000,
            mailbox_wait: Duration::from_secs(5),
        }
    }
}

impl ConnectionLimits {
    /// Sets [`ConnectionLimits::max_views_per_connection`].
    pub fn with_max_views_per_connection(mut self, max: usize) -> Self {
        self.max_views_per_connection = max;
        self
    }

    /// Sets [`ConnectionLimits::events_per_second`] and [`ConnectionLimits::event_burst`].
    pub fn with_events_per_second(mut self, per_second: u32, burst: u32) -> Self {
        self.events_per_second = per_second;
        self.event_burst = burst;
        self
    }

    /// Sets [`ConnectionLimits::mailbox_wait`].
    pub fn with_mailbox_wait(mut self, wait: Duration) -> Self {
        self.mailbox_wait = wait;
        self
    }
}

/// A token bucket: `burst` tokens, refilled at `rate` per second; one frame takes one.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(rate: u32, burst: u32) -> TokenBucket {
        let burst = f64::from(burst.max(1));
        TokenBucket { rate: f64::from(rate), burst, tokens: burst, last: Instant::now() }
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 3);
        bucket.last = start;
        assert!((0..3).all(|_| bucket.take_at(start)));
        assert!(!bucket.take_at(start));
        // 10 per second: one token every 100 ms.
        assert!(!bucket.take_at(start + Duration::from_millis(50)));
        assert!(bucket.take_at(start + Duration::from_millis(110)));
        assert!(!bucket.take_at(start + Duration::from_millis(120)));
        // A long pause refills up to the burst, not beyond.
        let later = start + Duration::from_secs(60);
        assert!((0..3).all(|_| bucket.take_at(later)));
        assert!(!bucket.take_at(later));
    }

    #[test]
    fn zero_rate_means_burst_only() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(0, 2);
        bucket.last = start;
        assert!(bucket.take_at(start) && bucket.take_at(start));
        assert!(!bucket.take_at(start + Duration::from_secs(3600)));
    }
}
