//! Round trips: what the verbaliser says, understanding reads back — amounts and dates in both languages.

use chrono::{Days, NaiveDate};
use softcall::dialog::nlu::{understand, Intent, Lang};
use softcall::dialog::verbalize::{speak_amount, speak_date};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).expect("valid date")
}

/// Amounts spread over every order of magnitude the product meets, with and without kopecks/cents.
fn amounts() -> Vec<f64> {
    let mut v: Vec<f64> = vec![
        10.0,
        11.0,
        19.0,
        20.0,
        21.0,
        99.0,
        100.0,
        101.0,
        110.0,
        999.0,
        1000.0,
        1001.0,
        1100.0,
        1250.5,
        2000.0,
        2500.0,
        5000.0,
        11_000.0,
        21_000.0,
        22_000.0,
        99_999.0,
        100_000.0,
        123_456.0,
        1_000_000.0,
        2_341_000.0,
        15.75,
        3_000.99,
    ];
    v.extend((0..200).map(|k| f64::from(k * 137 + 10)));
    v
}

#[test]
fn spoken_amounts_are_read_back() {
    let mut failures = Vec::new();
    let cases = amounts();
    for lang in [Lang::Ru, Lang::En] {
        let (currency, verb) = match lang {
            Lang::Ru => ("RUB", "заплачу"),
            Lang::En => ("USD", "i will pay"),
        };
        for &a in &cases {
            let text = format!("{verb} {}", speak_amount(a, currency, lang));
            let got = understand(&text, lang, today());
            if got.amount.is_none_or(|g| (g - a).abs() > 0.005)
                || got.intent != Intent::PromiseToPay
            {
                failures.push(format!("{text} → {:?} {:?}", got.intent, got.amount));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} spoken amounts not read back",
        failures.len()
    );
}

#[test]
fn spoken_dates_are_read_back() {
    let mut failures = Vec::new();
    for lang in [Lang::Ru, Lang::En] {
        // Within a year: day and month are said without the year.
        for offset in 1..365u64 {
            let date = today()
                .checked_add_days(Days::new(offset))
                .expect("date in range");
            let verb = match lang {
                Lang::Ru => "оплачу",
                Lang::En => "i will pay on",
            };
            let text = format!("{verb} {}", speak_date(date, lang).to_lowercase());
            let got = understand(&text, lang, today());
            let want = date;
            if got.date != Some(want) {
                failures.push(format!("{text} → {:?}, want {want}", got.date));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} spoken dates not read back",
        failures.len()
    );
}

#[test]
fn intent_names_are_the_serde_names_and_read_back() {
    for intent in Intent::ALL {
        let serde_name = serde_json::to_value(intent).expect("intent serialises");
        assert_eq!(serde_name, intent.name(), "serde name of {intent:?}");
        assert_eq!(Intent::from_name(intent.name()), Some(intent));
    }
    assert_eq!(Intent::from_name("promise"), None);
}
