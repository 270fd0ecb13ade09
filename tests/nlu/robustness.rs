//! Understanding never panics, whatever the recogniser or a keyboard produces.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use softcall::dialog::nlu::{understand, Lang};

fn day(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(u64::from(offset))))
        .expect("offset stays in range")
}

/// Words the rules and number parsers react to, mixed at random into utterances.
const VOCAB: &[&str] = &[
    "заплачу",
    "не",
    "пятнадцатого",
    "двадцать",
    "первого",
    "тысячи",
    "полторы",
    "через",
    "дня",
    "в",
    "пятницу",
    "декабря",
    "15.12",
    "31.02",
    "5к",
    "2,5",
    "1,250.50",
    "$50",
    "15-го",
    "до",
    "конца",
    "месяца",
    "нет",
    "денег",
    "да",
    "pay",
    "the",
    "21st",
    "next",
    "monday",
    "in",
    "a",
    "week",
    "and",
    "hundred",
    "fifteen",
    "k",
    "at",
    "one",
    "thirty",
    "99999999999999999999",
    "0",
    "-",
    "ё",
    "17:30",
];

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}", offset in 0u32..4000, en in any::<bool>()) {
        let lang = if en { Lang::En } else { Lang::Ru };
        let u = understand(&text, lang, day(offset));
        prop_assert_eq!(u.text, text);
        if let Some(a) = u.amount {
            prop_assert!(a.is_finite() && a > 0.0);
        }
    }

    #[test]
    fn vocabulary_soup_never_panics(
        words in proptest::collection::vec(proptest::sample::select(VOCAB), 0..12),
        offset in 0u32..4000,
        en in any::<bool>(),
    ) {
        let text = words.join(" ");
        let lang = if en { Lang::En } else { Lang::Ru };
        let today = day(offset);
        let u = understand(&text, lang, today);
        if let Some(d) = u.date {
            // Every date expression lands within a few years of the call date.
            let span = (d - today).num_days().abs();
            prop_assert!(span <= 3 * 366, "{text}: {d} from {today}");
        }
    }
}
