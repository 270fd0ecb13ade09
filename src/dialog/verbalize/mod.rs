//! Speech-ready text: money, dates and counts written as words the way a synthesiser should read them.
//!
//! - [`speak_amount`]: "тысяча двести пятьдесят рублей пятьдесят копеек", "one thousand two hundred fifty
//!   dollars and fifty cents".
//! - [`speak_date`]: "двадцать пятого ноября", "November twenty fifth".
//! - [`speak_count`]: a whole number with its unit in the right form, e.g. "двадцать один день", "five days"
//!   (see [`Unit`] and the ready-made units such as [`DAY`]).

mod en;
mod ru;

use crate::dialog::nlu::Lang;
use chrono::NaiveDate;

pub use ru::{plural_index, Gender};

/// A countable unit with its Russian forms (one / few / many, as in 1, 2, 5) and gender, and its English
/// singular and plural.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Russian forms for 1, 2–4 and 5–20 (e.g. "день", "дня", "дней").
    pub ru: [&'static str; 3],
    /// Grammatical gender of the Russian noun (decides "один"/"одна", "два"/"две").
    pub ru_gender: Gender,
    /// English singular and plural (e.g. "day", "days").
    pub en: [&'static str; 2],
}

/// Days ("пять дней", "five days").
pub const DAY: Unit = Unit {
    ru: ["день", "дня", "дней"],
    ru_gender: Gender::Masculine,
    en: ["day", "days"],
};
/// Weeks.
pub const WEEK: Unit = Unit {
    ru: ["неделя", "недели", "недель"],
    ru_gender: Gender::Feminine,
    en: ["week", "weeks"],
};
/// Months.
pub const MONTH: Unit = Unit {
    ru: ["месяц", "месяца", "месяцев"],
    ru_gender: Gender::Masculine,
    en: ["month", "months"],
};
/// Payments ("два платежа").
pub const PAYMENT: Unit = Unit {
    ru: ["платёж", "платежа", "платежей"],
    ru_gender: Gender::Masculine,
    en: ["payment", "payments"],
};
/// Promises ("два обещания").
pub const PROMISE: Unit = Unit {
    ru: ["обещание", "обещания", "обещаний"],
    ru_gender: Gender::Neuter,
    en: ["promise", "promises"],
};
/// Percent.
pub const PERCENT: Unit = Unit {
    ru: ["процент", "процента", "процентов"],
    ru_gender: Gender::Masculine,
    en: ["percent", "percent"],
};

/// Money from its spoken parts: the major part alone when there are no minor units, the minor part alone
/// when the major amount is zero, otherwise both joined by `joiner` (" and " in English, " " in Russian).
fn join_money(
    major: u64,
    minor: u64,
    major_part: String,
    minor_part: String,
    joiner: &str,
) -> String {
    match (major, minor) {
        (_, 0) => major_part,
        (0, _) => minor_part,
        _ => format!("{major_part}{joiner}{minor_part}"),
    }
}

/// Money as words with correct agreement, e.g. "две тысячи пятьсот рублей" or "fifteen dollars and fifty cents".
///
/// `currency` is an ISO code (RUB, USD, EUR, GBP; "₽", "$", "€" also accepted). Amounts are rounded to the minor
/// unit; a zero minor part is not spoken. Negative amounts are spoken by their absolute value. An unknown
/// currency is spoken as the number followed by the code.
pub fn speak_amount(amount: f64, currency: &str, lang: Lang) -> String {
    let cents_total = if amount.is_finite() {
        (amount.abs() * 100.0).round() as u64
    } else {
        0
    };
    let (major, minor) = (cents_total / 100, cents_total % 100);
    match lang {
        Lang::Ru => ru::money(major, minor, currency),
        Lang::En => en::money(major, minor, currency),
    }
}

/// A date as words, e.g. "двадцать пятого ноября" or "November twenty fifth".
pub fn speak_date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ru => ru::date(date),
        Lang::En => en::date(date),
    }
}

/// A whole number with its unit in the agreeing form: `speak_count(21, &DAY, Lang::Ru)` is "двадцать один
/// день", `speak_count(5, &DAY, Lang::Ru)` "пять дней", `speak_count(1, &DAY, Lang::En)` "one day".
pub fn speak_count(n: u64, unit: &Unit, lang: Lang) -> String {
    match lang {
        Lang::Ru => format!(
            "{} {}",
            ru::cardinal(n, unit.ru_gender),
            unit.ru[plural_index(n)]
        ),
        Lang::En => format!(
            "{} {}",
            en::cardinal(n),
            if n == 1 { unit.en[0] } else { unit.en[1] }
        ),
    }
}

/// A whole number as words: Russian in the given gender ("одна", "две"), English as usual.
pub fn speak_number(n: u64, gender: Gender, lang: Lang) -> String {
    match lang {
        Lang::Ru => ru::cardinal(n, gender),
        Lang::En => en::cardinal(n),
    }
}
