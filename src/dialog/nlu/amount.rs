//! Amounts of money: a number that is not part of a date, a time of day or a count of something else.
//!
//! "пятнадцатого заплачу пять тысяч" → 5000 (the ordinal is the date); "перезвоните в пять" → none (a time);
//! "через два дня" → none (a period); "тысяча двести рублей пятьдесят копеек" → 1200.5.

use super::dates::DateMention;
use super::normalize::Token;
use super::numbers::NumberSpan;
use super::Lang;

/// Picks the amount of money said in the utterance, if any.
pub fn find_amount(
    tokens: &[Token],
    spans: &[NumberSpan],
    date: Option<&DateMention>,
    lang: Lang,
) -> Option<f64> {
    let word = |i: usize| tokens.get(i).and_then(Token::word).unwrap_or("");
    let mut strong: Option<f64> = None;
    let mut weak: Option<f64> = None;
    let mut k = 0;
    // End of the last number read as a time, so "at one thirty" skips the "thirty" too.
    let mut time_end: Option<usize> = None;
    while k < spans.len() {
        let s = &spans[k];
        k += 1;
        if s.ordinal {
            continue;
        }
        if date.is_some_and(|d| s.start < d.end && s.end > d.start) {
            continue;
        }
        let prev = if s.start > 0 { word(s.start - 1) } else { "" };
        let next = word(s.end);
        if is_minor_unit(next, lang) {
            // "пятьдесят копеек" on its own.
            strong.get_or_insert(s.value / 100.0);
            continue;
        }
        if is_unit_word(next, lang) {
            continue;
        }
        // A day of a month — even an impossible one ("31 февраля", "february 30") — is never money.
        if super::dates::ru_month(next).is_some()
            || super::dates::en_month(next).is_some()
            || lang == Lang::En && super::dates::en_month(prev).is_some()
        {
            continue;
        }
        let money_after = is_currency(next, lang);
        let money_before = is_currency(prev, lang) || is_amount_cue(prev, lang);
        let after_time = time_end == Some(s.start);
        if !money_after
            && !s.scaled
            && (after_time || is_time_preposition(prev, lang) && s.value <= 24.0)
        {
            time_end = Some(s.end);
            continue;
        }
        if money_after || money_before || s.scaled {
            let mut value = s.value;
            // "… рублей пятьдесят копеек", "… dollars and fifty cents".
            if money_after {
                let mut j = s.end + 1;
                if word(j) == "and" || word(j) == "и" {
                    j += 1;
                }
                if let Some(next_span) = spans.get(k).filter(|n| n.start == j && !n.ordinal) {
                    if is_minor_unit(word(next_span.end), lang) && next_span.value < 100.0 {
                        value += next_span.value / 100.0;
                        k += 1;
                    }
                }
            }
            if strong.is_none() {
                strong = Some(value);
            }
            continue;
        }
        if s.value >= 10.0 && weak.is_none() {
            weak = Some(s.value);
        }
    }
    strong
        .or(weak)
        .map(|v| (v * 100.0).round() / 100.0)
        .filter(|v| *v > 0.0)
}

fn is_currency(w: &str, lang: Lang) -> bool {
    match lang {
        Lang::Ru => {
            w.starts_with("руб")
                || w == "р"
                || w == "рэ"
                || w.starts_with("доллар")
                || w.starts_with("бакс")
                || w == "евро"
                || w.starts_with("рубл")
                || w == "dollars"
                || w == "euros"
        }
        Lang::En => {
            w.starts_with("dollar")
                || w.starts_with("buck")
                || w.starts_with("euro")
                || w.starts_with("pound")
                || w == "quid"
                || w.starts_with("ruble")
                || w.starts_with("rouble")
                || w == "usd"
        }
    }
}

fn is_minor_unit(w: &str, lang: Lang) -> bool {
    match lang {
        Lang::Ru => w.starts_with("копе") || w == "коп" || w.starts_with("цент"),
        Lang::En => w == "cent" || w == "cents" || w == "pence" || w.starts_with("kopeck"),
    }
}

/// Words that introduce a sum: "сумму", "amount", "платеж".
fn is_amount_cue(w: &str, lang: Lang) -> bool {
    match lang {
        Lang::Ru => w.starts_with("сумм") || w.starts_with("платеж") || w == "по",
        Lang::En => matches!(w, "amount" | "sum" | "payment" | "pay" | "send" | "of"),
    }
}

fn is_time_preposition(w: &str, lang: Lang) -> bool {
    match lang {
        Lang::Ru => matches!(
            w,
            "в" | "во" | "около" | "после" | "к" | "до" | "часов" | "часа"
        ),
        Lang::En => matches!(
            w,
            "at" | "around" | "after" | "before" | "till" | "until" | "by" | "past"
        ),
    }
}

/// Words after a number that make it a count of something other than money.
fn is_unit_word(w: &str, lang: Lang) -> bool {
    match lang {
        Lang::Ru => {
            const PREFIXES: &[&str] = &[
                "час",
                "минут",
                "секунд",
                "утра",
                "вечера",
                "ночи",
                "дня",
                "день",
                "дней",
                "сут",
                "недел",
                "месяц",
                "лет",
                "год",
                "раз",
                "человек",
                "дет",
                "ребен",
                "процент",
                "числ",
                "кредит",
                "займ",
                "звон",
                "сын",
                "доч",
                "квартал",
                "этаж",
                "класс",
                "месте",
            ];
            PREFIXES.iter().any(|p| w.starts_with(p)) || w == "%"
        }
        Lang::En => {
            const PREFIXES: &[&str] = &[
                "hour", "minute", "second", "am", "pm", "oclock", "day", "week", "month", "year",
                "time", "kid", "child", "people", "percent", "loan", "call", "son", "daughter",
            ];
            PREFIXES.iter().any(|p| w.starts_with(p))
        }
    }
}
