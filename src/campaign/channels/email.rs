//! E-mail through SMTP (plain for a local relay, STARTTLS or TLS), with optional login.

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::campaign::strategy::EmailSettings;

/// Why an e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// A sender or recipient address that does not parse.
    #[error("bad e-mail address `{0}`: {1}")]
    Address(String, String),
    /// The message could not be built.
    #[error("cannot build the e-mail: {0}")]
    Build(String),
    /// The SMTP server could not be reached or refused the message.
    #[error("SMTP server {host}:{port} did not take the message: {message}")]
    Smtp {
        /// Server host.
        host: String,
        /// Server port.
        port: u16,
        /// The SMTP error.
        message: String,
    },
}

/// Sends one plain-text e-mail.
pub async fn send_email(
    settings: &EmailSettings,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), EmailError> {
    let from = settings
        .from
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            EmailError::Address(settings.from.clone(), e.to_string())
        })?;
    let to_addr = to.parse().map_err(|e: lettre::address::AddressError| {
        EmailError::Address(to.to_string(), e.to_string())
    })?;
    let message = Message::builder()
        .from(from)
        .to(to_addr)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| EmailError::Build(e.to_string()))?;
    let smtp_err = |e: lettre::transport::smtp::Error| EmailError::Smtp {
        host: settings.host.clone(),
        port: settings.port,
        message: e.to_string(),
    };
    let mut builder = match settings.security.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(smtp_err)?,
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            .map_err(smtp_err)?,
        _ => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
    }
    .port(settings.port)
    .timeout(Some(std::time::Duration::from_secs(15)));
    if let (Some(user), Some(pass)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    builder.build().send(message).await.map_err(smtp_err)?;
    Ok(())
}
