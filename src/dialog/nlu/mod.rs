//! Understanding: classifies one debtor utterance into an intent and extracts a date and an amount.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Conversation language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Russian.
    Ru,
    /// English.
    En,
}

/// The intents of PRODUCT.md; the names are a contract shared by flows, tests and tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Promises to pay, with or without a date.
    PromiseToPay,
    /// Yes / it is me / I am listening.
    Confirm,
    /// No.
    Deny,
    /// Not the debtor.
    WrongPerson,
    /// Says the debt is paid.
    AlreadyPaid,
    /// Refuses to pay.
    Refuse,
    /// Asks not to be called again.
    StopCalls,
    /// Cannot pay (hardship).
    CannotPay,
    /// Disputes the debt.
    Dispute,
    /// Asks to be called back.
    Callback,
    /// Asks for a human.
    Operator,
    /// Asks a question.
    Question,
    /// Profanity, threats, insults.
    Abuse,
    /// Anything else.
    Unknown,
}

/// What one utterance means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    /// The utterance as given.
    pub text: String,
    /// Exactly one intent.
    pub intent: Intent,
    /// A date resolved against the call date, when one was said.
    pub date: Option<NaiveDate>,
    /// An amount of money, when one was said.
    pub amount: Option<f64>,
}

/// Understands `text` said on `today` (the call date in the debtor's time zone).
pub fn understand(text: &str, lang: Lang, today: NaiveDate) -> Understanding {
    // Interface placeholder; the rule-based implementation replaces this body.
    let _ = (lang, today);
    Understanding {
        text: text.to_string(),
        intent: Intent::Unknown,
        date: None,
        amount: None,
    }
}
