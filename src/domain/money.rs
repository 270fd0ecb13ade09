//! Money: amounts are integer minor units (kopecks, cents) everywhere; decimal text and floating-point numbers
//! exist only at the edges (files, templates, speech), converted by these functions.

/// Minor units in one major unit (every currency softcall handles has two decimal places).
pub const MINOR_PER_MAJOR: i64 = 100;

/// Parses a plain decimal amount in major units (`12500`, `12500.5`, `19.99`) into minor units, exactly.
///
/// Returns `None` for a negative amount, more than two decimal places, or anything that is not such a number.
pub fn minor_units(decimal: &str) -> Option<i64> {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(MINOR_PER_MAJOR)?
        .checked_add(frac)
}

/// Minor units of an amount a JSON file wrote as a number of major units (`1250.5` → `125050`).
///
/// The number is read back as the shortest decimal that denotes it — the digits the file had — so `19.99` gives
/// `1999`, not the `1998` that multiplying the float by 100 and truncating would.
pub fn minor_units_of_number(major: f64) -> Option<i64> {
    if !major.is_finite() {
        return None;
    }
    minor_units(&major.to_string())
}

/// The amount in major units as a floating-point number, for speech and template arithmetic.
pub fn major_units(minor: i64) -> f64 {
    minor as f64 / MINOR_PER_MAJOR as f64
}

/// Minor units of an amount the debtor said (a number of major units from understanding), to the nearest one.
pub fn minor_units_of_spoken(major: f64) -> i64 {
    (major * MINOR_PER_MAJOR as f64).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_minor_units_exactly() {
        assert_eq!(minor_units("12500"), Some(1_250_000));
        assert_eq!(minor_units("12500.5"), Some(1_250_050));
        assert_eq!(minor_units("0.07"), Some(7));
        assert_eq!(minor_units("1.234"), None);
        assert_eq!(minor_units("-5"), None);
        assert_eq!(minor_units(".5"), None);
        assert_eq!(minor_units("1e3"), None);
    }

    #[test]
    fn json_numbers_keep_their_written_digits() {
        assert_eq!((19.99_f64 * 100.0) as i64, 1998, "the trap this avoids");
        assert_eq!(minor_units_of_number(19.99), Some(1999));
        assert_eq!(minor_units_of_number(1250.5), Some(125_050));
        assert_eq!(minor_units_of_number(5000.0), Some(500_000));
        assert_eq!(
            minor_units_of_number(0.1 + 0.2),
            None,
            "0.30000000000000004 has too many places"
        );
        assert_eq!(minor_units_of_number(f64::NAN), None);
        assert_eq!(major_units(1_250_050), 12500.5);
        assert_eq!(minor_units_of_spoken(5000.0), 500_000);
    }
}
