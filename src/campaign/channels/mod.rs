//! Sending texts: SMS through an HTTP gateway and e-mail through SMTP, from templates filled with debtor data.

pub mod email;
pub mod sms;
pub mod template;

pub use email::{send_email, EmailError};
pub use sms::{send_sms, SmsError};
pub use template::{render, TemplateError};
