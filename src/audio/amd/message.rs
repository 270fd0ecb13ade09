//! What a campaign does when a machine answers: hang up, or leave a limited-content message after the beep.
//!
//! The message may be heard by anyone with access to the mailbox, so it follows the third-party rule: it
//! names the creditor and gives its official phone (no anonymity), and says nothing about a debt — no
//! amount, date, days overdue, contract or the debtor's name. A template may use only `{creditor}` and
//! `{creditor_phone}` (both required); its own text may hold no digits and no debt words.

use serde::{Deserialize, Serialize};

/// What to do when a machine answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMachine {
    /// End the call; the outcome is `voicemail`.
    #[default]
    HangUp,
    /// Wait for the beep (or the greeting's end) and leave the campaign's message.
    LeaveMessage,
}

/// A campaign profile's answering-machine policy (`on_machine`, `message`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MachinePolicy {
    /// Hang up or leave a message.
    pub on_machine: OnMachine,
    /// The message template, required for `leave_message`: `{creditor}` and `{creditor_phone}` only.
    pub message: Option<String>,
}

/// The creditor as the campaign settings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    /// The creditor's name as said on the phone.
    pub name: String,
    /// The creditor's official phone.
    pub phone: String,
}

/// Placeholders a voicemail message may use.
pub const MESSAGE_VARIABLES: [&str; 2] = ["creditor", "creditor_phone"];

/// Variables that tell a listener about the debt; named in the error so the fix is clear.
const DEBT_VARIABLES: &[&str] = &[
    "amount",
    "amount_due",
    "currency",
    "days_overdue",
    "due_date",
    "last_promise_date",
    "last_promise_amount",
    "last_promise_status",
    "last_promise_broken",
    "broken_promises",
    "promise_date",
    "promise_amount",
    "product",
    "external_id",
];

/// Word stems that disclose a debt in the message's own text (Russian and English, lower case).
const DEBT_WORDS: &[&str] = &[
    "долг",
    "задолж",
    "просроч",
    "кредит",
    "займ",
    "заём",
    "плат",
    "взыск",
    "debt",
    "overdue",
    "owe",
    "arrear",
    "loan",
    "payment",
    "collect",
    "balance",
];

/// Why a voicemail message cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// `leave_message` without a template.
    #[error("on_machine = leave_message needs a `message` template with {{creditor}} and {{creditor_phone}}")]
    Missing,
    /// A placeholder that discloses the debt.
    #[error("voicemail message uses `{{{0}}}`, which tells whoever hears the mailbox about the debt (third-party rule); use only {{creditor}} and {{creditor_phone}}")]
    DebtVariable(String),
    /// Any other placeholder (the debtor's name, extra fields …).
    #[error("voicemail message uses `{{{0}}}`; a message left on a machine may use only {{creditor}} and {{creditor_phone}}")]
    NotAllowed(String),
    /// A required placeholder is absent.
    #[error("voicemail message must name the creditor and give its phone: add `{{{0}}}` (no anonymity rule)")]
    MissingVariable(&'static str),
    /// The template's own text mentions the debt.
    #[error("voicemail message text contains `{0}`, which tells a third party about a debt; keep to the creditor's name, phone and a request to call back")]
    DebtWord(String),
    /// Digits in the template's own text (amounts, dates, contract numbers); the phone comes from
    /// `{creditor_phone}`.
    #[error("voicemail message text contains digits `{0}`; amounts, dates and numbers may not be left on a machine (the phone comes from {{creditor_phone}})")]
    Digits(String),
    /// Unbalanced braces.
    #[error("voicemail message: {0}")]
    Malformed(&'static str),
    /// The creditor settings lack a value the message needs.
    #[error("creditor {0} is empty in the campaign settings")]
    EmptyCreditor(&'static str),
}

enum Piece<'a> {
    Text(&'a str),
    Variable(&'a str),
}

/// Splits a template into literal text and `{variable}` pieces; `{{` and `}}` are literal braces.
fn pieces(template: &str) -> Result<Vec<Piece<'_>>, MessageError> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push(Piece::Text(&rest[..i]));
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(Piece::Text(&tail[..1]));
            rest = &tail[2..];
        } else if tail.starts_with('}') {
            return Err(MessageError::Malformed(
                "stray `}`; write `}}` for a literal brace",
            ));
        } else {
            let end = tail
                .find('}')
                .ok_or(MessageError::Malformed("`{` is never closed"))?;
            out.push(Piece::Variable(tail[1..end].trim()));
            rest = &tail[end + 1..];
        }
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Checks a voicemail template against the third-party rule without filling it.
pub fn validate_message(template: &str) -> Result<(), MessageError> {
    let pieces = pieces(template)?;
    let mut used = Vec::new();
    for piece in &pieces {
        match *piece {
            Piece::Variable(name) if MESSAGE_VARIABLES.contains(&name) => used.push(name),
            Piece::Variable(name) if DEBT_VARIABLES.contains(&name) => {
                return Err(MessageError::DebtVariable(name.into()))
            }
            Piece::Variable(name) => return Err(MessageError::NotAllowed(name.into())),
            Piece::Text(text) => check_text(text)?,
        }
    }
    for required in MESSAGE_VARIABLES {
        if !used.contains(&required) {
            return Err(MessageError::MissingVariable(required));
        }
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), MessageError> {
    let lower = text.to_lowercase();
    if let Some(word) = DEBT_WORDS.iter().find(|w| lower.contains(*w)) {
        return Err(MessageError::DebtWord((*word).into()));
    }
    if let Some(start) = text.find(|c: char| c.is_ascii_digit()) {
        let digits: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        return Err(MessageError::Digits(digits));
    }
    Ok(())
}

/// Builds the message to leave on a machine from a template and the creditor settings.
pub fn voicemail_message(template: &str, creditor: &Creditor) -> Result<String, MessageError> {
    validate_message(template)?;
    if creditor.name.trim().is_empty() {
        return Err(MessageError::EmptyCreditor("name"));
    }
    if creditor.phone.trim().is_empty() {
        return Err(MessageError::EmptyCreditor("phone"));
    }
    let text: String = pieces(template)?
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => t,
            Piece::Variable("creditor") => creditor.name.trim(),
            Piece::Variable(_) => creditor.phone.trim(),
        })
        .collect();
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl MachinePolicy {
    /// Checks the policy: `leave_message` needs a valid template; a template is checked whenever given.
    pub fn validate(&self) -> Result<(), MessageError> {
        match (&self.message, self.on_machine) {
            (None, OnMachine::LeaveMessage) => Err(MessageError::Missing),
            (Some(template), _) => validate_message(template),
            (None, OnMachine::HangUp) => Ok(()),
        }
    }

    /// The message to leave for this creditor, or `None` when the policy hangs up.
    pub fn message_for(&self, creditor: &Creditor) -> Result<Option<String>, MessageError> {
        self.validate()?;
        match (self.on_machine, &self.message) {
            (OnMachine::LeaveMessage, Some(template)) => {
                voicemail_message(template, creditor).map(Some)
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn romashka() -> Creditor {
        Creditor {
            name: "МФО Ромашка".into(),
            phone: "8 800 000-00-00".into(),
        }
    }

    #[test]
    fn a_limited_message_is_filled_from_the_creditor_settings() {
        let text = voicemail_message(
            "Здравствуйте, это {creditor}. Перезвоните нам, пожалуйста, по номеру {creditor_phone}.",
            &romashka(),
        )
        .expect("valid");
        assert_eq!(
            text,
            "Здравствуйте, это МФО Ромашка. Перезвоните нам, пожалуйста, по номеру 8 800 000-00-00."
        );
    }

    #[test]
    fn templates_that_disclose_the_debt_are_refused() {
        let table: &[(&str, MessageError)] = &[
            (
                "{creditor}: you owe {amount}. Call {creditor_phone}",
                MessageError::DebtWord("owe".into()),
            ),
            (
                "{creditor}, {amount_due}, {creditor_phone}",
                MessageError::DebtVariable("amount_due".into()),
            ),
            (
                "{creditor} {creditor_phone} {days_overdue}",
                MessageError::DebtVariable("days_overdue".into()),
            ),
            (
                "{name}, call {creditor} at {creditor_phone}",
                MessageError::NotAllowed("name".into()),
            ),
            (
                "Это {creditor}, у вас просрочка. {creditor_phone}",
                MessageError::DebtWord("просроч".into()),
            ),
            (
                "{creditor}, договор 12345, {creditor_phone}",
                MessageError::Digits("12345".into()),
            ),
            (
                "Call {creditor} back",
                MessageError::MissingVariable("creditor_phone"),
            ),
            (
                "Call us at {creditor_phone}",
                MessageError::MissingVariable("creditor"),
            ),
            (
                "{creditor} {creditor_phone",
                MessageError::Malformed("`{` is never closed"),
            ),
        ];
        for (template, expected) in table {
            assert_eq!(
                validate_message(template).as_ref(),
                Err(expected),
                "{template}"
            );
            assert!(
                voicemail_message(template, &romashka()).is_err(),
                "{template}"
            );
        }
    }

    #[test]
    fn the_policy_needs_a_template_only_to_leave_a_message() {
        let hang_up = MachinePolicy::default();
        assert_eq!(hang_up.message_for(&romashka()), Ok(None));
        let missing = MachinePolicy {
            on_machine: OnMachine::LeaveMessage,
            message: None,
        };
        assert_eq!(missing.validate(), Err(MessageError::Missing));
        let leave: MachinePolicy = serde_json::from_str(
            r#"{"on_machine": "leave_message", "message": "This is {creditor}, please call {creditor_phone}."}"#,
        )
        .expect("parses");
        assert_eq!(
            leave.message_for(&romashka()),
            Ok(Some(
                "This is МФО Ромашка, please call 8 800 000-00-00.".into()
            ))
        );
        let empty = Creditor {
            name: " ".into(),
            phone: "1".into(),
        };
        assert_eq!(
            leave.message_for(&empty),
            Err(MessageError::EmptyCreditor("name"))
        );
    }
}
