//! Russian number words: cardinals and ordinals in every case and gender, plus colloquial money words.

use super::number_words::{Level, NumWord};

/// Cardinal word forms (all cases) and their values; the nominative masculine form comes first.
const CARDINALS: &[(&[&str], f64)] = &[
    (&["ноль", "нуля", "нулю", "нулем"], 0.0),
    (
        &[
            "один",
            "одна",
            "одно",
            "одного",
            "одной",
            "одному",
            "одним",
            "одном",
            "одну",
            "одною",
        ],
        1.0,
    ),
    (
        &[
            "два",
            "две",
            "двух",
            "двум",
            "двумя",
            "пару",
            "пара",
            "пары",
            "парочку",
        ],
        2.0,
    ),
    (&["три", "трех", "трем", "тремя"], 3.0),
    (&["четыре", "четырех", "четырем", "четырьмя"], 4.0),
    (&["пять", "пяти", "пятью"], 5.0),
    (&["шесть", "шести", "шестью"], 6.0),
    (&["семь", "семи"], 7.0),
    (&["восемь", "восьми", "восемью", "восьмью"], 8.0),
    (&["девять", "девяти", "девятью"], 9.0),
    (&["десять", "десяти", "десятью"], 10.0),
    (&["одиннадцать", "одиннадцати", "одиннадцатью"], 11.0),
    (&["двенадцать", "двенадцати", "двенадцатью"], 12.0),
    (&["тринадцать", "тринадцати", "тринадцатью"], 13.0),
    (&["четырнадцать", "четырнадцати", "четырнадцатью"], 14.0),
    (&["пятнадцать", "пятнадцати", "пятнадцатью"], 15.0),
    (&["шестнадцать", "шестнадцати", "шестнадцатью"], 16.0),
    (&["семнадцать", "семнадцати", "семнадцатью"], 17.0),
    (&["восемнадцать", "восемнадцати", "восемнадцатью"], 18.0),
    (&["девятнадцать", "девятнадцати", "девятнадцатью"], 19.0),
    (&["двадцать", "двадцати", "двадцатью"], 20.0),
    (&["тридцать", "тридцати", "тридцатью"], 30.0),
    (&["сорок", "сорока"], 40.0),
    (&["пятьдесят", "пятидесяти", "пятьюдесятью"], 50.0),
    (&["шестьдесят", "шестидесяти", "шестьюдесятью"], 60.0),
    (&["семьдесят", "семидесяти", "семьюдесятью"], 70.0),
    (&["восемьдесят", "восьмидесяти", "восемьюдесятью"], 80.0),
    (&["девяносто", "девяноста"], 90.0),
    (&["сто", "ста", "сотню", "сотня", "сотку", "сотка"], 100.0),
    (&["двести", "двухсот", "двумстам", "двумястами"], 200.0),
    (&["триста", "трехсот", "тремстам", "тремястами"], 300.0),
    (
        &["четыреста", "четырехсот", "четыремстам", "четырьмястами"],
        400.0,
    ),
    (
        &[
            "пятьсот",
            "пятисот",
            "пятистам",
            "пятьюстами",
            "пятихатку",
            "пятихатка",
            "пятихат",
        ],
        500.0,
    ),
    (&["шестьсот", "шестисот", "шестистам"], 600.0),
    (&["семьсот", "семисот", "семистам"], 700.0),
    (&["восемьсот", "восьмисот", "восьмистам"], 800.0),
    (&["девятьсот", "девятисот", "девятистам"], 900.0),
];

/// The nominative masculine word for a value of the cardinal table (0–20, the tens and the hundreds): the
/// first form of its row.
pub(crate) fn nominative(value: u64) -> Option<&'static str> {
    CARDINALS
        .iter()
        .find(|(_, v)| *v == value as f64)
        .map(|(forms, _)| forms[0])
}

/// Scale words: thousand (with slang "косарь", "штука"), million, billion.
const SCALES: &[(&[&str], f64)] = &[
    (
        &[
            "тысяча",
            "тысячи",
            "тысяч",
            "тысячу",
            "тысячей",
            "тысячам",
            "тысячами",
            "тысячах",
            "тыс",
            "тысячь",
            "т",
            "тр",
            "косарь",
            "косаря",
            "косарей",
            "косарю",
            "косарик",
            "косарика",
            "штука",
            "штуки",
            "штук",
            "штуку",
            "штукой",
            "кусок",
            "куска",
            "кусков",
        ],
        1000.0,
    ),
    (
        &[
            "миллион",
            "миллиона",
            "миллионов",
            "миллиону",
            "миллионом",
            "млн",
            "лям",
            "ляма",
            "лямов",
        ],
        1_000_000.0,
    ),
    (
        &["миллиард", "миллиарда", "миллиардов", "млрд"],
        1_000_000_000.0,
    ),
    (&["сотни", "сотен", "сотнями"], 100.0),
];

/// Ordinal stems; a word is an ordinal when it is a stem plus an adjective ending.
const ORDINAL_STEMS: &[(&str, f64, Level)] = &[
    ("перв", 1.0, Level::Units),
    ("втор", 2.0, Level::Units),
    ("четверт", 4.0, Level::Units),
    ("пят", 5.0, Level::Units),
    ("шест", 6.0, Level::Units),
    ("седьм", 7.0, Level::Units),
    ("восьм", 8.0, Level::Units),
    ("девят", 9.0, Level::Units),
    ("десят", 10.0, Level::Teens),
    ("одиннадцат", 11.0, Level::Teens),
    ("двенадцат", 12.0, Level::Teens),
    ("тринадцат", 13.0, Level::Teens),
    ("четырнадцат", 14.0, Level::Teens),
    ("пятнадцат", 15.0, Level::Teens),
    ("шестнадцат", 16.0, Level::Teens),
    ("семнадцат", 17.0, Level::Teens),
    ("восемнадцат", 18.0, Level::Teens),
    ("девятнадцат", 19.0, Level::Teens),
    ("двадцат", 20.0, Level::Tens),
    ("тридцат", 30.0, Level::Tens),
    ("сороков", 40.0, Level::Tens),
    ("пятидесят", 50.0, Level::Tens),
    ("шестидесят", 60.0, Level::Tens),
    ("семидесят", 70.0, Level::Tens),
    ("восьмидесят", 80.0, Level::Tens),
    ("девяност", 90.0, Level::Tens),
    ("сот", 100.0, Level::Hundreds),
    ("двухсот", 200.0, Level::Hundreds),
    ("трехсот", 300.0, Level::Hundreds),
    ("пятисот", 500.0, Level::Hundreds),
    ("тысячн", 1000.0, Level::Empty),
    ("двухтысячн", 2000.0, Level::Hundreds),
];

/// Adjective endings an ordinal can take (every case, gender and number).
const ORDINAL_ENDINGS: &[&str] = &[
    "ый", "ий", "ой", "ого", "его", "ому", "ему", "ом", "ем", "ая", "яя", "ую", "юю", "ое", "ее",
    "ые", "ие", "ых", "их", "ым", "им", "ыми", "ими", "ей", "ова", "ева",
];

/// The forms of "третий", whose stem changes.
const THIRD: &[&str] = &[
    "третий",
    "третьего",
    "третьему",
    "третьим",
    "третьем",
    "третья",
    "третьей",
    "третью",
    "третье",
    "третьи",
    "третьих",
    "третьими",
];

/// Classifies a Russian word as a number word.
pub fn classify(word: &str) -> Option<NumWord> {
    if let Some((_, v)) = CARDINALS.iter().find(|(forms, _)| forms.contains(&word)) {
        let v = *v;
        return Some(if v >= 100.0 {
            NumWord::Hundreds(v)
        } else if v >= 20.0 {
            NumWord::Tens(v)
        } else if v >= 10.0 {
            NumWord::Teen(v)
        } else {
            NumWord::Unit(v)
        });
    }
    if let Some((_, m)) = SCALES.iter().find(|(forms, _)| forms.contains(&word)) {
        return Some(NumWord::Scale(*m));
    }
    if matches!(word, "полторы" | "полтора" | "полутора") {
        return Some(NumWord::OneAndHalf);
    }
    if word == "пол" {
        // "пол тысячи" as the recogniser splits it: half of the scale that follows.
        return Some(NumWord::Unit(0.5));
    }
    if matches!(word, "полтысячи" | "полтыщи") {
        return Some(NumWord::Hundreds(500.0));
    }
    if THIRD.contains(&word) {
        return Some(NumWord::Ordinal {
            value: 3.0,
            level: Level::Units,
        });
    }
    ORDINAL_STEMS
        .iter()
        .filter(|(stem, _, _)| {
            word.strip_prefix(stem)
                .is_some_and(|end| ORDINAL_ENDINGS.contains(&end))
        })
        .max_by_key(|(stem, _, _)| stem.len())
        .map(|(_, value, level)| NumWord::Ordinal {
            value: *value,
            level: *level,
        })
}

/// The case ending of an ordinal word ("пятнадцатого" → "ого"), for deciding whether it names a day.
pub fn ordinal_ending(word: &str) -> Option<&'static str> {
    if word == "третье" {
        // Neuter like "пятое": "на третье (число)".
        return Some("ее");
    }
    if THIRD.contains(&word) {
        return ORDINAL_ENDINGS
            .iter()
            .copied()
            .filter(|e| word.ends_with(e))
            .max_by_key(|e| e.len())
            .or(Some("ий"));
    }
    ORDINAL_ENDINGS
        .iter()
        .copied()
        .filter(|e| word.ends_with(e))
        .max_by_key(|e| e.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals_and_ordinals_are_told_apart() {
        assert_eq!(classify("пяти"), Some(NumWord::Unit(5.0)));
        assert_eq!(
            classify("пятого"),
            Some(NumWord::Ordinal {
                value: 5.0,
                level: Level::Units
            })
        );
        assert_eq!(
            classify("пятнадцатое"),
            Some(NumWord::Ordinal {
                value: 15.0,
                level: Level::Teens
            })
        );
        assert_eq!(classify("пятнадцати"), Some(NumWord::Teen(15.0)));
        assert_eq!(classify("пятница"), None);
        assert_eq!(classify("пятницу"), None);
        assert_eq!(classify("сотрудник"), None);
        assert_eq!(ordinal_ending("третьего"), Some("его"));
        assert_eq!(ordinal_ending("пятнадцатому"), Some("ому"));
    }
}
