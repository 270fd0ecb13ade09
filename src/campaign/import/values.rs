//! Parsing of the value kinds found in debtor and payment lists: money, dates, yes/no flags, currencies.

use chrono::NaiveDate;

use crate::domain::Lang;

/// Parses an amount such as `12 345,67`, `12345.67` or `1 000` into minor units (kopecks, cents).
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let cleaned: String = text
        .trim()
        .trim_end_matches(['₽', '$', '€'])
        .trim_end_matches("руб.")
        .trim_end_matches("руб")
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if cleaned.is_empty() {
        return Err("amount is empty".into());
    }
    if cleaned.starts_with('-') {
        return Err(format!("amount `{}` is negative", text.trim()));
    }
    let normalized = cleaned.replace(',', ".");
    let (whole, frac) = match normalized.split_once('.') {
        Some((w, f)) => (w, f),
        None => (normalized.as_str(), ""),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || !(frac.is_empty() || digits_only(frac)) || frac.len() > 2 {
        return Err(format!(
            "`{}` is not an amount (write 12345.67 or 12 345,67)",
            text.trim()
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("amount `{}` is too large", text.trim()))?;
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| format!("amount `{}` is too large", text.trim()))
}

/// Formats minor units as a decimal amount (`1234567` → `12345.67`).
pub fn format_amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// Parses `YYYY-MM-DD`, `DD.MM.YYYY` or `DD/MM/YYYY`, rejecting impossible dates like 31.02.2026.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '.', '/']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{}` is not a date (write 2026-11-23 or 23.11.2026)",
            text.trim()
        ));
    }
    let (y, m, d) = if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else {
        return Err(format!("`{}`: the year must have four digits", text.trim()));
    };
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| format!("bad year in `{t}`"))?,
        m.parse().map_err(|_| format!("bad month in `{t}`"))?,
        d.parse().map_err(|_| format!("bad day in `{t}`"))?,
    );
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| format!("`{}` is an impossible date", text.trim()))
}

/// Parses a yes/no flag: `1/0`, `да/нет`, `yes/no`, `true/false`, `y/n`, `д/н`, `x`, `+`, `-` or empty (no).
pub fn parse_flag(text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "" | "0" | "нет" | "н" | "no" | "n" | "false" | "f" | "-" => Ok(false),
        "1" | "да" | "д" | "yes" | "y" | "true" | "t" | "x" | "х" | "+" => Ok(true),
        other => Err(format!(
            "`{other}` is not a yes/no value (use 1/0, да/нет, yes/no)"
        )),
    }
}

/// Parses a language code (`ru`, `EN`) or a locale tag (`ru-RU`, `en_US`) into a language softcall speaks.
pub fn parse_language(text: &str) -> Result<Lang, String> {
    let t = text.trim();
    let primary = t.split(['-', '_']).next().unwrap_or(t);
    primary.parse::<Lang>().map_err(|_| {
        format!("`{t}` is not a language softcall speaks (write ru or en, or leave the cell empty)")
    })
}

/// Parses a currency: ISO code, or `руб`, `р`, `₽`, `$`, `€`; empty means RUB.
pub fn parse_currency(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('.').to_lowercase();
    let code = match t.as_str() {
        "" | "rub" | "rur" | "руб" | "р" | "₽" | "рубль" | "рубли" | "рублей" => {
            "RUB"
        }
        "usd" | "$" | "долл" => "USD",
        "eur" | "€" | "евро" => "EUR",
        other if other.len() == 3 && other.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Ok(other.to_uppercase());
        }
        other => {
            return Err(format!(
                "`{other}` is not a currency (use an ISO code such as RUB)"
            ))
        }
    };
    Ok(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("12 345,67").unwrap(), 1_234_567);
        assert_eq!(parse_amount("12345.6").unwrap(), 1_234_560);
        assert_eq!(parse_amount("1\u{a0}000 руб.").unwrap(), 100_000);
        assert_eq!(parse_amount("0").unwrap(), 0);
        assert!(parse_amount("-5").unwrap_err().contains("negative"));
        assert!(parse_amount("12.345").is_err());
        assert!(parse_amount("abc").is_err());
        assert_eq!(format_amount(1_234_567), "12345.67");
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(parse_date("2026-11-23").unwrap(), d);
        assert_eq!(parse_date("23.11.2026").unwrap(), d);
        assert_eq!(parse_date("23/11/2026").unwrap(), d);
        assert_eq!(parse_date("2026-11-23 00:00:00").unwrap(), d);
        assert!(parse_date("31.02.2026").unwrap_err().contains("impossible"));
        assert!(parse_date("23.11.26").is_err());
        assert!(parse_date("tomorrow").is_err());
    }

    #[test]
    fn flags_and_currencies() {
        assert!(parse_flag("Да").unwrap());
        assert!(!parse_flag("").unwrap());
        assert!(parse_flag("maybe").is_err());
        assert_eq!(parse_currency("руб.").unwrap(), "RUB");
        assert_eq!(parse_currency("kzt").unwrap(), "KZT");
        assert!(parse_currency("рупии").is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(parse_language("ru"), Ok(Lang::Ru));
        assert_eq!(parse_language(" EN "), Ok(Lang::En));
        assert_eq!(parse_language("en_US"), Ok(Lang::En));
        assert_eq!(parse_language("ru-RU"), Ok(Lang::Ru));
        let e = parse_language("fr").unwrap_err();
        assert!(e.contains("`fr`") && e.contains("ru or en"), "{e}");
        assert!(parse_language("русский").is_err());
        assert!(parse_language("-").is_err());
    }
}
