//! The one notion of time in a call: a monotonic `Instant` everywhere, mapped to wall-clock time once.

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// Length of one audio frame on the line.
pub const FRAME: Duration = Duration::from_millis(20);

/// Anchors a call's monotonic time to the wall clock at one moment (the start of the call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallClock {
    /// The monotonic moment the anchor was taken.
    pub origin: Instant,
    /// The wall-clock time at `origin`.
    pub wall_at_origin: DateTime<Utc>,
}

impl CallClock {
    /// A clock anchored at `origin`, which was `wall` on the wall clock.
    pub fn new(origin: Instant, wall: DateTime<Utc>) -> Self {
        Self {
            origin,
            wall_at_origin: wall,
        }
    }

    /// The wall-clock time of `now` (earlier moments map to the anchor).
    pub fn wall(&self, now: Instant) -> DateTime<Utc> {
        let since = now.saturating_duration_since(self.origin);
        self.wall_at_origin + chrono::Duration::from_std(since).unwrap_or(chrono::Duration::zero())
    }

    /// Milliseconds from the anchor to `now` (0 for earlier moments); the timeline's unit.
    pub fn millis(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.origin).as_millis()).unwrap_or(u64::MAX)
    }
}

/// Maps the listener's stream seconds to call time: stream second 0 is the first frame after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamClock {
    /// The moment the first received frame after the answer starts.
    pub answered_at: Instant,
}

impl StreamClock {
    /// The moment of stream time `secs` (negative or NaN times map to the answer).
    pub fn at(&self, secs: f64) -> Instant {
        if secs.is_finite() && secs > 0.0 {
            self.answered_at + Duration::from_secs_f64(secs.min(86_400.0))
        } else {
            self.answered_at
        }
    }

    /// The moment frame number `index` (0-based, 20 ms each) starts.
    pub fn frame(&self, index: u64) -> Instant {
        self.answered_at + FRAME * u32::try_from(index).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wall_time_follows_the_monotonic_clock() {
        let origin = Instant::now();
        let wall = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        let clock = CallClock::new(origin, wall);
        assert_eq!(
            clock.wall(origin + Duration::from_secs(90)),
            wall + chrono::Duration::seconds(90)
        );
        assert_eq!(clock.millis(origin + Duration::from_millis(1500)), 1500);
        let stream = StreamClock {
            answered_at: origin,
        };
        assert_eq!(stream.at(1.5), origin + Duration::from_millis(1500));
        assert_eq!(stream.at(f64::NAN), origin);
        assert_eq!(stream.frame(50), origin + Duration::from_secs(1));
    }
}
