//! The injectable clock that moves the mock's jobs along.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The time source of a [`MockApi`](super::MockApi).
///
/// `now` is the time elapsed since the mock (or the clock) started. The mock
/// never sleeps and runs no background task: every request reads the clock and
/// derives each job's state from it, so a clock that does not move freezes
/// every job where it is.
pub trait Clock: Send + Sync + 'static {
    /// Time elapsed since the clock's origin. Must never go backwards.
    fn now(&self) -> Duration;
}

/// A clock that moves only when told to: [`ManualClock::advance`].
///
/// Clones share one time (an `Arc` inside), so a test can keep a handle to the
/// clock it gave the mock and advance it from outside.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock (and every clone of it) forward by `by`. Saturates
    /// instead of overflowing.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Real (monotonic) time since the clock was created.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub(crate) fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

impl<C: Clock> Clock for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_time() {
        let clock = ManualClock::new();
        let other = clock.clone();
        assert_eq!(clock.now(), Duration::ZERO);
        other.advance(Duration::from_secs(3));
        assert_eq!(clock.now(), Duration::from_secs(3));
        clock.advance(Duration::MAX);
        assert_eq!(other.now(), Duration::MAX);
    }

    #[test]
    fn system_clock_moves_forward() {
        let clock = SystemClock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
    }
}
