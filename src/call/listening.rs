//! The listener of a live call on two threads of its own: received frames in, what was heard out.
//!
//! - The voice thread (its VAD is not `Send`) keeps pace with the line: VAD, endpointer and, when the call
//!   runs answering-machine detection, the [`AmdDetector`]; each frame's verdict goes out at once, so
//!   barge-in and the machine decision never wait for recognition.
//! - The recogniser thread takes the endpointer's gated audio in order and reports partial texts and
//!   finished utterances; it may fall behind the line while decoding and catches up in the silences.
//!
//! No frame is dropped: the queues are unbounded and both threads drain them on finish.

use super::speech::Hearing;
use crate::asr::listener::{ListenEvent, ListenStats};
use crate::asr::transcriber::Transcriber;
use crate::asr::AsrError;
use crate::audio::amd::{AmdDecision, AmdDetector};
use crate::audio::endpoint::{EndpointEvent, Endpointer};
use crate::audio::frame::{Frame, FRAME_MS};
use crate::audio::gate::FrameLevel;
use crate::audio::vad::VoiceDetector;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// How many listener threads (voice and recogniser) are running in this process (for leak checks).
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

/// What the voice thread hands the recogniser thread, in stream order.
enum Gated {
    /// The endpointer's events for the frame that started at `frame_start_ms`; `frames` had been pushed
    /// when it reported them.
    Events {
        events: Vec<EndpointEvent>,
        frame_start_ms: u64,
        frames: u64,
    },
    Grammar(Option<Vec<String>>),
}

/// A running listener thread.
pub struct ListeningThread {
    commands: Option<std_mpsc::Sender<Command>>,
    heard: mpsc::UnboundedReceiver<Heard>,
    voice: Option<JoinHandle<u64>>,
    recogniser: Option<JoinHandle<ListenStats>>,
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
        let (gated_tx, gated_rx) = std_mpsc::channel::<Gated>();
        let (heard_tx, heard) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), AsrError>>();
        let recogniser = {
            let (hearing, heard_tx) = (hearing.clone(), heard_tx.clone());
            spawn_counted("recogniser", move || {
                recognise(&hearing, &gated_rx, &heard_tx, &ready_tx)
            })?
        };
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = recogniser.join();
                return Err(e);
            }
            Err(_) => {
                let _ = recogniser.join();
                return Err(AsrError::Recognizer("the recogniser thread stopped".into()));
            }
        }
        let voice = {
            let hearing = hearing.clone();
            spawn_counted("listener", move || {
                listen(&hearing, amd, &command_rx, &heard_tx, &gated_tx)
            })
        };
        let voice = match voice {
            Ok(v) => v,
            Err(e) => {
                // The recogniser thread ends once its queue's sender (owned by the failed closure) is gone.
                let _ = recogniser.join();
                return Err(e);
            }
        };
        Ok(ListeningThread {
            commands: Some(commands),
            heard,
            voice: Some(voice),
            recogniser: Some(recogniser),
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

    /// Ends the stream (an utterance in progress is finished) and waits for the threads; returns what is
    /// still to be read and the listener's counters.
    pub async fn finish(mut self) -> (Vec<Heard>, ListenStats) {
        self.commands = None;
        let mut rest = Vec::new();
        while let Some(h) = self.heard.recv().await {
            rest.push(h);
        }
        let (voice, recogniser) = (self.voice.take(), self.recogniser.take());
        let stats = tokio::task::spawn_blocking(move || {
            let frames_in = voice.and_then(|t| t.join().ok()).unwrap_or_default();
            let recognised = recogniser.and_then(|t| t.join().ok()).unwrap_or_default();
            ListenStats {
                frames_in,
                ..recognised
            }
        })
        .await
        .unwrap_or_default();
        (rest, stats)
    }
}

impl Drop for ListeningThread {
    fn drop(&mut self) {
        // Dropping the sender ends both threads once they have drained their queues; they are not joined here.
        self.commands = None;
    }
}

/// Starts a named thread counted in [`running_listeners`].
fn spawn_counted<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>, AsrError> {
    RUNNING.fetch_add(1, Ordering::SeqCst);
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let out = work();
            RUNNING.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .map_err(|e| {
            RUNNING.fetch_sub(1, Ordering::SeqCst);
            AsrError::Recognizer(format!("cannot start a {name} thread: {e}"))
        })
}

/// The voice thread: VAD, endpointer and AMD per frame, verdicts out at once, gated audio to the recogniser.
/// Returns the number of frames pushed.
fn listen(
    hearing: &Hearing,
    mut amd: Option<AmdDetector>,
    commands: &std_mpsc::Receiver<Command>,
    heard: &mpsc::UnboundedSender<Heard>,
    gated: &std_mpsc::Sender<Gated>,
) -> u64 {
    let mut vad = VoiceDetector::new(hearing.listen.vad);
    let mut endpointer = Endpointer::new(hearing.listen.endpoint, hearing.listen.vad.hangover_ms());
    let mut index = 0u64;
    while let Ok(command) = commands.recv() {
        match command {
            Command::Frame(frame) => {
                let voiced = vad.is_voiced(&frame);
                let frame_start_ms = endpointer.now_ms();
                let events = endpointer.push(&frame, voiced);
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
                if !events.is_empty() {
                    let _ = gated.send(Gated::Events {
                        events,
                        frame_start_ms,
                        frames: index,
                    });
                }
            }
            Command::Grammar(grammar) => {
                let _ = gated.send(Gated::Grammar(grammar));
            }
        }
    }
    let events = endpointer.finish();
    if !events.is_empty() {
        let _ = gated.send(Gated::Events {
            events,
            frame_start_ms: endpointer.now_ms(),
            frames: index,
        });
    }
    index
}

/// The recogniser thread: the gated audio in stream order, partial texts and utterances out.
fn recognise(
    hearing: &Hearing,
    gated: &std_mpsc::Receiver<Gated>,
    heard: &mpsc::UnboundedSender<Heard>,
    ready: &std_mpsc::Sender<Result<(), AsrError>>,
) -> ListenStats {
    let mut transcriber = match Transcriber::new(&hearing.model, None) {
        Ok(t) => {
            let _ = ready.send(Ok(()));
            t
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return ListenStats::default();
        }
    };
    while let Ok(item) = gated.recv() {
        match item {
            Gated::Events {
                events,
                frame_start_ms,
                frames,
            } => send_events(heard, transcriber.handle(events, frame_start_ms), frames),
            Gated::Grammar(grammar) => {
                if let Err(e) = transcriber.set_grammar(grammar.as_deref()) {
                    let _ = heard.send(Heard::GrammarRejected(e.to_string()));
                }
            }
        }
    }
    transcriber.stats()
}

/// Sends what the listener reported after `frames` frames had been pushed.
fn send_events(heard: &mpsc::UnboundedSender<Heard>, events: Vec<ListenEvent>, frames: u64) {
    let closed = frames as f64 * f64::from(FRAME_MS) / 1000.0;
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
