//! QA replay of recorded audio.
