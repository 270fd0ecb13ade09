//! Numbers in an utterance: number words of either language and digit tokens assembled into value spans.
//!
//! "две тысячи пятьсот" → 2500, "тысячу двести" → 1200, "полторы тысячи" → 1500, "двадцать первого" → 21st,
//! "two thousand five hundred" → 2500, "fifteen hundred" → 1500, "the twenty first" → 21st, "15 тыс" → 15000.

use super::normalize::Token;
use super::{numbers_en, numbers_ru, Lang};

pub use super::number_words::{Level, NumWord};

/// A run of tokens that together say one number.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSpan {
    /// Index of the first token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// The value.
    pub value: f64,
    /// Said as an ordinal ("пятнадцатого", "15th").
    pub ordinal: bool,
    /// Contains a scale word or suffix (thousand, тыс, k): then it is money, not a day.
    pub scaled: bool,
    /// Written with digits.
    pub digits: bool,
    /// The last word of the span (ordinal endings tell the case: "пятнадцатого" vs "пятнадцатое").
    pub last_word: String,
}

/// Classifies one word as a number word of `lang`.
pub fn classify(word: &str, lang: Lang) -> Option<NumWord> {
    match lang {
        Lang::Ru => numbers_ru::classify(word),
        Lang::En => numbers_en::classify(word),
    }
}

/// Finds every number span in the token stream, left to right, without overlaps.
pub fn find_numbers(tokens: &[Token], lang: Lang) -> Vec<NumberSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match parse_at(tokens, i, lang) {
            Some(span) => {
                i = span.end;
                spans.push(span);
            }
            None => i += 1,
        }
    }
    spans
}

fn word_at(tokens: &[Token], i: usize) -> Option<&str> {
    tokens.get(i).and_then(Token::word)
}

/// Parses the longest well-formed number starting at token `start`.
fn parse_at(tokens: &[Token], start: usize, lang: Lang) -> Option<NumberSpan> {
    let mut total = 0.0_f64;
    let mut group = 0.0_f64;
    let mut level = Level::Empty;
    let mut last_scale = f64::INFINITY;
    let mut any = false;
    let mut ordinal = false;
    let mut scaled = false;
    let mut digits = false;
    let mut i = start;
    let mut last_word = String::new();
    // The number words consumed, with their token index, to split "пятьсот | пятнадцатого".
    let mut consumed: Vec<(usize, NumWord)> = Vec::new();
    while i < tokens.len() {
        match &tokens[i] {
            Token::Digits {
                value,
                ordinal: ord,
                multiplied,
            } => {
                // "5 тысяч 500": digits may fill the group after a scale word (not "5 тысяч 10 числа").
                let fills_group = any
                    && !*ord
                    && !*multiplied
                    && level == Level::Empty
                    && group == 0.0
                    && total > 0.0
                    && *value >= 100.0
                    && *value < last_scale;
                if fills_group {
                    group = *value;
                    level = Level::Digits;
                    i += 1;
                    continue;
                }
                if any {
                    break;
                }
                any = true;
                digits = true;
                i += 1;
                if *ord {
                    group = *value;
                    ordinal = true;
                    break;
                }
                if *multiplied {
                    total += *value;
                    scaled = true;
                    last_scale = 1000.0;
                } else {
                    group = *value;
                    level = Level::Digits;
                }
                continue;
            }
            Token::Word(w) => {
                // English connectors: "a thousand", "two hundred and fifty".
                if lang == Lang::En {
                    if w == "a" && !any {
                        let next = word_at(tokens, i + 1).and_then(|n| classify(n, lang));
                        if matches!(next, Some(NumWord::Hundred | NumWord::Scale(_))) {
                            group = 1.0;
                            level = Level::Units;
                            any = true;
                            i += 1;
                            continue;
                        }
                        break;
                    }
                    if w == "and" && any && !ordinal {
                        let next = word_at(tokens, i + 1).and_then(|n| classify(n, lang));
                        let after_big = scaled || level == Level::Hundreds;
                        if after_big
                            && matches!(
                                next,
                                Some(
                                    NumWord::Unit(_)
                                        | NumWord::Teen(_)
                                        | NumWord::Tens(_)
                                        | NumWord::Ordinal { .. }
                                )
                            )
                        {
                            i += 1;
                            continue;
                        }
                        break;
                    }
                }
                // "две с половиной тысячи".
                if lang == Lang::Ru
                    && any
                    && w == "с"
                    && word_at(tokens, i + 1).is_some_and(|n| n.starts_with("половин"))
                {
                    group += 0.5;
                    i += 2;
                    continue;
                }
                let Some(nw) = classify(w, lang) else { break };
                let accepted = match nw {
                    NumWord::Unit(v) => {
                        if matches!(level, Level::Empty | Level::Hundreds | Level::Tens) {
                            group += v;
                            level = Level::Units;
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::Teen(v) | NumWord::Tens(v)
                        if lang == Lang::En
                            && level == Level::Units
                            && total == 0.0
                            && group < 10.0
                            && !digits
                            && !(start > 0
                                && matches!(
                                    word_at(tokens, start - 1),
                                    Some(
                                        "at" | "around"
                                            | "about"
                                            | "by"
                                            | "till"
                                            | "until"
                                            | "after"
                                            | "before"
                                    )
                                )) =>
                    {
                        // Spoken prices: "one fifty" is 150, "two twenty five" is 225.
                        group = group * 100.0 + v;
                        level = if matches!(nw, NumWord::Teen(_)) {
                            Level::Teens
                        } else {
                            Level::Tens
                        };
                        true
                    }
                    NumWord::Teen(v) | NumWord::Tens(v) => {
                        if matches!(level, Level::Empty | Level::Hundreds) {
                            group += v;
                            level = if matches!(nw, NumWord::Teen(_)) {
                                Level::Teens
                            } else {
                                Level::Tens
                            };
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::Hundreds(v) => {
                        if level == Level::Empty {
                            group += v;
                            level = Level::Hundreds;
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::Hundred => {
                        if level == Level::Empty {
                            group = 100.0;
                            level = Level::Hundreds;
                            true
                        } else if group < 100.0 && level != Level::Hundreds {
                            group *= 100.0;
                            level = Level::Hundreds;
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::Scale(m) => {
                        // A bare abbreviation ("т", "тыс", "k") is a scale only after a number.
                        let bare_abbreviation = group == 0.0 && w.chars().count() <= 3;
                        if m < last_scale && (group > 0.0 || total == 0.0) && !bare_abbreviation {
                            let g = if group == 0.0 { 1.0 } else { group };
                            total += g * m;
                            group = 0.0;
                            level = Level::Empty;
                            last_scale = m;
                            scaled = true;
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::OneAndHalf => {
                        if level == Level::Empty && group == 0.0 && total == 0.0 {
                            group = 1.5;
                            level = Level::Units;
                            true
                        } else {
                            false
                        }
                    }
                    NumWord::Ordinal { value, level: l } => {
                        let fits = match l {
                            Level::Units => {
                                matches!(level, Level::Empty | Level::Hundreds | Level::Tens)
                            }
                            Level::Teens | Level::Tens => {
                                matches!(level, Level::Empty | Level::Hundreds)
                            }
                            Level::Hundreds => level == Level::Empty,
                            _ => true,
                        };
                        if fits {
                            if l == Level::Empty {
                                // Ordinal scale word ("тысячного", "hundredth") multiplies.
                                let g = if group == 0.0 { 1.0 } else { group };
                                group = g * value;
                            } else {
                                group += value;
                            }
                            ordinal = true;
                            true
                        } else {
                            false
                        }
                    }
                };
                if !accepted {
                    break;
                }
                any = true;
                last_word = w.clone();
                consumed.push((i, nw));
                i += 1;
                if ordinal {
                    break;
                }
            }
            _ => break,
        }
    }
    if !any {
        return None;
    }
    // "тысяч пять" (about five thousand): the scale said first, in the genitive plural.
    if lang == Lang::Ru
        && matches!(word_at(tokens, start), Some("тысяч" | "тысячи"))
        && group > 0.0
        && group < 100.0
        && total == 1000.0
        && !ordinal
    {
        return Some(NumberSpan {
            start,
            end: i,
            value: group * 1000.0,
            ordinal,
            scaled: true,
            digits,
            last_word,
        });
    }
    // "две тысячи пятьсот пятнадцатого", "тысячу двести двадцать первого": an amount, then a day. An ordinal
    // above 31 that is not a year splits before its day part (the ordinal word, or tens + unit ordinal).
    let whole = total + group;
    if ordinal && whole > 31.0 && !(1900.0..=2100.0).contains(&whole) && consumed.len() >= 2 {
        let n = consumed.len();
        let (ord_idx, ord_word) = consumed[n - 1];
        let mut split = ord_idx;
        let mut day = match ord_word {
            NumWord::Ordinal { value, .. } => value,
            _ => 0.0,
        };
        if let (
            NumWord::Ordinal {
                level: Level::Units,
                ..
            },
            (tens_idx, NumWord::Tens(t)),
        ) = (ord_word, consumed[n - 2])
        {
            if t <= 30.0 && tens_idx + 1 == ord_idx {
                split = tens_idx;
                day += t;
            }
        }
        if split > start && day <= 31.0 {
            return Some(NumberSpan {
                start,
                end: split,
                value: whole - day,
                ordinal: false,
                scaled,
                digits,
                last_word: word_at(tokens, split - 1).unwrap_or("").to_string(),
            });
        }
    }
    Some(NumberSpan {
        start,
        end: i,
        value: total + group,
        ordinal,
        scaled,
        digits,
        last_word,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::nlu::normalize::tokenize;

    fn one(text: &str, lang: Lang) -> (f64, bool) {
        let toks = tokenize(text, lang);
        let spans = find_numbers(&toks, lang);
        assert_eq!(spans.len(), 1, "{text}: {spans:?}");
        (spans[0].value, spans[0].ordinal)
    }

    #[test]
    fn russian_cardinals() {
        for (t, v) in [
            ("две тысячи пятьсот", 2500.0),
            ("полторы тысячи", 1500.0),
            ("тысячу двести", 1200.0),
            ("пять тысяч", 5000.0),
            ("15 тыс", 15000.0),
            ("2,5 тысячи", 2500.0),
            ("двадцать одна тысяча", 21000.0),
            (
                "сто двадцать три тысячи четыреста пятьдесят шесть",
                123456.0,
            ),
            ("пятисот", 500.0),
            ("двумя тысячами", 2000.0),
            ("миллион", 1_000_000.0),
            ("две с половиной тысячи", 2500.0),
            ("полтора миллиона", 1_500_000.0),
            ("тысяча", 1000.0),
            ("девяноста", 90.0),
            ("пять косарей", 5000.0),
            ("тыщу", 1000.0),
            ("пару тысяч", 2000.0),
            ("тысяч пять", 5000.0),
            ("тысячи три", 3000.0),
            ("пол тысячи", 500.0),
            ("5 тысяч 500", 5500.0),
            ("полтысячи", 500.0),
        ] {
            assert_eq!(one(t, Lang::Ru), (v, false), "{t}");
        }
    }

    #[test]
    fn russian_ordinals() {
        for (t, v) in [
            ("пятнадцатого", 15.0),
            ("двадцать первого", 21.0),
            ("тридцатое", 30.0),
            ("третьего", 3.0),
            ("первому", 1.0),
            ("двадцать третьей", 23.0),
            ("две тысячи двадцать шестого", 2026.0),
            ("15-го", 15.0),
            ("восьмое", 8.0),
        ] {
            assert_eq!(one(t, Lang::Ru), (v, true), "{t}");
        }
    }

    #[test]
    fn russian_sequences_split() {
        let toks = tokenize("пятнадцатого пять тысяч", Lang::Ru);
        let spans = find_numbers(&toks, Lang::Ru);
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].value, spans[0].ordinal), (15.0, true));
        assert_eq!((spans[1].value, spans[1].ordinal), (5000.0, false));
        for (text, amount, day) in [
            ("две тысячи пятьсот пятнадцатого", 2500.0, 15.0),
            ("тысячу двести двадцать первого", 1200.0, 21.0),
            ("пятьсот третьего", 500.0, 3.0),
        ] {
            let toks = tokenize(text, Lang::Ru);
            let spans = find_numbers(&toks, Lang::Ru);
            let got: Vec<(f64, bool)> = spans.iter().map(|s| (s.value, s.ordinal)).collect();
            assert_eq!(got, vec![(amount, false), (day, true)], "{text}");
        }
        let toks = tokenize("двадцать пять пять", Lang::Ru);
        let spans = find_numbers(&toks, Lang::Ru);
        assert_eq!(spans.len(), 2);
    }

    #[test]
    fn english_numbers() {
        for (t, v, o) in [
            ("two thousand five hundred", 2500.0, false),
            ("fifteen hundred", 1500.0, false),
            ("a thousand", 1000.0, false),
            ("two hundred and fifty", 250.0, false),
            ("one thousand two hundred fifty", 1250.0, false),
            ("twenty first", 21.0, true),
            ("fifteenth", 15.0, true),
            ("thirty-first", 31.0, true),
            ("5k", 5000.0, false),
            ("15th", 15.0, true),
            ("three grand", 3000.0, false),
        ] {
            assert_eq!(one(t, Lang::En), (v, o), "{t}");
        }
    }
}
