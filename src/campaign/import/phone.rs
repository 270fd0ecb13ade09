//! Phone numbers to E.164, with the Russian habits of writing them ("8 9xx…", "+7 (9xx)…", "9xx…").

/// Why a phone cell could not be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// The cell has letters or symbols that are not part of a phone number.
    #[error("phone `{0}` contains characters other than digits, spaces, brackets, dashes and a leading +")]
    BadCharacters(String),
    /// Too few or too many digits for any numbering plan.
    #[error("phone `{0}` has {1} digits; a Russian number has 10 after the country code (e.g. +7 912 345-67-89)")]
    WrongLength(String, usize),
    /// A +7 number whose first digit after the country code no Russian or Kazakh range uses.
    #[error("phone `{0}`: +7 numbers start with 3, 4, 7, 8 or 9 after the country code")]
    BadRange(String),
}

/// Normalises one phone number to E.164 (`+79123456789`).
pub fn normalize(raw: &str) -> Result<String, PhoneError> {
    let text = raw.trim();
    let mut digits = String::new();
    let mut plus = false;
    for (i, c) in text.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '\u{a0}' | '-' | '(' | ')' | '.' => {}
            _ => return Err(PhoneError::BadCharacters(raw.to_string())),
        }
    }
    let national = if plus {
        if let Some(rest) = digits.strip_prefix('7') {
            rest.to_string()
        } else {
            // Other countries: accept any E.164-sized number as written.
            return if (8..=15).contains(&digits.len()) {
                Ok(format!("+{digits}"))
            } else {
                Err(PhoneError::WrongLength(raw.to_string(), digits.len()))
            };
        }
    } else {
        match digits.len() {
            11 if digits.starts_with('8') || digits.starts_with('7') => digits[1..].to_string(),
            10 => digits.clone(),
            n => return Err(PhoneError::WrongLength(raw.to_string(), n)),
        }
    };
    if national.len() != 10 {
        return Err(PhoneError::WrongLength(raw.to_string(), national.len()));
    }
    if !matches!(national.as_bytes()[0], b'3' | b'4' | b'7' | b'8' | b'9') {
        return Err(PhoneError::BadRange(raw.to_string()));
    }
    Ok(format!("+7{national}"))
}

/// Splits a cell that may hold several phones (`,`, `;`, `|` or `/` between them) and normalises each.
pub fn normalize_list(cell: &str) -> Result<Vec<String>, PhoneError> {
    cell.split([',', ';', '|', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(normalize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_forms_become_e164() {
        for raw in [
            "8 912 345-67-89",
            "+7 (912) 345-67-89",
            "9123456789",
            "79123456789",
            "89123456789",
            "+7-912-345-67-89",
            "8(912)3456789",
        ] {
            assert_eq!(normalize(raw).unwrap(), "+79123456789", "{raw}");
        }
        assert_eq!(normalize("8 (495) 123-45-67").unwrap(), "+74951234567");
        assert_eq!(normalize("+1 202 555 0143").unwrap(), "+12025550143");
    }

    #[test]
    fn bad_phones_say_why() {
        assert!(matches!(
            normalize("912-34"),
            Err(PhoneError::WrongLength(_, 5))
        ));
        assert!(matches!(
            normalize("8 912 abc"),
            Err(PhoneError::BadCharacters(_))
        ));
        assert!(matches!(
            normalize("+7 012 345 67 89"),
            Err(PhoneError::BadRange(_))
        ));
        assert!(matches!(
            normalize("8912345678901"),
            Err(PhoneError::WrongLength(_, 13))
        ));
    }

    #[test]
    fn cells_with_several_phones() {
        assert_eq!(
            normalize_list("8 912 345-67-89, +7 (495) 123-45-67").unwrap(),
            vec!["+79123456789", "+74951234567"]
        );
        assert!(normalize_list("  ").unwrap().is_empty());
    }
}
