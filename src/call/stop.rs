//! Stopping calls from outside: a campaign's first Ctrl-C asks its calls to end politely, the second at once.

use std::sync::Arc;

use tokio::sync::watch;

/// How far a stop has gone; it only ever rises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopLevel {
    /// Carry on.
    Run,
    /// No new dials; calls finish the prompt playing, say goodbye and hang up.
    Politely,
    /// Calls hang up now (their outcomes are still stored).
    AtOnce,
}

/// The side that asks to stop.
#[derive(Debug, Clone)]
pub struct StopSwitch(Arc<watch::Sender<StopLevel>>);

impl Default for StopSwitch {
    fn default() -> Self {
        Self::new()
    }
}

impl StopSwitch {
    /// A switch at [`StopLevel::Run`].
    pub fn new() -> Self {
        StopSwitch(Arc::new(watch::Sender::new(StopLevel::Run)))
    }

    /// Raises the level to `level` (a lower level than the current one is ignored).
    pub fn raise(&self, level: StopLevel) {
        self.0.send_if_modified(|current| {
            let higher = level > *current;
            if higher {
                *current = level;
            }
            higher
        });
    }

    /// Raises the level one step: the first press stops politely, the second at once.
    pub fn escalate(&self) -> StopLevel {
        let next = match self.level() {
            StopLevel::Run => StopLevel::Politely,
            StopLevel::Politely | StopLevel::AtOnce => StopLevel::AtOnce,
        };
        self.raise(next);
        next
    }

    /// The current level.
    pub fn level(&self) -> StopLevel {
        *self.0.borrow()
    }

    /// A watch for calls to follow.
    pub fn watch(&self) -> StopWatch {
        StopWatch(Some(self.0.subscribe()))
    }
}

/// The side a call listens on.
#[derive(Debug, Clone, Default)]
pub struct StopWatch(Option<watch::Receiver<StopLevel>>);

impl StopWatch {
    /// A watch that never stops (a single call from the command line).
    pub fn never() -> Self {
        StopWatch(None)
    }

    /// The current level.
    pub fn level(&self) -> StopLevel {
        self.0.as_ref().map_or(StopLevel::Run, |r| *r.borrow())
    }

    /// Waits until the level rises and returns it; never returns for [`StopWatch::never`] or a dropped switch.
    pub async fn raised(&mut self) -> StopLevel {
        match self.0.as_mut() {
            Some(r) => match r.changed().await {
                Ok(()) => *r.borrow_and_update(),
                Err(_) => {
                    self.0 = None;
                    std::future::pending().await
                }
            },
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_level_only_rises_and_each_rise_is_seen_once() {
        let switch = StopSwitch::new();
        let mut watch = switch.watch();
        assert_eq!(watch.level(), StopLevel::Run);
        assert_eq!(switch.escalate(), StopLevel::Politely);
        assert_eq!(watch.raised().await, StopLevel::Politely);
        switch.raise(StopLevel::Run);
        assert_eq!(switch.level(), StopLevel::Politely);
        assert_eq!(switch.escalate(), StopLevel::AtOnce);
        assert_eq!(watch.raised().await, StopLevel::AtOnce);
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(50), watch.raised()).await;
        assert!(waited.is_err(), "no further rise was sent");
    }

    #[tokio::test]
    async fn a_watch_that_never_stops_stays_at_run() {
        let mut watch = StopWatch::never();
        assert_eq!(watch.level(), StopLevel::Run);
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(20), watch.raised()).await;
        assert!(waited.is_err());
    }
}
