//! Verbalisation tables: money with agreement, dates, counts.

use chrono::NaiveDate;
use softcall::dialog::nlu::Lang;
use softcall::dialog::verbalize::{speak_amount, speak_count, speak_date, DAY, MONTH, WEEK};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid test date")
}

fn report(failures: Vec<String>, rows: usize, what: &str) {
    println!("{what}: {}/{rows} rows pass", rows - failures.len());
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{what}: {} rows fail", failures.len());
}

#[test]
fn russian_money_agreement() {
    let rows: &[(f64, &str, &str)] = &[
        (1.0, "RUB", "один рубль"),
        (2.0, "RUB", "два рубля"),
        (5.0, "RUB", "пять рублей"),
        (11.0, "RUB", "одиннадцать рублей"),
        (21.0, "RUB", "двадцать один рубль"),
        (22.0, "RUB", "двадцать два рубля"),
        (112.0, "RUB", "сто двенадцать рублей"),
        (1000.0, "RUB", "тысяча рублей"),
        (2000.0, "RUB", "две тысячи рублей"),
        (5000.0, "RUB", "пять тысяч рублей"),
        (21000.0, "RUB", "двадцать одна тысяча рублей"),
        (22000.0, "RUB", "двадцать две тысячи рублей"),
        (2500.0, "RUB", "две тысячи пятьсот рублей"),
        (
            1250.5,
            "RUB",
            "тысяча двести пятьдесят рублей пятьдесят копеек",
        ),
        (1.01, "RUB", "один рубль одна копейка"),
        (3.02, "RUB", "три рубля две копейки"),
        (0.5, "RUB", "пятьдесят копеек"),
        (0.0, "RUB", "ноль рублей"),
        (11111.0, "RUB", "одиннадцать тысяч сто одиннадцать рублей"),
        (1_000_000.0, "RUB", "один миллион рублей"),
        (
            2_341_000.0,
            "RUB",
            "два миллиона триста сорок одна тысяча рублей",
        ),
        (101.0, "USD", "сто один доллар"),
        (3.0, "USD", "три доллара"),
        (12.21, "USD", "двенадцать долларов двадцать один цент"),
        (1.0, "EUR", "одно евро"),
        (2.0, "EUR", "два евро"),
        (45.0, "EUR", "сорок пять евро"),
        (
            1999.99,
            "RUB",
            "тысяча девятьсот девяносто девять рублей девяносто девять копеек",
        ),
    ];
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(a, c, want)| {
            let got = speak_amount(*a, c, Lang::Ru);
            (got != *want).then(|| format!("{a} {c}: `{got}`, want `{want}`"))
        })
        .collect();
    report(failures, rows.len(), "russian money");
}

#[test]
fn english_money() {
    let rows: &[(f64, &str, &str)] = &[
        (
            1250.5,
            "USD",
            "one thousand two hundred fifty dollars and fifty cents",
        ),
        (1.0, "USD", "one dollar"),
        (1.01, "USD", "one dollar and one cent"),
        (0.99, "USD", "ninety nine cents"),
        (15.0, "EUR", "fifteen euros"),
        (2500.0, "RUB", "two thousand five hundred rubles"),
        (100000.0, "USD", "one hundred thousand dollars"),
        (21.0, "GBP", "twenty one pounds"),
        (1_000_001.0, "USD", "one million one dollars"),
    ];
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(a, c, want)| {
            let got = speak_amount(*a, c, Lang::En);
            (got != *want).then(|| format!("{a} {c}: `{got}`, want `{want}`"))
        })
        .collect();
    report(failures, rows.len(), "english money");
}

#[test]
fn dates_in_words() {
    let rows: &[(&str, Lang, &str)] = &[
        ("2026-11-25", Lang::Ru, "двадцать пятого ноября"),
        ("2026-12-01", Lang::Ru, "первого декабря"),
        ("2026-03-03", Lang::Ru, "третьего марта"),
        ("2026-05-14", Lang::Ru, "четырнадцатого мая"),
        ("2026-01-20", Lang::Ru, "двадцатого января"),
        ("2026-08-31", Lang::Ru, "тридцать первого августа"),
        ("2026-02-04", Lang::Ru, "четвёртого февраля"),
        ("2026-11-25", Lang::En, "November twenty fifth"),
        ("2026-12-01", Lang::En, "December first"),
        ("2026-03-02", Lang::En, "March second"),
        ("2026-05-13", Lang::En, "May thirteenth"),
        ("2026-01-30", Lang::En, "January thirtieth"),
        ("2026-08-23", Lang::En, "August twenty third"),
    ];
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(d, lang, want)| {
            let got = speak_date(date(d), *lang);
            (got != *want).then(|| format!("{d} {lang:?}: `{got}`, want `{want}`"))
        })
        .collect();
    report(failures, rows.len(), "dates");
}

#[test]
fn counts_agree() {
    let rows: Vec<(u64, &softcall::dialog::verbalize::Unit, Lang, &str)> = vec![
        (1, &DAY, Lang::Ru, "один день"),
        (2, &DAY, Lang::Ru, "два дня"),
        (5, &DAY, Lang::Ru, "пять дней"),
        (11, &DAY, Lang::Ru, "одиннадцать дней"),
        (21, &DAY, Lang::Ru, "двадцать один день"),
        (24, &DAY, Lang::Ru, "двадцать четыре дня"),
        (1, &WEEK, Lang::Ru, "одна неделя"),
        (2, &WEEK, Lang::Ru, "две недели"),
        (3, &MONTH, Lang::Ru, "три месяца"),
        (1, &DAY, Lang::En, "one day"),
        (30, &DAY, Lang::En, "thirty days"),
    ];
    let n = rows.len();
    let failures: Vec<String> = rows
        .into_iter()
        .filter_map(|(k, unit, lang, want)| {
            let got = speak_count(k, unit, lang);
            (got != want).then(|| format!("{k} {lang:?}: `{got}`, want `{want}`"))
        })
        .collect();
    report(failures, n, "counts");
}
