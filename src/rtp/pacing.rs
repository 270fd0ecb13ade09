//! Send-time pacing figures: how far each packet left after its slot on the 20 ms grid, kept as a
//! fixed-size histogram (10 µs buckets up to 2 ms, 1 ms buckets up to 100 ms) so long calls cost nothing.

use std::time::Duration;

const FINE_BUCKETS: usize = 200;
const FINE_WIDTH_US: u64 = 10;
const COARSE_BUCKETS: usize = 99;
const COARSE_START_US: u64 = FINE_BUCKETS as u64 * FINE_WIDTH_US;
const COARSE_WIDTH_US: u64 = 1000;

/// Distribution of send-time deviations from the 20 ms grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacingHistogram {
    fine: Vec<u64>,
    coarse: Vec<u64>,
    overflow: u64,
    count: u64,
    max_us: u64,
}

impl Default for PacingHistogram {
    fn default() -> Self {
        PacingHistogram {
            fine: vec![0; FINE_BUCKETS],
            coarse: vec![0; COARSE_BUCKETS],
            overflow: 0,
            count: 0,
            max_us: 0,
        }
    }
}

impl PacingHistogram {
    /// An empty histogram.
    pub fn new() -> PacingHistogram {
        PacingHistogram::default()
    }

    /// Records one packet that left `deviation` after its slot.
    pub fn record(&mut self, deviation: Duration) {
        let us = deviation.as_micros().min(u64::MAX as u128) as u64;
        self.count += 1;
        self.max_us = self.max_us.max(us);
        if us < COARSE_START_US {
            self.fine[(us / FINE_WIDTH_US) as usize] += 1;
        } else {
            let index = ((us - COARSE_START_US) / COARSE_WIDTH_US) as usize;
            match self.coarse.get_mut(index) {
                Some(bucket) => *bucket += 1,
                None => self.overflow += 1,
            }
        }
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &PacingHistogram) {
        for (a, b) in self.fine.iter_mut().zip(&other.fine) {
            *a += b;
        }
        for (a, b) in self.coarse.iter_mut().zip(&other.coarse) {
            *a += b;
        }
        self.overflow += other.overflow;
        self.count += other.count;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Packets recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest deviation recorded.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_us)
    }

    /// The deviation below which a fraction `q` (0..=1) of packets fall, to the upper edge of its bucket
    /// (never above the maximum seen).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.fine.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let edge = (i as u64 + 1) * FINE_WIDTH_US;
                return Duration::from_micros(edge.min(self.max_us));
            }
        }
        for (i, n) in self.coarse.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let edge = COARSE_START_US + (i as u64 + 1) * COARSE_WIDTH_US;
                return Duration::from_micros(edge.min(self.max_us));
            }
        }
        self.max()
    }
}
