//! Speech synthesis with Piper.
