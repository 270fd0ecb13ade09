//! Offline speech recognition with Vosk.
