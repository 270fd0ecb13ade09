//! Speaking one prompt on a live call: its sentences are rendered in order on a blocking thread (cache hit
//! or synthesis) and handed over one by one, so the first sentence plays while the rest render.

use crate::tts::sentences::split_sentences;
use crate::tts::speaker::Speaker;
use crate::tts::TtsError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// How many prompt renderers are running in this process (for leak checks).
pub fn running_renderers() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// The sentences of one prompt as they are rendered; dropping it stops the rendering.
#[derive(Debug)]
pub struct Rendering {
    sentences: mpsc::Receiver<Result<Vec<i16>, TtsError>>,
    cancelled: Arc<AtomicBool>,
}

impl Rendering {
    /// Starts rendering `text` with `speaker`.
    pub fn start(speaker: &Speaker, text: &str) -> Rendering {
        let sentences = split_sentences(text);
        // One sentence of look-ahead: rendering stays just ahead of playback.
        let (tx, rx) = mpsc::channel(1);
        let cancelled = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancelled);
        let speaker = speaker.clone();
        RUNNING.fetch_add(1, Ordering::SeqCst);
        tokio::task::spawn_blocking(move || {
            for sentence in sentences {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let rendered = speaker.render(&sentence);
                let failed = rendered.is_err();
                if tx.blocking_send(rendered).is_err() || failed {
                    break;
                }
            }
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        });
        Rendering {
            sentences: rx,
            cancelled,
        }
    }

    /// The next rendered sentence; `None` when all have been handed over.
    pub async fn next(&mut self) -> Option<Result<Vec<i16>, TtsError>> {
        self.sentences.recv().await
    }
}

impl Drop for Rendering {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}
