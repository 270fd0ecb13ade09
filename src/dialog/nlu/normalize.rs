//! Normalisation and tokenising: lower case, ё→е, punctuation removed, digits turned into number tokens.
//!
//! Recogniser output ("пятнадцатого декабря две тысячи") and typed text ("15.12 заплачу 2 500р") both end up
//! as the same token stream, so every later stage sees one shape of input.

use super::Lang;

/// One token of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A normalised word (lower case, ё→е, no punctuation; English contractions expanded).
    Word(String),
    /// A number written with digits; `ordinal` when it carried an ordinal suffix ("15-го", "15th").
    Digits {
        /// The value, with decimal and thousands separators resolved and "k"/"тыс" suffixes applied.
        value: f64,
        /// True for "15-го", "15е", "21st".
        ordinal: bool,
        /// True when a thousands suffix such as "5к" or "5k" was attached.
        multiplied: bool,
    },
    /// A numeric day and month such as "15.12" or "15.12.2026".
    DayMonth {
        /// Day of month, 1–31.
        day: u32,
        /// Month, 1–12.
        month: u32,
        /// Year when written.
        year: Option<i32>,
    },
    /// A clock time such as "17:30" or "5pm".
    Clock,
}

impl Token {
    /// The word, when the token is a word.
    pub fn word(&self) -> Option<&str> {
        match self {
            Token::Word(w) => Some(w),
            _ => None,
        }
    }
}

/// Lower-cases, folds ё into е and unifies apostrophes and dashes.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            'ё' => 'е',
            '’' | '‘' | '`' | 'ʼ' => '\'',
            '–' | '—' | '−' => '-',
            '\u{a0}' | '\u{202f}' => ' ',
            other => other,
        })
        .collect()
}

/// Splits an utterance into tokens.
pub fn tokenize(text: &str, lang: Lang) -> Vec<Token> {
    let folded = fold(text);
    let mut out = Vec::new();
    for chunk in folded.split_whitespace() {
        chunk_tokens(chunk, lang, &mut out);
    }
    merge_thousand_groups(&mut out);
    merge_ordinal_suffixes(&mut out);
    match lang {
        Lang::Ru => merge_particles(&mut out),
        Lang::En => split_ill(&mut out),
    }
    out
}

/// "15 го", "21 st": an ordinal suffix typed apart from its number.
fn merge_ordinal_suffixes(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let suffix = matches!(
            tokens[i + 1].word(),
            Some("го" | "ого" | "ое" | "е" | "й" | "му" | "th" | "st" | "nd" | "rd")
        );
        if let (
            Token::Digits {
                value,
                ordinal: false,
                multiplied: false,
            },
            true,
        ) = (&tokens[i], suffix)
        {
            tokens[i] = Token::Digits {
                value: *value,
                ordinal: true,
                multiplied: false,
            };
            tokens.remove(i + 1);
        }
        i += 1;
    }
}

/// Typed "ill pay" (apostrophe dropped) is "i will pay" when a verb follows.
fn split_ill(tokens: &mut Vec<Token>) {
    const VERBS: &[&str] = &[
        "pay",
        "send",
        "call",
        "have",
        "do",
        "make",
        "try",
        "get",
        "be",
        "transfer",
        "settle",
        "put",
        "give",
        "wire",
        "deposit",
        "take",
        "definitely",
        "probably",
        "just",
        "see",
    ];
    let mut i = 0;
    while i + 1 < tokens.len() {
        if tokens[i].word() == Some("ill")
            && tokens[i + 1].word().is_some_and(|w| VERBS.contains(&w))
        {
            tokens[i] = Token::Word("i".into());
            tokens.insert(i + 1, Token::Word("will".into()));
            i += 1;
        }
        i += 1;
    }
}

/// Russian indefinite pronouns written apart by the recogniser ("где то", "что то") become one word, so
/// "где то через неделю" is not read as the question "где".
fn merge_particles(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let merged = match (tokens[i].word(), tokens[i + 1].word()) {
            (
                Some(a @ ("где" | "что" | "кто" | "когда" | "как" | "куда" | "какой" | "какая")),
                Some("то"),
            )
            | (Some(a @ ("где" | "что" | "кто" | "когда" | "как")), Some("нибудь")) => {
                Some(format!("{a}то"))
            }
            _ => None,
        };
        if let Some(w) = merged {
            tokens[i] = Token::Word(w);
            tokens.remove(i + 1);
        }
        i += 1;
    }
}

/// Splits a pattern or lexicon phrase into plain words the same way utterances are split.
pub fn words(text: &str, lang: Lang) -> Vec<String> {
    tokenize(text, lang)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn chunk_tokens(chunk: &str, lang: Lang, out: &mut Vec<Token>) {
    let trimmed = chunk.trim_matches(|c: char| {
        !(c.is_alphanumeric() || c == '$' || c == '€' || c == '₽' || c == '£')
    });
    if trimmed.is_empty() {
        return;
    }
    if let Some(tok) = date_token(trimmed, lang) {
        out.push(tok);
        return;
    }
    if is_clock(trimmed) {
        out.push(Token::Clock);
        return;
    }
    if trimmed.chars().any(|c| c.is_ascii_digit()) {
        number_chunk(trimmed, lang, out);
        return;
    }
    word_chunk(trimmed, lang, out);
}

/// "15.12", "15.12.2026", "12/15" (English month first), "2026-12-15".
fn date_token(s: &str, lang: Lang) -> Option<Token> {
    let parts: Vec<&str> = s.split(['.', '/', '-']).collect();
    if parts.len() < 2
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let sep = s.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != parts.len() {
        return None;
    }
    if parts.len() == 3 && parts[0].len() == 4 {
        return Some(Token::DayMonth {
            day: nums[2],
            month: nums[1],
            year: Some(nums[0] as i32),
        });
    }
    if parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    // "2,5" and "1.5" stay numbers: a date needs a separator other than a decimal comma and a plausible month.
    if sep == '-' && parts.len() == 2 {
        return None;
    }
    let (a, b) = (nums[0], nums[1]);
    let month_first = lang == Lang::En && sep == '/';
    let (day, month) = if month_first && a <= 12 && b <= 31 {
        (b, a)
    } else {
        (a, b)
    };
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    if parts.len() == 2 && sep == '.' && (parts[1].len() != 2 || lang == Lang::En) {
        // "1.5" and "15.5" are decimal numbers; "15.12" is a date only in Russian text.
        return None;
    }
    let year = if parts.len() == 3 {
        let y = nums[2] as i32;
        Some(if parts[2].len() == 2 { 2000 + y } else { y })
    } else {
        None
    };
    Some(Token::DayMonth { day, month, year })
}

fn is_clock(s: &str) -> bool {
    let lower = s.trim_end_matches(['a', 'p', 'm', '.']);
    let is_ampm = s.ends_with("am") || s.ends_with("pm");
    let digits_colon = |x: &str| {
        let parts: Vec<&str> = x.split(':').collect();
        parts.len() == 2
            && parts[0].len() <= 2
            && parts[1].len() == 2
            && parts
                .iter()
                .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
    };
    if digits_colon(s) {
        return true;
    }
    is_ampm
        && !lower.is_empty()
        && (lower.chars().all(|c| c.is_ascii_digit()) || digits_colon(lower))
}

const ORDINAL_SUFFIXES: &[&str] = &[
    "го", "ого", "его", "е", "ое", "ее", "й", "ый", "ий", "ой", "му", "ому", "ему", "ом", "ем",
    "ая", "th", "st", "nd", "rd",
];
const THOUSAND_SUFFIXES: &[&str] = &["к", "k", "т", "тыс", "тысяч", "тысячи", "тыщ", "грн"];
const CURRENCY_SUFFIXES: &[(&str, &str)] = &[
    ("р", "руб"),
    ("руб", "руб"),
    ("рублей", "рублей"),
    ("рубля", "рубля"),
    ("тр", "тр"),
    ("usd", "dollars"),
    ("eur", "euros"),
    ("rub", "rubles"),
];

/// A chunk with digits: "2500", "2,5", "1,250.50", "15-го", "5000р", "$50", "5к", "21st".
fn number_chunk(s: &str, lang: Lang, out: &mut Vec<Token>) {
    let mut rest = s;
    let mut currency_before = None;
    for (sym, word) in [
        ("$", "dollars"),
        ("€", "euros"),
        ("₽", "руб"),
        ("£", "pounds"),
    ] {
        if let Some(r) = rest.strip_prefix(sym) {
            currency_before = Some(word);
            rest = r;
        }
    }
    let mut currency_after = None;
    for (sym, word) in [
        ("$", "dollars"),
        ("€", "euros"),
        ("₽", "руб"),
        ("£", "pounds"),
    ] {
        if let Some(r) = rest.strip_suffix(sym) {
            currency_after = Some(word);
            rest = r;
        }
    }
    let num_end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let (num_text, suffix_raw) = rest.split_at(num_end);
    let num_text = num_text.trim_end_matches(['.', ',']);
    let suffix = suffix_raw.trim_start_matches(['-', '.']);
    let Some(value) = parse_digits(num_text, suffix) else {
        word_chunk(s, lang, out);
        return;
    };
    let mut ordinal = false;
    let mut multiplied = false;
    let mut value = value;
    let mut trailing_word: Option<String> = None;
    if !suffix.is_empty() {
        if ORDINAL_SUFFIXES.contains(&suffix) {
            ordinal = true;
        } else if THOUSAND_SUFFIXES.contains(&suffix) {
            value *= 1000.0;
            multiplied = true;
        } else if suffix == "m" || suffix == "млн" || suffix == "kk" || suffix == "кк" {
            value *= 1_000_000.0;
            multiplied = true;
        } else if let Some((_, w)) = CURRENCY_SUFFIXES.iter().find(|(k, _)| *k == suffix) {
            if *w == "тр" {
                value *= 1000.0;
                multiplied = true;
                trailing_word = Some("руб".into());
            } else {
                trailing_word = Some((*w).into());
            }
        } else if suffix.chars().all(|c| c.is_alphabetic()) {
            trailing_word = Some(suffix.to_string());
        } else {
            word_chunk(suffix, lang, out);
        }
    }
    out.push(Token::Digits {
        value,
        ordinal,
        multiplied,
    });
    if let Some(w) = trailing_word {
        word_chunk(&w, lang, out);
    }
    if let Some(c) = currency_before.or(currency_after) {
        out.push(Token::Word(c.to_string()));
    }
}

/// Resolves decimal and thousands separators: "2,5" = 2.5, "1,250" = 1250, "1 250.50" handled by merging.
fn parse_digits(text: &str, suffix: &str) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    let seps: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| *c == '.' || *c == ',')
        .collect();
    let multiplier_follows = THOUSAND_SUFFIXES.contains(&suffix);
    let cleaned: String = match seps.len() {
        0 => text.to_string(),
        1 => {
            let (i, _) = seps[0];
            let after = &text[i + 1..];
            let before = &text[..i];
            let grouping =
                after.len() == 3 && (1..=3).contains(&before.len()) && !multiplier_follows;
            if grouping {
                format!("{before}{after}")
            } else {
                format!("{before}.{after}")
            }
        }
        _ => {
            // Several separators: the last one is decimal if it differs from the others, else all group.
            let last = seps[seps.len() - 1];
            let all_same = seps.iter().all(|(_, c)| *c == last.1);
            let mut s = String::new();
            for (i, ch) in text.char_indices() {
                if ch == '.' || ch == ',' {
                    if !all_same && i == last.0 {
                        s.push('.');
                    }
                } else {
                    s.push(ch);
                }
            }
            s
        }
    };
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Words of one chunk: splits on hyphens and other punctuation, expands English contractions, folds slang.
fn word_chunk(s: &str, lang: Lang, out: &mut Vec<Token>) {
    let expanded = if lang == Lang::En {
        expand_contractions(s)
    } else {
        s.to_string()
    };
    for part in expanded.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let part = part.trim_matches('\'');
        if part.is_empty() {
            continue;
        }
        if part.chars().any(|c| c.is_ascii_digit()) && part != expanded {
            number_chunk(part, lang, out);
            continue;
        }
        let part = part.replace('\'', "");
        for w in colloquial(&part, lang) {
            out.push(Token::Word(w.to_string()));
        }
    }
}

fn expand_contractions(s: &str) -> String {
    let mut t = s.to_string();
    for (from, to) in [
        ("won't", "will not"),
        ("can't", "can not"),
        ("cannot", "can not"),
        ("shan't", "shall not"),
        ("ain't", "am not"),
        ("n't", " not"),
        ("'ll", " will"),
        ("'m", " am"),
        ("'re", " are"),
        ("'ve", " have"),
        ("'d", " would"),
        ("'s", " is"),
    ] {
        t = t.replace(from, to);
    }
    t
}

/// Colloquial and apostrophe-less spellings mapped to the words the lexicons use.
fn colloquial(w: &str, lang: Lang) -> Vec<&str> {
    let mapped: &[&str] = match (lang, w) {
        (Lang::Ru, "щас" | "ща" | "счас" | "щаз" | "сча") => &["сейчас"],
        (Lang::Ru, "седня" | "сення" | "сегодн" | "седни") => &["сегодня"],
        (Lang::Ru, "чо" | "че" | "шо" | "чë") => &["что"],
        (Lang::Ru, "ваще") => &["вообще"],
        (Lang::Ru, "заплочу" | "заплачю") => &["заплачу"],
        (Lang::Ru, "оплочу" | "оплачю") => &["оплачу"],
        (Lang::Ru, "завтро") => &["завтра"],
        (Lang::Ru, "послезавтро") => &["послезавтра"],
        (Lang::Ru, "нету") => &["нет"],
        (Lang::Ru, "токо" | "тока") => &["только"],
        (Lang::Ru, "канешно" | "конешно" | "канешна" | "конечна" | "кнч") => {
            &["конечно"]
        }
        (Lang::Ru, "пожалуста" | "пожалуйсто" | "плиз") => &["пожалуйста"],
        (Lang::Ru, "неа" | "нее" | "неее" | "не-а") => &["нет"],
        (Lang::Ru, "ок" | "окей" | "окэй" | "оки" | "ok" | "okay") => &["хорошо"],
        (Lang::Ru, "тыща" | "тыщи" | "тыщу" | "тыщ" | "тыщей") => &["тысяча"],
        (Lang::Ru, "ребенок" | "ребенка") => &["ребенок"],
        (Lang::En, "cant") => &["can", "not"],
        (Lang::En, "dont") => &["do", "not"],
        (Lang::En, "doesnt") => &["does", "not"],
        (Lang::En, "didnt") => &["did", "not"],
        (Lang::En, "wont") => &["will", "not"],
        (Lang::En, "isnt") => &["is", "not"],
        (Lang::En, "arent") => &["are", "not"],
        (Lang::En, "wasnt") => &["was", "not"],
        (Lang::En, "havent") => &["have", "not"],
        (Lang::En, "hasnt") => &["has", "not"],
        (Lang::En, "couldnt") => &["could", "not"],
        (Lang::En, "wouldnt") => &["would", "not"],
        (Lang::En, "shouldnt") => &["should", "not"],
        (Lang::En, "im") => &["i", "am"],
        (Lang::En, "ive") => &["i", "have"],
        (Lang::En, "youre") => &["you", "are"],
        (Lang::En, "theyre") => &["they", "are"],
        (Lang::En, "thats") => &["that", "is"],
        (Lang::En, "whats") => &["what", "is"],
        (Lang::En, "ok" | "okey" | "okay" | "k") => &["okay"],
        (Lang::En, "gonna") => &["going", "to"],
        (Lang::En, "wanna") => &["want", "to"],
        (Lang::En, "gotta") => &["got", "to"],
        (Lang::En, "tmrw" | "tmr" | "tomorow" | "tommorow" | "tommorrow") => &["tomorrow"],
        (Lang::En, "u") => &["you"],
        (Lang::En, "ur") => &["your"],
        (Lang::En, "pls" | "plz") => &["please"],
        (Lang::En, "yeah" | "yea" | "ya" | "yup" | "yep") => &["yes"],
        (Lang::En, "nope" | "nah") => &["no"],
        _ => return vec![w],
    };
    mapped.to_vec()
}

/// "5 000" and "1 250 000" typed with spaces become one number.
fn merge_thousand_groups(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        if let (
            Token::Digits {
                value: a,
                ordinal: false,
                multiplied: false,
            },
            Token::Digits {
                value: b,
                ordinal: bo,
                multiplied: false,
            },
        ) = (&tokens[i], &tokens[i + 1])
        {
            let (a, b, bo) = (*a, *b, *bo);
            if a.fract() == 0.0 && (1.0..1000.0).contains(&a) && (0.0..1000.0).contains(&b) {
                // Only when the second group was written with exactly three digits; we cannot see the
                // text any more, so accept groups ≥ 100 or "000".
                if b >= 100.0 || b == 0.0 {
                    tokens[i] = Token::Digits {
                        value: a * 1000.0 + b,
                        ordinal: bo,
                        multiplied: false,
                    };
                    tokens.remove(i + 1);
                    continue;
                }
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(v: f64) -> Token {
        Token::Digits {
            value: v,
            ordinal: false,
            multiplied: false,
        }
    }

    #[test]
    fn folds_case_and_yo() {
        assert_eq!(words("Всё, ЗАПЛАЧУ!", Lang::Ru), vec!["все", "заплачу"]);
    }

    #[test]
    fn separators() {
        assert_eq!(tokenize("2,5", Lang::Ru), vec![digits(2.5)]);
        assert_eq!(tokenize("1,250", Lang::En), vec![digits(1250.0)]);
        assert_eq!(tokenize("1,250.50", Lang::En), vec![digits(1250.5)]);
        assert_eq!(tokenize("5 000", Lang::Ru), vec![digits(5000.0)]);
        assert_eq!(
            tokenize("15.12", Lang::Ru),
            vec![Token::DayMonth {
                day: 15,
                month: 12,
                year: None
            }]
        );
        assert_eq!(
            tokenize("12/15", Lang::En),
            vec![Token::DayMonth {
                day: 15,
                month: 12,
                year: None
            }]
        );
    }

    #[test]
    fn suffixes() {
        assert_eq!(
            tokenize("15-го", Lang::Ru),
            vec![Token::Digits {
                value: 15.0,
                ordinal: true,
                multiplied: false
            }]
        );
        assert_eq!(
            tokenize("5к", Lang::Ru),
            vec![Token::Digits {
                value: 5000.0,
                ordinal: false,
                multiplied: true
            }]
        );
        assert_eq!(
            tokenize("5000р", Lang::Ru),
            vec![digits(5000.0), Token::Word("руб".into())]
        );
        assert_eq!(
            tokenize("$50", Lang::En),
            vec![digits(50.0), Token::Word("dollars".into())]
        );
        assert_eq!(tokenize("17:30", Lang::Ru), vec![Token::Clock]);
    }

    #[test]
    fn contractions() {
        assert_eq!(
            words("I can't pay", Lang::En),
            vec!["i", "can", "not", "pay"]
        );
        assert_eq!(words("I'll pay", Lang::En), vec!["i", "will", "pay"]);
        assert_eq!(words("dont call", Lang::En), vec!["do", "not", "call"]);
    }
}
