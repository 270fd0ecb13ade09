//! Intent classification: every lexicon rule that matches votes for its intent with its weight; the highest
//! vote wins, ties go to the intent listed first in [`PRIORITY`]. Two documented adjustments follow the vote
//! (see [`classify`]).

use super::normalize::Token;
use super::rules::{edges, parse_lexicon, rule_words, Rule, VAGUE_TIME};
use super::{Intent, Lang};
use std::sync::OnceLock;

/// The Russian lexicon, embedded so the binary is self-contained and the rules stay auditable text.
pub const LEXICON_RU: &str = include_str!("lexicon_ru.txt");
/// The English lexicon.
pub const LEXICON_EN: &str = include_str!("lexicon_en.txt");

/// Tie-break order: when two intents get the same top weight, the earlier one wins.
pub const PRIORITY: &[Intent] = &[
    Intent::Abuse,
    Intent::StopCalls,
    Intent::WrongPerson,
    Intent::Dispute,
    Intent::AlreadyPaid,
    Intent::Refuse,
    Intent::CannotPay,
    Intent::Operator,
    Intent::Callback,
    Intent::PromiseToPay,
    Intent::Question,
    Intent::Confirm,
    Intent::Deny,
    Intent::Unknown,
];

/// Vote given to `promise_to_pay` when a date or an amount was said and nothing stronger matched
/// ("в пятницу", "две тысячи" as answers to "когда?" / "сколько?").
pub const DATE_OR_AMOUNT_WEIGHT: u32 = 25;
/// Vote given to `promise_to_pay` by a vague time phrase ("после зарплаты", "next week").
pub const VAGUE_TIME_WEIGHT: u32 = 35;
/// A promise rule at least this strong turns hardship or callback into a promise when a time was given.
pub const FIRM_PROMISE_WEIGHT: u32 = 40;

/// One rule that matched, for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Section (intent name or `vague_time`).
    pub section: String,
    /// Weight of the vote.
    pub weight: u32,
    /// Lexicon line.
    pub line: usize,
    /// The pattern as written.
    pub pattern: String,
}

/// The outcome of classification with the votes behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The chosen intent.
    pub intent: Intent,
    /// Every rule that matched.
    pub hits: Vec<Hit>,
}

/// The compiled rules of a language.
pub fn lexicon(lang: Lang) -> &'static [Rule] {
    static RU: OnceLock<Vec<Rule>> = OnceLock::new();
    static EN: OnceLock<Vec<Rule>> = OnceLock::new();
    let (cell, name, text) = match lang {
        Lang::Ru => (&RU, "lexicon_ru.txt", LEXICON_RU),
        Lang::En => (&EN, "lexicon_en.txt", LEXICON_EN),
    };
    cell.get_or_init(|| {
        // The lexicons are compiled in and checked by the unit test `embedded_lexicons_parse`, so a
        // parse error here is a build defect; fall back to no rules rather than panic at run time.
        parse_lexicon(name, text).unwrap_or_else(|err| {
            tracing::error!("{err}");
            Vec::new()
        })
    })
}

/// Classifies the tokens of one utterance.
///
/// After the vote: (1) a date or an amount said with nothing stronger is a `promise_to_pay`, and so is a vague
/// time phrase; (2) when `cannot_pay` or `callback` won but a firm promise rule also matched and a date or a
/// vague time was given ("денег нет, заплачу в пятницу"), the promise wins.
pub fn classify(tokens: &[Token], lang: Lang, has_date: bool, has_amount: bool) -> Classification {
    let words = rule_words(tokens);
    let edges = edges(&words, lang);
    let mut hits = Vec::new();
    let mut votes: Vec<(Intent, u32)> = Vec::new();
    let mut vague = false;
    for rule in lexicon(lang) {
        if !rule.matches(&words, edges) {
            continue;
        }
        hits.push(Hit {
            section: rule.section.clone(),
            weight: rule.weight,
            line: rule.line,
            pattern: rule.source.clone(),
        });
        match rule.intent {
            Some(intent) => votes.push((intent, rule.weight)),
            None if rule.section == VAGUE_TIME => vague = true,
            None => {}
        }
    }
    if has_date || has_amount {
        votes.push((Intent::PromiseToPay, DATE_OR_AMOUNT_WEIGHT));
    }
    if vague {
        votes.push((Intent::PromiseToPay, VAGUE_TIME_WEIGHT));
    }
    let score = |intent: Intent| {
        votes
            .iter()
            .filter(|(i, _)| *i == intent)
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(0)
    };
    let mut best = Intent::Unknown;
    let mut best_score = 0;
    for intent in PRIORITY {
        let s = score(*intent);
        if s > best_score {
            best = *intent;
            best_score = s;
        }
    }
    if matches!(best, Intent::CannotPay | Intent::Callback)
        && score(Intent::PromiseToPay) >= FIRM_PROMISE_WEIGHT
        && (has_date || vague)
    {
        best = Intent::PromiseToPay;
    }
    Classification { intent: best, hits }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicons_parse() {
        parse_lexicon("lexicon_ru.txt", LEXICON_RU).expect("Russian lexicon parses");
        parse_lexicon("lexicon_en.txt", LEXICON_EN).expect("English lexicon parses");
        assert!(lexicon(Lang::Ru).len() > 100);
        assert!(lexicon(Lang::En).len() > 100);
    }
}
