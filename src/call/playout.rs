//! Speaking one prompt on a live call: its pieces (sentences, and the first sentence's opening clause) are
//! rendered in order on a blocking thread (cache hit or synthesis) and handed over one by one, so the first
//! piece plays while the rest render.

use crate::tts::sentences::speech_pieces;
use crate::tts::speaker::{RenderedPiece, Speaker};
use crate::tts::TtsError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// How many prompt renderers are running in this process (for leak checks).
pub fn running_renderers() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// The pieces of one prompt as they are rendered; dropping it stops the rendering.
#[derive(Debug)]
pub struct Rendering {
    pieces: mpsc::Receiver<Result<RenderedPiece, TtsError>>,
    cancelled: Arc<AtomicBool>,
}

impl Rendering {
    /// Starts rendering `text` with `speaker`.
    pub fn start(speaker: &Speaker, text: &str) -> Rendering {
        let pieces = speech_pieces(text);
        // One piece of look-ahead: rendering stays just ahead of playback.
        let (tx, rx) = mpsc::channel(1);
        let cancelled = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancelled);
        let speaker = speaker.clone();
        RUNNING.fetch_add(1, Ordering::SeqCst);
        tokio::task::spawn_blocking(move || {
            for piece in pieces {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let rendered = speaker.render(&piece.text).map(|samples| RenderedPiece {
                    pause_frames: piece.pause_frames,
                    samples,
                });
                let failed = rendered.is_err();
                if tx.blocking_send(rendered).is_err() || failed {
                    break;
                }
            }
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        });
        Rendering {
            pieces: rx,
            cancelled,
        }
    }

    /// The next rendered piece; `None` when all have been handed over.
    pub async fn next(&mut self) -> Option<Result<RenderedPiece, TtsError>> {
        self.pieces.recv().await
    }
}

impl Drop for Rendering {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}
