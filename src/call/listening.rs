//! The listener of a live call on a thread of its own (its VAD is not `Send`): received frames in, what
//! was heard out, in order. No frame is dropped: the queue is unbounded and the thread drains it on finish.
//! When the call runs answering-machine detection, the thread also feeds each frame and its VAD verdict to
//! the [`AmdDetector`] until it has nothing more to report.

use super::speech::Hearing;
use crate::asr::listener::{ListenEvent, ListenStats, Listener};
use crate::asr::AsrError;
use crate::audio::amd::{AmdDecision, AmdDetector};
use crate::audio::frame::Frame;
use crate::audio::gate::FrameLevel;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// How many listener threads are running in this process (for leak checks).
pub fn running_listeners() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// What the listener made of the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// The VAD decision for frame number `index` (0 = the first frame pushed).
    Frame {
        /// Frame number.
        index: u64,
        /// Whether it holds speech.
        voiced: bool,
        /// Its energy and spectral flatness (for the barge-in noise gate).
        level: FrameLevel,
    },
    /// Text recognised so far in the current utterance.
    Partial(String),
    /// A finished utterance (times in stream seconds).
    Utterance {
        /// Recognised text.
        text: String,
        /// Mean word confidence.
        confidence: f64,
        /// Stream time of its first voiced frame.
        start: f64,
        /// Stream time of the end of its last voiced frame.
        end: f64,
        /// Stream time at which the endpointer closed it (the end of the frame that decided).
        closed: f64,
    },
    /// The answering-machine detector decided (or reported a beep or the greeting's end) at the end of frame
    /// number `index`.
    Amd {
        /// Frame number.
        index: u64,
        /// What it reported.
        decision: AmdDecision,
    },
    /// A grammar could not be applied; recognition goes on with the previous one.
    GrammarRejected(String),
}

enum Command {
    Frame(Box<Frame>),
    Grammar(Option<Vec<String>>),
}

/// A running listener thread.
pub struct ListeningThread {
    commands: Option<std_mpsc::Sender<Command>>,
    heard: mpsc::UnboundedReceiver<Heard>,
    thread: Option<JoinHandle<ListenStats>>,
}

impl std::fmt::Debug for ListeningThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListeningThread").finish_non_exhaustive()
    }
}

impl ListeningThread {
    /// Starts a listener on `hearing`'s model, with `amd` fed every frame when given; fails when the
    /// recogniser cannot be made.
    pub fn spawn(hearing: &Hearing, amd: Option<AmdDetector>) -> Result<ListeningThread, AsrError> {
        let (commands, command_rx) = std_mpsc::channel::<Command>();
        let (heard_tx, heard) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), AsrError>>();
        let hearing = hearing.clone();
        RUNNING.fetch_add(1, Ordering::SeqCst);
        let thread = std::thread::Builder::new()
            .name("listener".into())
            .spawn(move || {
                let stats = listen(&hearing, amd, &command_rx, &heard_tx, &ready_tx);
                RUNNING.fetch_sub(1, Ordering::SeqCst);
                stats
            });
        let thread = match thread {
            Ok(t) => t,
            Err(e) => {
                RUNNING.fetch_sub(1, Ordering::SeqCst);
                return Err(AsrError::Recognizer(format!(
                    "cannot start a listener thread: {e}"
                )));
            }
        };
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(AsrError::Recognizer("the listener thread stopped".into()));
            }
        }
        Ok(ListeningThread {
            commands: Some(commands),
            heard,
            thread: Some(thread),
        })
    }

    /// Queues one received frame.
    pub fn push(&self, frame: &Frame) {
        if let Some(c) = &self.commands {
            let _ = c.send(Command::Frame(Box::new(*frame)));
        }
    }

    /// Switches the phrase grammar (`None`: free speech).
    pub fn set_grammar(&self, grammar: Option<Vec<String>>) {
        if let Some(c) = &self.commands {
            let _ = c.send(Command::Grammar(grammar));
        }
    }

    /// The next thing heard; `None` once the thread has finished.
    pub async fn next(&mut self) -> Option<Heard> {
        self.heard.recv().await
    }

    /// Ends the stream (an utterance in progress is finished) and waits for the thread; returns what is
    /// still to be read and the listener's counters.
    pub async fn finish(mut self) -> (Vec<Heard>, ListenStats) {
        self.commands = None;
        let mut rest = Vec::new();
        while let Some(h) = self.heard.recv().await {
            rest.push(h);
        }
        let stats = match self.thread.take() {
            Some(t) => tokio::task::spawn_blocking(move || t.join().unwrap_or_default())
                .await
                .unwrap_or_default(),
            None => ListenStats::default(),
        };
        (rest, stats)
    }
}

impl Drop for ListeningThread {
    fn drop(&mut self) {
        // Dropping the sender ends the thread once it has drained its queue; it is not joined here.
        self.commands = None;
    }
}

fn listen(
    hearing: &Hearing,
    mut amd: Option<AmdDetector>,
    commands: &std_mpsc::Receiver<Command>,
    heard: &mpsc::UnboundedSender<Heard>,
    ready: &std_mpsc::Sender<Result<(), AsrError>>,
) -> ListenStats {
    let mut listener = match Listener::new(
        &hearing.model,
        None,
        hearing.listen.vad,
        hearing.listen.endpoint,
    ) {
        Ok(l) => {
            let _ = ready.send(Ok(()));
            l
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return ListenStats::default();
        }
    };
    let mut index = 0u64;
    while let Ok(command) = commands.recv() {
        match command {
            Command::Frame(frame) => {
                let (voiced, events) = listener.push_frame(&frame);
                let level = FrameLevel::of(&frame);
                let _ = heard.send(Heard::Frame {
                    index,
                    voiced,
                    level,
                });
                if let Some(detector) = amd.as_mut() {
                    if let Some(decision) = detector.push(&frame, voiced) {
                        let _ = heard.send(Heard::Amd { index, decision });
                    }
                    if detector.is_done() {
                        amd = None;
                    }
                }
                index += 1;
                send_events(heard, events, index);
            }
            Command::Grammar(grammar) => {
                if let Err(e) = listener.set_grammar(grammar.as_deref()) {
                    let _ = heard.send(Heard::GrammarRejected(e.to_string()));
                }
            }
        }
    }
    send_events(heard, listener.finish(), index);
    listener.stats()
}

/// Sends what the listener reported after `frames` frames had been pushed.
fn send_events(heard: &mpsc::UnboundedSender<Heard>, events: Vec<ListenEvent>, frames: u64) {
    let closed = frames as f64 * f64::from(crate::audio::frame::FRAME_MS) / 1000.0;
    for event in events {
        let h = match event {
            ListenEvent::SpeechStarted { .. } => continue,
            ListenEvent::Partial(text) => Heard::Partial(text),
            ListenEvent::Utterance(u) => Heard::Utterance {
                text: u.text,
                confidence: u.confidence,
                start: u.start,
                end: u.end,
                closed,
            },
        };
        let _ = heard.send(h);
    }
}
