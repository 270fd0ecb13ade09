//! The number types the language tables (`numbers_ru`, `numbers_en`) and the span assembler (`numbers`) share:
//! a leaf module, so the tables never import the assembler that imports them.

/// What one number word contributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumWord {
    /// 1–9 (also "пару" / "couple" = 2).
    Unit(f64),
    /// 10–19.
    Teen(f64),
    /// 20, 30 … 90.
    Tens(f64),
    /// 100 … 900 as one word ("пятьсот").
    Hundreds(f64),
    /// English "hundred": multiplies the group in front of it ("fifteen hundred").
    Hundred,
    /// Thousand, million (scales the group in front of it).
    Scale(f64),
    /// "полторы" / "полтора": one and a half of the scale that follows.
    OneAndHalf,
    /// An ordinal word; `value` is its numeric value, `level` the cardinal class it stands in for.
    Ordinal {
        /// The number the ordinal names.
        value: f64,
        /// The cardinal class, so "двадцать первого" combines like "двадцать один".
        level: Level,
    },
}

/// Position classes inside one group below a thousand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing yet in this group.
    Empty,
    /// Hundreds filled.
    Hundreds,
    /// Tens filled.
    Tens,
    /// Teens filled (closes the group).
    Teens,
    /// Units filled (closes the group).
    Units,
    /// Digits written as a number (closes the group).
    Digits,
}
