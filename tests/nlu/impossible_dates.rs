//! An impossible date ("31 февраля") is neither a date nor an amount.

use chrono::NaiveDate;
use softcall::dialog::nlu::{understand, Lang};

#[test]
fn impossible_date_is_neither_a_date_nor_an_amount() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
    for (text, lang) in [
        ("заплачу 31 февраля", Lang::Ru),
        ("оплачу 30 февраля", Lang::Ru),
        ("I'll pay on february 30", Lang::En),
        ("I'll pay on 31 february", Lang::En),
    ] {
        let u = understand(text, lang, today);
        assert_eq!((u.date, u.amount), (None, None), "{text}: {u:?}");
    }
    // A possible date is still a date, and money next to it still money.
    let u = understand("заплачу 28 февраля пять тысяч", Lang::Ru, today);
    assert_eq!(u.date, NaiveDate::from_ymd_opt(2027, 2, 28));
    assert_eq!(u.amount, Some(5000.0));
}
