//! Russian numerals with gender and plural agreement, money and dates.

use super::join_money;
use crate::dialog::nlu::numbers_ru;
use chrono::{Datelike, NaiveDate};

/// Grammatical gender of a Russian noun, deciding "один/одна/одно" and "два/две".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Masculine: рубль, день, доллар.
    Masculine,
    /// Feminine: тысяча, копейка, неделя.
    Feminine,
    /// Neuter: евро (indeclinable), обещание.
    Neuter,
}

/// Which of the three Russian noun forms follows `n`: 0 for 1 (21, 101…), 1 for 2–4 (22…), 2 for 5–20 and 0.
pub fn plural_index(n: u64) -> usize {
    let (m10, m100) = (n % 10, n % 100);
    if (11..=14).contains(&m100) {
        2
    } else if m10 == 1 {
        0
    } else if (2..=4).contains(&m10) {
        1
    } else {
        2
    }
}

/// The nominative word for 1–19, a whole ten or a whole hundred, from the understanding's cardinal table.
fn nominative(value: usize) -> &'static str {
    numbers_ru::nominative(value as u64)
        .expect("the cardinal table holds 0–20, every ten and every hundred")
}

/// Words for 1–999 in the given gender.
fn below_thousand(n: u64, gender: Gender, out: &mut Vec<String>) {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    if h > 0 {
        out.push(nominative(100 * h).into());
    }
    if t == 1 {
        out.push(nominative(10 + u).into());
        return;
    }
    if t > 1 {
        out.push(nominative(10 * t).into());
    }
    if u > 0 {
        let word = match (u, gender) {
            (1, Gender::Feminine) => "одна",
            (1, Gender::Neuter) => "одно",
            (2, Gender::Feminine) => "две",
            _ => nominative(u),
        };
        out.push(word.into());
    }
}

/// A cardinal number in words, agreeing with a noun of `gender` ("двадцать одна", "два").
pub fn cardinal(n: u64, gender: Gender) -> String {
    if n == 0 {
        return "ноль".into();
    }
    let scales: [(u64, Gender, [&str; 3]); 3] = [
        (
            1_000_000_000,
            Gender::Masculine,
            ["миллиард", "миллиарда", "миллиардов"],
        ),
        (
            1_000_000,
            Gender::Masculine,
            ["миллион", "миллиона", "миллионов"],
        ),
        (1_000, Gender::Feminine, ["тысяча", "тысячи", "тысяч"]),
    ];
    let mut words: Vec<String> = Vec::new();
    let mut rest = n;
    for (size, g, forms) in scales {
        let k = rest / size;
        rest %= size;
        if k == 0 {
            continue;
        }
        // "тысяча двести", not "одна тысяча двести", when the number starts with exactly one thousand.
        if !(k == 1 && size == 1_000 && words.is_empty()) {
            if k >= 1000 {
                words.push(cardinal(k, g));
            } else {
                below_thousand(k, g, &mut words);
            }
        }
        words.push(forms[plural_index(k)].into());
    }
    below_thousand(rest, gender, &mut words);
    words.join(" ")
}

/// Currency names: major forms and gender, minor forms and gender.
fn currency_forms(code: &str) -> Option<([&'static str; 3], Gender, [&'static str; 3], Gender)> {
    Some(match code.to_ascii_uppercase().as_str() {
        "RUB" | "RUR" | "₽" | "РУБ" => (
            ["рубль", "рубля", "рублей"],
            Gender::Masculine,
            ["копейка", "копейки", "копеек"],
            Gender::Feminine,
        ),
        "USD" | "$" => (
            ["доллар", "доллара", "долларов"],
            Gender::Masculine,
            ["цент", "цента", "центов"],
            Gender::Masculine,
        ),
        "EUR" | "€" => (
            ["евро", "евро", "евро"],
            Gender::Neuter,
            ["цент", "цента", "центов"],
            Gender::Masculine,
        ),
        "GBP" | "£" => (
            ["фунт", "фунта", "фунтов"],
            Gender::Masculine,
            ["пенс", "пенса", "пенсов"],
            Gender::Masculine,
        ),
        "KZT" => (
            ["тенге", "тенге", "тенге"],
            Gender::Masculine,
            ["тиын", "тиына", "тиынов"],
            Gender::Masculine,
        ),
        _ => return None,
    })
}

/// Money in words: "тысяча двести пятьдесят рублей пятьдесят копеек".
pub fn money(major: u64, minor: u64, currency: &str) -> String {
    let Some((major_forms, major_gender, minor_forms, minor_gender)) = currency_forms(currency)
    else {
        let mut s = cardinal(major, Gender::Masculine);
        if minor > 0 {
            s = format!("{s} целых {} сотых", cardinal(minor, Gender::Feminine));
        }
        return format!("{s} {currency}");
    };
    let major_part = format!(
        "{} {}",
        cardinal(major, major_gender),
        major_forms[plural_index(major)]
    );
    let minor_part = format!(
        "{} {}",
        cardinal(minor, minor_gender),
        minor_forms[plural_index(minor)]
    );
    join_money(major, minor, major_part, minor_part, " ")
}

const ORDINAL_UNITS_GEN: [&str; 10] = [
    "",
    "первого",
    "второго",
    "третьего",
    "четвёртого",
    "пятого",
    "шестого",
    "седьмого",
    "восьмого",
    "девятого",
];
const ORDINAL_TEENS_GEN: [&str; 10] = [
    "десятого",
    "одиннадцатого",
    "двенадцатого",
    "тринадцатого",
    "четырнадцатого",
    "пятнадцатого",
    "шестнадцатого",
    "семнадцатого",
    "восемнадцатого",
    "девятнадцатого",
];
const MONTHS_GEN: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// Day of month as a genitive ordinal: "двадцать пятого".
fn day_ordinal(day: u32) -> String {
    let (t, u) = ((day / 10) as usize, (day % 10) as usize);
    match (t, u) {
        (1, _) => ORDINAL_TEENS_GEN[u].into(),
        (0, _) => ORDINAL_UNITS_GEN[u].into(),
        (2, 0) => "двадцатого".into(),
        (3, 0) => "тридцатого".into(),
        (_, _) => format!("{} {}", nominative(10 * t), ORDINAL_UNITS_GEN[u]),
    }
}

/// "двадцать пятого ноября".
pub fn date(d: NaiveDate) -> String {
    format!(
        "{} {}",
        day_ordinal(d.day()),
        MONTHS_GEN[d.month0() as usize]
    )
}
