//! English numbers, money and dates.

use super::join_money;
use crate::dialog::nlu::numbers_en::{
    TEENS, TEEN_ORDINALS, TENS, TEN_ORDINALS, UNITS, UNIT_ORDINALS,
};
use chrono::{Datelike, NaiveDate};

fn below_thousand(n: u64, out: &mut Vec<String>) {
    let (h, rest) = (n / 100, n % 100);
    if h > 0 {
        out.push(format!("{} hundred", UNITS[h as usize]));
    }
    if rest == 0 {
        return;
    }
    if rest < 10 {
        out.push(UNITS[rest as usize].into());
    } else if rest < 20 {
        out.push(TEENS[(rest - 10) as usize].into());
    } else if rest % 10 == 0 {
        out.push(TENS[(rest / 10) as usize].into());
    } else {
        out.push(format!(
            "{} {}",
            TENS[(rest / 10) as usize],
            UNITS[(rest % 10) as usize]
        ));
    }
}

/// A cardinal number in words without "and": "one thousand two hundred fifty".
pub fn cardinal(n: u64) -> String {
    if n == 0 {
        return "zero".into();
    }
    let mut words = Vec::new();
    let mut rest = n;
    for (size, name) in [
        (1_000_000_000_000u64, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ] {
        let k = rest / size;
        rest %= size;
        if k > 0 {
            words.push(cardinal(k));
            words.push(name.into());
        }
    }
    below_thousand(rest, &mut words);
    words.join(" ")
}

fn currency_forms(code: &str) -> Option<([&'static str; 2], [&'static str; 2])> {
    Some(match code.to_ascii_uppercase().as_str() {
        "USD" | "$" => (["dollar", "dollars"], ["cent", "cents"]),
        "EUR" | "€" => (["euro", "euros"], ["cent", "cents"]),
        "RUB" | "RUR" | "₽" => (["ruble", "rubles"], ["kopeck", "kopecks"]),
        "GBP" | "£" => (["pound", "pounds"], ["penny", "pence"]),
        "CAD" | "AUD" => (["dollar", "dollars"], ["cent", "cents"]),
        _ => return None,
    })
}

/// Money in words: "one thousand two hundred fifty dollars and fifty cents".
pub fn money(major: u64, minor: u64, currency: &str) -> String {
    let Some((major_forms, minor_forms)) = currency_forms(currency) else {
        let mut s = cardinal(major);
        if minor > 0 {
            s = format!("{s} point {}", cardinal(minor));
        }
        return format!("{s} {currency}");
    };
    let pick = |n: u64, forms: [&'static str; 2]| if n == 1 { forms[0] } else { forms[1] };
    join_money(
        major,
        minor,
        format!("{} {}", cardinal(major), pick(major, major_forms)),
        format!("{} {}", cardinal(minor), pick(minor, minor_forms)),
        " and ",
    )
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_ordinal(day: u32) -> String {
    let (t, u) = ((day / 10) as usize, (day % 10) as usize);
    match (t, u) {
        (0, _) => UNIT_ORDINALS[u].into(),
        (1, _) => TEEN_ORDINALS[u].into(),
        (_, 0) => TEN_ORDINALS[t].into(),
        _ => format!("{} {}", TENS[t], UNIT_ORDINALS[u]),
    }
}

/// "November twenty fifth".
pub fn date(d: NaiveDate) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], day_ordinal(d.day()))
}
