//! English number words: cardinals, ordinals, "hundred" as a multiplier, "grand" for thousand.

use super::number_words::{Level, NumWord};

/// Cardinal words 0–9.
pub(crate) const UNITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];
/// Cardinal words 10–19.
pub(crate) const TEENS: [&str; 10] = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
/// Cardinal words for the tens, indexed by the tens digit (20–90).
pub(crate) const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
/// Ordinal words 1st–9th.
pub(crate) const UNIT_ORDINALS: [&str; 10] = [
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
];
/// Ordinal words 10th–19th.
pub(crate) const TEEN_ORDINALS: [&str; 10] = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
/// Ordinal words for the tens, indexed by the tens digit (20th–90th).
pub(crate) const TEN_ORDINALS: [&str; 10] = [
    "",
    "",
    "twentieth",
    "thirtieth",
    "fortieth",
    "fiftieth",
    "sixtieth",
    "seventieth",
    "eightieth",
    "ninetieth",
];

/// Classifies an English word as a number word.
pub fn classify(word: &str) -> Option<NumWord> {
    if let Some(i) = UNITS.iter().position(|w| *w == word) {
        return Some(NumWord::Unit(i as f64));
    }
    if let Some(i) = TEENS.iter().position(|w| *w == word) {
        return Some(NumWord::Teen(10.0 + i as f64));
    }
    if let Some(i) = TENS.iter().position(|w| !w.is_empty() && *w == word) {
        return Some(NumWord::Tens(10.0 * i as f64));
    }
    if let Some(i) = UNIT_ORDINALS
        .iter()
        .position(|w| !w.is_empty() && *w == word)
    {
        return Some(NumWord::Ordinal {
            value: i as f64,
            level: Level::Units,
        });
    }
    if let Some(i) = TEEN_ORDINALS.iter().position(|w| *w == word) {
        return Some(NumWord::Ordinal {
            value: 10.0 + i as f64,
            level: Level::Teens,
        });
    }
    if let Some(i) = TEN_ORDINALS
        .iter()
        .position(|w| !w.is_empty() && *w == word)
    {
        return Some(NumWord::Ordinal {
            value: 10.0 * i as f64,
            level: Level::Tens,
        });
    }
    match word {
        "couple" => Some(NumWord::Unit(2.0)),
        "hundred" | "hundreds" => Some(NumWord::Hundred),
        "thousand" | "thousands" | "grand" | "k" => Some(NumWord::Scale(1000.0)),
        "million" | "millions" => Some(NumWord::Scale(1_000_000.0)),
        "billion" => Some(NumWord::Scale(1_000_000_000.0)),
        "hundredth" => Some(NumWord::Ordinal {
            value: 100.0,
            level: Level::Empty,
        }),
        _ => None,
    }
}
