//! The media pacer: one OS thread keeps every session's 20 ms grid (start + n × 20 ms, so nothing drifts)
//! and wakes each session at its own deadlines.
//!
//! The thread sleeps on the kernel's high-resolution timer and wakes within tens of microseconds of a
//! deadline, where tokio's timer wheel rounds every deadline up to the next millisecond. Each session keeps
//! the phase it started with, so 50 calls spread their work over the 20 ms instead of all waking at once.

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::audio::frame::FRAME_MS;

/// One due slot of a session's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Slots since the session's grid started (0 = its start).
    pub index: u64,
    /// The instant this slot was due.
    pub deadline: Instant,
}

/// The grid's period.
pub const PERIOD: Duration = Duration::from_millis(FRAME_MS as u64);

struct Grid {
    start: Instant,
    next_index: u64,
    tx: watch::Sender<Option<Tick>>,
}

impl Grid {
    fn due(&self, index: u64) -> Instant {
        self.start + PERIOD * index as u32
    }
}

#[derive(Default)]
struct Pacer {
    grids: Mutex<Vec<Grid>>,
    changed: Condvar,
}

static PACER: OnceLock<Arc<Pacer>> = OnceLock::new();

fn pacer() -> &'static Arc<Pacer> {
    PACER.get_or_init(|| {
        let pacer = Arc::new(Pacer::default());
        let worker = pacer.clone();
        let spawned = std::thread::Builder::new()
            .name("media-pacer".into())
            .spawn(move || run(&worker));
        if let Err(err) = spawned {
            tracing::error!("media pacer thread could not start: {err}");
        }
        pacer
    })
}

/// Starts a grid whose slot 0 is due at `start`; the receiver sees the latest due slot (a late reader
/// catches up by the difference in `index`). The grid ends when the receiver is dropped.
pub fn grid(start: Instant) -> watch::Receiver<Option<Tick>> {
    let (tx, rx) = watch::channel(None);
    let pacer = pacer();
    if let Ok(mut grids) = pacer.grids.lock() {
        grids.push(Grid {
            start,
            next_index: 0,
            tx,
        });
    }
    pacer.changed.notify_one();
    rx
}

fn run(pacer: &Pacer) {
    let Ok(mut grids) = pacer.grids.lock() else {
        return;
    };
    loop {
        grids.retain(|grid| !grid.tx.is_closed());
        let now = Instant::now();
        for grid in grids.iter_mut() {
            let due = grid.due(grid.next_index);
            if due <= now {
                // Skip straight to the latest due slot when this thread itself was late.
                let behind = (now.duration_since(due).as_nanos() / PERIOD.as_nanos()) as u64;
                let index = grid.next_index + behind;
                grid.tx.send_replace(Some(Tick {
                    index,
                    deadline: grid.due(index),
                }));
                grid.next_index = index + 1;
            }
        }
        let earliest = grids.iter().map(|grid| grid.due(grid.next_index)).min();
        grids = match earliest {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                match pacer.changed.wait_timeout(grids, wait) {
                    Ok((guard, _)) => guard,
                    Err(_) => return,
                }
            }
            None => match pacer.changed.wait(grids) {
                Ok(guard) => guard,
                Err(_) => return,
            },
        };
    }
}
