//! Speech-ready text: money and dates written the way a synthesiser should read them.

use crate::dialog::nlu::Lang;
use chrono::NaiveDate;

/// Money as words with correct agreement, e.g. "две тысячи пятьсот рублей" or "fifteen dollars and fifty cents".
pub fn speak_amount(amount: f64, currency: &str, lang: Lang) -> String {
    // Interface placeholder; the full verbaliser replaces this body.
    let _ = lang;
    format!("{amount} {currency}")
}

/// A date as words, e.g. "двадцать пятого ноября" or "November twenty fifth".
pub fn speak_date(date: NaiveDate, lang: Lang) -> String {
    // Interface placeholder; the full verbaliser replaces this body.
    let _ = lang;
    date.format("%Y-%m-%d").to_string()
}
