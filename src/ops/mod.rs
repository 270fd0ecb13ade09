//! Where one stage hands a call to the next: above `campaign`, `call` and `dialog`, so none of them needs the
//! others' types.
//!
//! - [`bridge`] — a dial ticket becomes the call's context; a call report becomes the outcome the store keeps.

pub mod bridge;
