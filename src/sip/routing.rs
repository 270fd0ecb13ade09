//! Routes the endpoint's events: each call's events to that call's own receiver, everything else
//! (registration, events of calls nobody listens to) to one general channel.
//!
//! The driver opens a route when a call starts (`place_call`, later an incoming INVITE) and the route
//! closes after the call's `Ended` event, so a call conductor only ever sees its own call.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::endpoint::{CallEvent, CallHandle, Event, IncomingCall, RegistrationEvent};

/// An event on the driver's general channel: one not tied to a call with its own receiver.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    /// Registration state changed.
    Registration(RegistrationEvent),
    /// An event of a call that has no receiver (never opened, or its [`CallEvents`] was dropped).
    Unrouted(CallHandle, CallEvent),
    /// A peer's INVITE offers a call; its events wait for `SipHandle::take_call_events`.
    Incoming(IncomingCall),
}

/// The events of one call, in order; `recv` returns `None` after [`CallEvent::Ended`].
#[derive(Debug)]
pub struct CallEvents {
    handle: CallHandle,
    rx: mpsc::UnboundedReceiver<CallEvent>,
}

impl CallEvents {
    /// The call these events belong to.
    pub fn handle(&self) -> CallHandle {
        self.handle
    }

    /// The next event of the call; `None` once the call has ended and every event was read.
    pub async fn recv(&mut self) -> Option<CallEvent> {
        self.rx.recv().await
    }

    /// The next event if one is waiting, without blocking.
    pub fn try_recv(&mut self) -> Option<CallEvent> {
        self.rx.try_recv().ok()
    }
}

/// The registry of open routes keyed by call handle, plus the general channel.
#[derive(Debug)]
pub struct EventRouter {
    calls: HashMap<CallHandle, mpsc::UnboundedSender<CallEvent>>,
    general: mpsc::UnboundedSender<DriverEvent>,
}

impl EventRouter {
    /// A router with no call routes; the receiver gets what no call claims.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<DriverEvent>) {
        let (general, rx) = mpsc::unbounded_channel();
        (
            EventRouter {
                calls: HashMap::new(),
                general,
            },
            rx,
        )
    }

    /// Opens the route of `handle` and returns its receiver (a second open replaces the first).
    pub fn open(&mut self, handle: CallHandle) -> CallEvents {
        let (tx, rx) = mpsc::unbounded_channel();
        self.calls.insert(handle, tx);
        CallEvents { handle, rx }
    }

    /// Calls with an open route.
    pub fn open_routes(&self) -> usize {
        self.calls.len()
    }

    /// Delivers one endpoint event; a call's route closes after its `Ended` event.
    pub fn route(&mut self, event: Event) {
        let unrouted = match event {
            Event::Registration(r) => DriverEvent::Registration(r),
            Event::Incoming(call) => DriverEvent::Incoming(call),
            Event::Call(handle, ev) => {
                let ended = matches!(ev, CallEvent::Ended(_));
                let undelivered = match self.calls.get(&handle) {
                    Some(tx) => tx.send(ev).err().map(|e| e.0),
                    None => Some(ev),
                };
                if ended || undelivered.is_some() {
                    // Ended, or its receiver is gone: nothing more goes to this route.
                    self.calls.remove(&handle);
                }
                match undelivered {
                    Some(ev) => DriverEvent::Unrouted(handle, ev),
                    None => return,
                }
            }
        };
        if self.general.send(unrouted).is_err() {
            tracing::debug!("SIP event dropped: nobody reads the general event channel");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::endpoint::{CallEnd, EndedBy};

    fn ended() -> CallEvent {
        CallEvent::Ended(CallEnd::after_answer("bye", EndedBy::Remote))
    }

    #[tokio::test]
    async fn each_call_gets_only_its_own_events_in_order() {
        let (mut router, mut general) = EventRouter::new();
        let mut a = router.open(CallHandle(1));
        let mut b = router.open(CallHandle(2));
        router.route(Event::Call(
            CallHandle(1),
            CallEvent::Progress { status: 180 },
        ));
        router.route(Event::Call(
            CallHandle(2),
            CallEvent::Progress { status: 183 },
        ));
        router.route(Event::Registration(RegistrationEvent::Unregistered));
        router.route(Event::Call(CallHandle(1), ended()));
        assert_eq!(a.recv().await, Some(CallEvent::Progress { status: 180 }));
        assert_eq!(a.recv().await, Some(ended()));
        assert_eq!(a.recv().await, None, "the route closes after Ended");
        assert_eq!(b.try_recv(), Some(CallEvent::Progress { status: 183 }));
        assert_eq!(b.try_recv(), None);
        assert_eq!(
            general.try_recv().ok(),
            Some(DriverEvent::Registration(RegistrationEvent::Unregistered))
        );
        assert!(general.try_recv().is_err());
        assert_eq!(router.open_routes(), 1);
    }

    #[tokio::test]
    async fn events_nobody_listens_to_go_to_the_general_channel() {
        let (mut router, mut general) = EventRouter::new();
        let dropped = router.open(CallHandle(7));
        drop(dropped);
        router.route(Event::Call(
            CallHandle(7),
            CallEvent::Progress { status: 180 },
        ));
        router.route(Event::Call(CallHandle(9), ended()));
        assert_eq!(
            general.try_recv().ok(),
            Some(DriverEvent::Unrouted(
                CallHandle(7),
                CallEvent::Progress { status: 180 }
            ))
        );
        assert_eq!(
            general.try_recv().ok(),
            Some(DriverEvent::Unrouted(CallHandle(9), ended()))
        );
        assert_eq!(router.open_routes(), 0);
    }
}
