//! The wall clock guests see. Normally the system clock; under `--test-clock` it can be moved
//! forward by tests (through a host-only endpoint), so SLA deadlines can be tested without
//! sleeping. Guests see only the standard `wasi:clocks/wall-clock`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasmtime_wasi::HostWallClock;

/// A wall clock with an adjustable offset from system time, shared by every request.
#[derive(Clone, Default)]
pub struct Clock {
    offset_nanos: Arc<AtomicI64>,
}

impl Clock {
    /// Seconds since the Unix epoch as guests see them.
    pub fn now(&self) -> Duration {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let offset = self.offset_nanos.load(Ordering::Relaxed);
        let nanos = (system.as_nanos() as i128 + offset as i128).max(0);
        Duration::from_nanos(nanos as u64)
    }

    /// Moves the clock forward (or back) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset_nanos
            .fetch_add(seconds.saturating_mul(1_000_000_000), Ordering::Relaxed);
    }

    /// Sets the clock so that it reads `unix_seconds` now.
    pub fn set(&self, unix_seconds: i64) {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as i64;
        self.offset_nanos.store(
            unix_seconds.saturating_mul(1_000_000_000) - system,
            Ordering::Relaxed,
        );
    }
}

impl HostWallClock for Clock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        Clock::now(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_the_clock_by_that_much() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(86_400);
        let moved = clock.now() - before;
        assert!(moved >= Duration::from_secs(86_400) && moved < Duration::from_secs(86_500));
    }

    #[test]
    fn setting_pins_the_reading() {
        let clock = Clock::default();
        clock.set(1_000_000_000);
        let reading = clock.now().as_secs();
        assert!((1_000_000_000..1_000_000_100).contains(&reading));
    }
}
