//! Every promise verb with every date phrase and every amount phrase, in several word orders: the date and the
//! amount must come out right whatever surrounds them (call date Wednesday 2026-11-18).

use chrono::NaiveDate;
use softcall::dialog::nlu::{understand, Intent, Lang};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).expect("valid date")
}

fn run(lang: Lang, verbs: &[&str], dates: &[(&str, &str)], amounts: &[(&str, f64)]) {
    let mut failures = Vec::new();
    let mut total = 0;
    for (vi, verb) in verbs.iter().enumerate() {
        for (di, (date_text, want_date)) in dates.iter().enumerate() {
            for (ai, (amount_text, want_amount)) in amounts.iter().enumerate() {
                let parts = match (vi + di + ai) % 4 {
                    0 => [verb, date_text, amount_text],
                    1 => [date_text, verb, amount_text],
                    2 => [verb, amount_text, date_text],
                    _ => [amount_text, date_text, verb],
                };
                let text = parts.map(|p| p.to_string()).join(" ");
                let got = understand(&text, lang, today());
                total += 1;
                let date_ok = got.date.map(|d| d.to_string()).as_deref() == Some(*want_date);
                let amount_ok = got.amount.is_some_and(|a| (a - want_amount).abs() < 0.005);
                if !(date_ok && amount_ok && got.intent == Intent::PromiseToPay) {
                    failures.push(format!(
                        "`{text}` → {} {:?} {:?}; want {want_date} {want_amount}",
                        got.intent.name(),
                        got.date,
                        got.amount
                    ));
                }
            }
        }
    }
    println!(
        "{lang:?}: {}/{total} combinations pass",
        total - failures.len()
    );
    for f in failures.iter().take(50) {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} combinations fail",
        failures.len()
    );
}

#[test]
fn russian_promises_with_dates_and_amounts() {
    run(
        Lang::Ru,
        &[
            "заплачу",
            "оплачу",
            "внесу",
            "переведу",
            "могу оплатить",
            "постараюсь внести",
            "скину",
        ],
        &[
            ("в пятницу", "2026-11-20"),
            ("пятнадцатого", "2026-12-15"),
            ("двадцать первого числа", "2026-11-21"),
            ("через три дня", "2026-11-21"),
            ("послезавтра", "2026-11-20"),
            ("первого декабря", "2026-12-01"),
            ("до конца месяца", "2026-11-30"),
            ("в следующий вторник", "2026-11-24"),
            ("25.12", "2026-12-25"),
            ("10 числа", "2026-12-10"),
            ("через неделю", "2026-11-25"),
            ("завтра", "2026-11-19"),
            ("к двадцатому", "2026-11-20"),
            ("тридцатого ноября", "2026-11-30"),
            ("до конца недели", "2026-11-22"),
            ("третьего", "2026-12-03"),
        ],
        &[
            ("пять тысяч", 5000.0),
            ("две тысячи пятьсот", 2500.0),
            ("полторы тысячи", 1500.0),
            ("тысячу двести", 1200.0),
            ("15 тыс", 15000.0),
            ("2,5 тысячи", 2500.0),
            ("три тысячи рублей", 3000.0),
            ("500 рублей", 500.0),
            ("сто двадцать тысяч", 120_000.0),
            ("семьсот пятьдесят рублей", 750.0),
            ("двадцать одну тысячу", 21_000.0),
            ("четыре с половиной тысячи", 4500.0),
            ("3000", 3000.0),
        ],
    );
}

#[test]
fn english_promises_with_dates_and_amounts() {
    run(
        Lang::En,
        &[
            "i will pay",
            "i'll pay",
            "i can pay",
            "i'll send",
            "i am going to pay",
            "we will pay",
        ],
        &[
            ("on friday", "2026-11-20"),
            ("on the 15th", "2026-12-15"),
            ("on the twenty first", "2026-11-21"),
            ("in three days", "2026-11-21"),
            ("the day after tomorrow", "2026-11-20"),
            ("on december first", "2026-12-01"),
            ("by the end of the month", "2026-11-30"),
            ("next tuesday", "2026-11-24"),
            ("on 12/25", "2026-12-25"),
            ("tomorrow", "2026-11-19"),
            ("in a week", "2026-11-25"),
            ("by the 20th", "2026-11-20"),
            ("on november 30th", "2026-11-30"),
            ("by the end of the week", "2026-11-22"),
            ("on the third", "2026-12-03"),
        ],
        &[
            ("five thousand dollars", 5000.0),
            ("two thousand five hundred", 2500.0),
            ("fifteen hundred dollars", 1500.0),
            ("$1,200", 1200.0),
            ("three hundred bucks", 300.0),
            ("$50", 50.0),
            ("a thousand dollars", 1000.0),
            ("two hundred and fifty dollars", 250.0),
            ("twenty five dollars", 25.0),
            ("2k", 2000.0),
        ],
    );
}
