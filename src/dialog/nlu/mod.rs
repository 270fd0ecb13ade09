//! Understanding: classifies one debtor utterance into an intent and extracts a date and an amount.
//!
//! The pipeline, one module per step:
//! [`normalize`] (lower case, ё→е, punctuation, digits) → [`numbers`] (number words of both languages and
//! digits as value spans; the types they share are in the leaf [`number_words`]) → [`dates`] (date
//! expressions resolved against the call date) → [`intent`] (votes of the lexicon rules in `lexicon_ru.txt` /
//! `lexicon_en.txt`, written in the [`rules`] language) → [`amount`] (the number that is money, not a day, a
//! time or a count).

pub mod amount;
pub mod dates;
pub mod intent;
pub mod normalize;
pub mod number_words;
pub mod numbers;
pub mod numbers_en;
pub mod numbers_ru;
pub mod rules;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::domain::Lang;

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

impl Intent {
    /// Every intent, in contract order.
    pub const ALL: [Intent; 14] = [
        Intent::PromiseToPay,
        Intent::Confirm,
        Intent::Deny,
        Intent::WrongPerson,
        Intent::AlreadyPaid,
        Intent::Refuse,
        Intent::StopCalls,
        Intent::CannotPay,
        Intent::Dispute,
        Intent::Callback,
        Intent::Operator,
        Intent::Question,
        Intent::Abuse,
        Intent::Unknown,
    ];

    /// The contract name, e.g. `promise_to_pay` (the same as the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Intent::PromiseToPay => "promise_to_pay",
            Intent::Confirm => "confirm",
            Intent::Deny => "deny",
            Intent::WrongPerson => "wrong_person",
            Intent::AlreadyPaid => "already_paid",
            Intent::Refuse => "refuse",
            Intent::StopCalls => "stop_calls",
            Intent::CannotPay => "cannot_pay",
            Intent::Dispute => "dispute",
            Intent::Callback => "callback",
            Intent::Operator => "operator",
            Intent::Question => "question",
            Intent::Abuse => "abuse",
            Intent::Unknown => "unknown",
        }
    }

    /// The intent with this contract name.
    pub fn from_name(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.name() == name)
    }
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
    explain(text, lang, today).understanding
}

/// An understanding together with the rules that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The result.
    pub understanding: Understanding,
    /// Every lexicon rule that matched.
    pub hits: Vec<intent::Hit>,
}

/// Understands `text` and reports which lexicon rules voted, for designers tuning the lexicons.
pub fn explain(text: &str, lang: Lang, today: NaiveDate) -> Explanation {
    explain_for(text, lang, today, "")
}

/// Understands an utterance on a call to the debtor named `debtor_name`: the words of that name stand for
/// [`DEBTOR_NAME`] in the lexicons, so "i am not john smith" / "я не иван петров" is `wrong_person`.
pub fn understand_for(
    text: &str,
    lang: Lang,
    today: NaiveDate,
    debtor_name: &str,
) -> Understanding {
    explain_for(text, lang, today, debtor_name).understanding
}

/// The word that the debtor's name becomes before the lexicons are applied.
pub const DEBTOR_NAME: &str = "debtorname";

/// Case endings a Russian name takes (and English's possessive `s`): "ивана", "петрову", "марией", "johns".
const NAME_ENDINGS: [&str; 16] = [
    "", "а", "у", "е", "ом", "ым", "ой", "ы", "и", "ем", "ю", "я", "ей", "ого", "ому", "s",
];

/// Whether a recognised word is one of the debtor's name words in some grammatical case: the name's stem (the
/// name less a final а/я/й/ь) followed by a case ending, so "ивана" is Иван but "верну" is not Вера.
fn is_name_word(word: &str, name_words: &[String]) -> bool {
    name_words.iter().any(|name| {
        let stem = name.trim_end_matches(['а', 'я', 'й', 'ь']);
        // A stem shorter than three letters would match ordinary words ("и" of Ия).
        word == name
            || (stem.chars().count() >= 3
                && word
                    .strip_prefix(stem)
                    .is_some_and(|ending| NAME_ENDINGS.contains(&ending)))
    })
}

/// Replaces the debtor's name words among `tokens` by [`DEBTOR_NAME`].
fn mark_debtor_name(tokens: &mut [normalize::Token], debtor_name: &str) {
    let name_words: Vec<String> = normalize::fold(debtor_name)
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_string)
        .collect();
    if name_words.is_empty() {
        return;
    }
    for token in tokens {
        if let normalize::Token::Word(w) = token {
            if is_name_word(w, &name_words) {
                *w = DEBTOR_NAME.to_string();
            }
        }
    }
}

fn explain_for(text: &str, lang: Lang, today: NaiveDate, debtor_name: &str) -> Explanation {
    let mut tokens = normalize::tokenize(text, lang);
    mark_debtor_name(&mut tokens, debtor_name);
    let spans = numbers::find_numbers(&tokens, lang);
    let mut date = dates::find_date(&tokens, &spans, lang, today, dates::Direction::Future);
    let amount = amount::find_amount(&tokens, &spans, date.as_ref(), lang);
    let class = intent::classify(&tokens, lang, date.is_some(), amount.is_some());
    if class.intent == Intent::AlreadyPaid && date.is_some() {
        date = dates::find_date(&tokens, &spans, lang, today, dates::Direction::Past);
    }
    // A promise is for a day to come: a date already past is not taken as the promised date.
    if class.intent == Intent::PromiseToPay && date.as_ref().is_some_and(|d| d.date < today) {
        date = None;
    }
    Explanation {
        understanding: Understanding {
            text: text.to_string(),
            intent: class.intent,
            date: date.map(|d| d.date),
            amount,
        },
        hits: class.hits,
    }
}
