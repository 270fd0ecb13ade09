//! Dates said relative to the call date: "завтра", "в пятницу", "через три дня", "пятнадцатого",
//! "первого декабря", "15.12", "до конца месяца", "on friday", "in a week", "december first".
//!
//! The first date expression in the utterance wins. Weekdays and days of month resolve to the next such day
//! (a weekday never to today); with `past` set (the debtor says they already paid) they resolve backwards.

use super::normalize::Token;
use super::numbers::NumberSpan;
use super::numbers_ru::ordinal_ending;
use super::Lang;
use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// A resolved date and the tokens that said it.
#[derive(Debug, Clone, PartialEq)]
pub struct DateMention {
    /// The date.
    pub date: NaiveDate,
    /// Tokens `start..end` that said it (number spans inside are not amounts).
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

/// Direction for resolving a day named without a month or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The next such day (promises, callbacks).
    Future,
    /// The most recent such day (the debtor says they paid).
    Past,
}

/// Finds the first date expression in `tokens`.
pub fn find_date(
    tokens: &[Token],
    spans: &[NumberSpan],
    lang: Lang,
    today: NaiveDate,
    dir: Direction,
) -> Option<DateMention> {
    let words: Vec<&str> = tokens.iter().map(|t| t.word().unwrap_or("")).collect();
    // Positions of the second word of a two-word phrase ("следующей неделе", "next week").
    let said = |first: &dyn Fn(&str) -> bool, second: &dyn Fn(&str) -> bool| -> Vec<usize> {
        (1..words.len())
            .filter(|&k| first(words[k - 1]) && second(words[k]))
            .collect()
    };
    let is_next = |w: &str| w.starts_with("следующ") || w.starts_with("будущ") || w == "next";
    let ctx = Ctx {
        tokens,
        spans,
        today,
        dir,
        next_week: said(&is_next, &|w| w.starts_with("недел") || w == "week"),
        next_month: !said(&is_next, &|w| w.starts_with("месяц") || w == "month").is_empty(),
    };
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let found = match lang {
            Lang::Ru => ctx.ru_at(i),
            Lang::En => ctx.en_at(i),
        };
        match found {
            Some(m) => {
                i = m.end.max(i + 1);
                mentions.push(m);
            }
            None => i += 1,
        }
    }
    // "сегодня не могу, завтра заплачу", "not friday, monday": a negated date gives way to another one.
    let negated = |m: &DateMention| {
        let before = |k: usize| m.start.checked_sub(k).map(|j| words[j]).unwrap_or("");
        let preposition = matches!(
            before(1),
            "в" | "во" | "на" | "к" | "до" | "on" | "by" | "in"
        );
        matches!(before(1), "не" | "not")
            || (preposition && matches!(before(2), "не" | "not"))
            || words[m.end.min(words.len())..(m.end + 3).min(words.len())]
                .iter()
                .any(|w| matches!(*w, "не" | "нет" | "not" | "никак"))
    };
    let first_clear = mentions.iter().position(|m| !negated(m));
    match first_clear {
        Some(k) => Some(mentions.swap_remove(k)),
        None => mentions.into_iter().next(),
    }
}

struct Ctx<'a> {
    tokens: &'a [Token],
    spans: &'a [NumberSpan],
    today: NaiveDate,
    dir: Direction,
    /// Where "на следующей неделе" / "next week" was said: a weekday near it falls in next week.
    next_week: Vec<usize>,
    /// "в следующем месяце" / "next month" was said: days of month fall in next month.
    next_month: bool,
}

fn mention(date: impl Into<Option<NaiveDate>>, start: usize, end: usize) -> Option<DateMention> {
    date.into().map(|date| DateMention { date, start, end })
}

impl Ctx<'_> {
    /// The weekday `wd` said at token `i`: in the next week when a word before says so (`said_next`) or
    /// a "next week" stands near.
    fn weekday_at(&self, wd: Weekday, said_next: bool, i: usize) -> Option<DateMention> {
        let near_next_week = self.next_week.iter().any(|&k| k.abs_diff(i) <= 4);
        mention(self.weekday(wd, said_next || near_next_week), i, i + 1)
    }

    fn word(&self, i: usize) -> &str {
        self.tokens.get(i).and_then(Token::word).unwrap_or("")
    }

    fn span_at(&self, i: usize) -> Option<&NumberSpan> {
        self.spans.iter().find(|s| s.start == i)
    }

    /// Periods longer than this are not payment dates ("через тысячу дней").
    const MAX_PERIOD_DAYS: f64 = 400.0;

    fn plus_days(&self, n: i64) -> NaiveDate {
        if n >= 0 {
            self.today
                .checked_add_days(Days::new(n as u64))
                .unwrap_or(self.today)
        } else {
            self.today
                .checked_sub_days(Days::new(n.unsigned_abs()))
                .unwrap_or(self.today)
        }
    }

    fn plus_months(&self, n: u32) -> NaiveDate {
        self.today
            .checked_add_months(Months::new(n))
            .unwrap_or(self.today)
    }

    /// The next (or, looking back, the previous) `wd`, never today.
    fn weekday(&self, wd: Weekday, next_week: bool) -> NaiveDate {
        let cur = self.today.weekday().num_days_from_monday() as i64;
        let target = wd.num_days_from_monday() as i64;
        match self.dir {
            Direction::Past => {
                let back = (cur - target).rem_euclid(7);
                self.plus_days(-(if back == 0 { 7 } else { back }))
            }
            Direction::Future => {
                let ahead = (target - cur).rem_euclid(7);
                let mut ahead = if ahead == 0 { 7 } else { ahead };
                if next_week && cur + ahead <= 6 {
                    ahead += 7;
                }
                self.plus_days(ahead)
            }
        }
    }

    /// The next date whose day of month is `day` (never today: today is "сегодня"), or looking back the most
    /// recent one (today counts).
    fn day_of_month(&self, day: u32) -> Option<NaiveDate> {
        if !(1..=31).contains(&day) {
            return None;
        }
        let first = self.today.with_day(1)?;
        if self.next_month && self.dir == Direction::Future {
            let next = first.checked_add_months(Months::new(1))?;
            if let Some(d) = next.with_day(day) {
                return Some(d);
            }
        }
        for k in 0..14i32 {
            let month_start = match self.dir {
                Direction::Future => first.checked_add_months(Months::new(k as u32))?,
                Direction::Past => first.checked_sub_months(Months::new(k as u32))?,
            };
            if let Some(d) = month_start.with_day(day) {
                let ok = match self.dir {
                    Direction::Future => d > self.today,
                    Direction::Past => d <= self.today,
                };
                if ok {
                    return Some(d);
                }
            }
        }
        None
    }

    /// A day and month, in this year or the next (or previous, looking back).
    fn day_month(&self, day: u32, month: u32, year: Option<i32>) -> Option<NaiveDate> {
        if let Some(y) = year {
            return NaiveDate::from_ymd_opt(y, month, day);
        }
        let y = self.today.year();
        for k in 0..5 {
            let yy = match self.dir {
                Direction::Future => y + k,
                Direction::Past => y - k,
            };
            if let Some(d) = NaiveDate::from_ymd_opt(yy, month, day) {
                let ok = match self.dir {
                    Direction::Future => d >= self.today,
                    Direction::Past => d <= self.today,
                };
                if ok {
                    return Some(d);
                }
            }
        }
        None
    }

    fn end_of_week(&self, extra_weeks: u32) -> NaiveDate {
        let cur = self.today.weekday().num_days_from_monday() as i64;
        self.plus_days(6 - cur + 7 * extra_weeks as i64)
    }

    fn end_of_month(&self, extra_months: u32) -> NaiveDate {
        let first = self.today.with_day(1).unwrap_or(self.today);
        first
            .checked_add_months(Months::new(extra_months + 1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(self.today)
    }

    fn weekend(&self) -> NaiveDate {
        match self.today.weekday() {
            Weekday::Sat => self.plus_days(1),
            _ => self.weekday(Weekday::Sat, false),
        }
    }

    /// A year said right after a day and month ("2026", "2026 года", "две тысячи двадцать шестого года").
    fn year_after(&self, i: usize) -> (Option<i32>, usize) {
        if let Some(s) = self.span_at(i) {
            let year_word = matches!(self.word(s.end), "года" | "год" | "году" | "г" | "year");
            let this_year = self.today.year() as f64;
            // "две тысячи рублей" after a date is money; a year is marked or close to the call date.
            let plausible = (this_year - 1.0..=this_year + 5.0).contains(&s.value);
            if s.value.fract() == 0.0
                && (year_word || plausible)
                && (1990.0..2100.0).contains(&s.value)
            {
                let end = if year_word { s.end + 1 } else { s.end };
                return (Some(s.value as i32), end);
            }
        }
        (None, i)
    }

    // ---------------------------------------------------------------- Russian

    fn ru_at(&self, i: usize) -> Option<DateMention> {
        let w = self.word(i);
        match w {
            "сегодня" | "сегодняшний" | "сегодняшнего" | "сегодняшнее" | "сегодняшним" => {
                return mention(self.today, i, i + 1)
            }
            "завтра" | "завтрашний" | "завтрашнего" | "завтрашнее" | "завтрашним" =>
            {
                if self.word(i.wrapping_sub(1)) == "после" && i > 0 {
                    return mention(self.plus_days(2), i - 1, i + 1);
                }
                return mention(self.plus_days(1), i, i + 1);
            }
            "послезавтра" => return mention(self.plus_days(2), i, i + 1),
            "вчера" => return mention(self.plus_days(-1), i, i + 1),
            "позавчера" => return mention(self.plus_days(-2), i, i + 1),
            "через" | "спустя" | "течение" | "течении" => {
                if let Some(m) = self.ru_after_period(i) {
                    return Some(m);
                }
            }
            "конец" | "конца" | "концу" | "конце" => {
                for j in i + 1..(i + 4).min(self.tokens.len()) {
                    let next_n = u32::from((i + 1..j).any(|k| self.word(k).starts_with("следующ")));
                    if self.word(j).starts_with("недел") {
                        return mention(self.end_of_week(next_n), i, j + 1);
                    }
                    if self.word(j).starts_with("месяц") {
                        return mention(self.end_of_month(next_n), i, j + 1);
                    }
                }
            }
            "выходных" | "выходные" | "выходным" => {
                return mention(self.weekend(), i, i + 1)
            }
            _ => {}
        }
        if let Some(wd) = ru_weekday(w) {
            let next_week = (i.saturating_sub(2)..i).any(|k| {
                let p = self.word(k);
                p.starts_with("следующ")
                    || p.starts_with("следущ")
                    || p == "будущей"
                    || p == "будущую"
            });
            return self.weekday_at(wd, next_week, i);
        }
        if let Token::DayMonth { day, month, year } = self.tokens[i] {
            return mention(self.day_month(day, month, year), i, i + 1);
        }
        let span = self.span_at(i)?;
        if span.scaled || span.value.fract() != 0.0 || !(1.0..=31.0).contains(&span.value) {
            return None;
        }
        let day = span.value as u32;
        if let Some(month) = ru_month(self.word(span.end)) {
            let (year, end) = self.year_after(span.end + 1);
            return mention(self.day_month(day, month, year), i, end);
        }
        let prev = if i > 0 { self.word(i - 1) } else { "" };
        // Month first: "декабря пятнадцатого".
        if let Some(month) = ru_month(prev).filter(|_| span.ordinal) {
            return mention(self.day_month(day, month, None), i - 1, span.end);
        }
        let next = self.word(span.end);
        let chislo = next.starts_with("числ");
        let is_day = if chislo || (span.ordinal && span.digits) {
            true
        } else if span.ordinal {
            let ending = ordinal_ending(&span.last_word).unwrap_or("");
            // "первое время", "второе место" are not days.
            let not_a_day_noun = !matches!(next, "время" | "место" | "что" | "это" | "дело");
            matches!(ending, "ого" | "его" | "ому" | "ему" | "ова" | "ева")
                || (matches!(ending, "ое" | "ее") && not_a_day_noun)
        } else {
            span.digits && matches!(prev, "до" | "к") && !is_money_or_unit(next, Lang::Ru)
        };
        if is_day {
            let end = if chislo { span.end + 1 } else { span.end };
            return mention(self.day_of_month(day), i, end);
        }
        None
    }

    /// "через три дня", "через неделю", "через пару дней", "в течение месяца".
    fn ru_after_period(&self, i: usize) -> Option<DateMention> {
        let mut j = i + 1;
        let mut n = 1.0;
        if let Some(s) = self.span_at(j) {
            if s.ordinal || s.scaled {
                return None;
            }
            n = s.value;
            j = s.end;
        } else if let Some(s) = self.span_at(j + 1) {
            // Inverted order: "через дней пять".
            if !s.ordinal
                && !s.scaled
                && s.value.fract() == 0.0
                && s.value <= 31.0
                && matches!(self.word(j), "дней" | "дня" | "недели" | "недель")
            {
                n = s.value;
                let unit_days = if self.word(j).starts_with("нед") {
                    7.0
                } else {
                    1.0
                };
                return mention(self.plus_days((n * unit_days).round() as i64), i, s.end);
            }
        }
        let unit = self.word(j);
        let days = if matches!(
            unit,
            "день" | "дня" | "дней" | "денек" | "денька" | "сутки" | "суток"
        ) {
            n
        } else if unit.starts_with("недел") {
            n * 7.0
        } else if unit.starts_with("месяц") {
            if n.fract() == 0.0 && (1.0..=12.0).contains(&n) {
                return mention(self.plus_months(n as u32), i, j + 1);
            }
            n * 30.0
        } else {
            return None;
        };
        if days > Self::MAX_PERIOD_DAYS {
            return None;
        }
        mention(self.plus_days(days.round() as i64), i, j + 1)
    }

    // ---------------------------------------------------------------- English

    fn en_at(&self, i: usize) -> Option<DateMention> {
        let w = self.word(i);
        if let Some(m) = self.en_from_now(i) {
            return Some(m);
        }
        match w {
            "today" | "tonight" => return mention(self.today, i, i + 1),
            "tomorrow" => {
                if i >= 2 && self.word(i - 1) == "after" && self.word(i - 2) == "day" {
                    return mention(self.plus_days(2), i - 2, i + 1);
                }
                return mention(self.plus_days(1), i, i + 1);
            }
            "yesterday" => return mention(self.plus_days(-1), i, i + 1),
            "in" | "within" | "after" | "about" => {
                if let Some(m) = self.en_after_period(i) {
                    return Some(m);
                }
            }
            "end" => {
                for j in i + 1..(i + 4).min(self.tokens.len()) {
                    let next_n = u32::from((i + 1..j).any(|k| self.word(k) == "next"));
                    if self.word(j).starts_with("week") {
                        return mention(self.end_of_week(next_n), i, j + 1);
                    }
                    if self.word(j) == "month" {
                        return mention(self.end_of_month(next_n), i, j + 1);
                    }
                }
            }
            "weekend" => return mention(self.weekend(), i, i + 1),
            _ => {}
        }
        if let Some(wd) = en_weekday(w) {
            let next_week = i > 0 && matches!(self.word(i - 1), "next" | "following");
            return self.weekday_at(wd, next_week, i);
        }
        if let Token::DayMonth { day, month, year } = self.tokens[i] {
            return mention(self.day_month(day, month, year), i, i + 1);
        }
        // "december first", "dec 15", "december the 1st".
        if let Some(month) = en_month(w) {
            let mut j = i + 1;
            if self.word(j) == "the" {
                j += 1;
            }
            if let Some(s) = self.span_at(j) {
                if !s.scaled && s.value.fract() == 0.0 && (1.0..=31.0).contains(&s.value) {
                    let (year, end) = self.year_after(s.end);
                    return mention(self.day_month(s.value as u32, month, year), i, end);
                }
            }
            return None;
        }
        let span = self.span_at(i)?;
        if span.scaled || span.value.fract() != 0.0 || !(1.0..=31.0).contains(&span.value) {
            return None;
        }
        let day = span.value as u32;
        // "1st of december", "15 december".
        let mut j = span.end;
        if self.word(j) == "of" {
            j += 1;
        }
        if let Some(month) = en_month(self.word(j)) {
            let (year, end) = self.year_after(j + 1);
            let start = if i > 0 && self.word(i - 1) == "the" {
                i - 1
            } else {
                i
            };
            return mention(self.day_month(day, month, year), start, end);
        }
        let prev = if i > 0 { self.word(i - 1) } else { "" };
        let introduced = matches!(prev, "the" | "on" | "by" | "until" | "till" | "before");
        let is_day = if span.ordinal && span.digits {
            true
        } else if span.ordinal {
            // "first" and "second" need "the"/"on" in front: "first I need…", "just a second".
            introduced || !matches!(span.last_word.as_str(), "first" | "second")
        } else {
            span.digits && introduced && !is_money_or_unit(self.word(span.end), Lang::En)
        };
        if is_day {
            return mention(self.day_of_month(day), i, span.end);
        }
        None
    }

    /// "two weeks from now", "a week from today", "three days from tomorrow".
    fn en_from_now(&self, i: usize) -> Option<DateMention> {
        let (n, j) = match self.span_at(i) {
            Some(s) if !s.ordinal && !s.scaled => (s.value, s.end),
            _ if matches!(self.word(i), "a" | "an") => (1.0, i + 1),
            _ => return None,
        };
        let days = match self.word(j) {
            "day" | "days" => n,
            "week" | "weeks" => n * 7.0,
            _ => return None,
        };
        if self.word(j + 1) != "from" {
            return None;
        }
        let base = match self.word(j + 2) {
            "now" | "today" => 0.0,
            "tomorrow" => 1.0,
            _ => return None,
        };
        if days > Self::MAX_PERIOD_DAYS {
            return None;
        }
        mention(self.plus_days((days + base).round() as i64), i, j + 3)
    }

    /// "in three days", "in a week", "in a couple of days", "within two weeks".
    fn en_after_period(&self, i: usize) -> Option<DateMention> {
        let mut j = i + 1;
        let mut n = 1.0;
        if matches!(self.word(j), "a" | "an" | "one") && self.span_at(j).is_none() {
            j += 1;
        }
        if let Some(s) = self.span_at(j) {
            if s.ordinal || s.scaled {
                return None;
            }
            n = s.value;
            j = s.end;
        }
        if self.word(j) == "of" {
            j += 1;
        }
        let unit = self.word(j);
        let days = match unit {
            "day" | "days" => n,
            "week" | "weeks" => n * 7.0,
            "fortnight" => n * 14.0,
            "month" | "months" => {
                if n.fract() == 0.0 && (1.0..=12.0).contains(&n) {
                    return mention(self.plus_months(n as u32), i, j + 1);
                }
                n * 30.0
            }
            _ => return None,
        };
        if days > Self::MAX_PERIOD_DAYS {
            return None;
        }
        mention(self.plus_days(days.round() as i64), i, j + 1)
    }
}

/// Russian word stems after a number that make it money or a non-day quantity, not a day of month.
const MONEY_OR_UNIT_RU: &[&str] = &["руб", "тыс", "коп", "час", "минут", "доллар", "евро"];
/// English word stems after a number that make it money or a non-day quantity, not a day of month.
const MONEY_OR_UNIT_EN: &[&str] = &["dollar", "buck", "euro", "pound", "cent", "hour", "minute"];

/// Whether the word after a number makes it money or a non-day quantity, not a day of month.
fn is_money_or_unit(w: &str, lang: Lang) -> bool {
    let (stems, whole_word) = match lang {
        Lang::Ru => (MONEY_OR_UNIT_RU, "р"),
        Lang::En => (MONEY_OR_UNIT_EN, "percent"),
    };
    w == whole_word || stems.iter().any(|stem| w.starts_with(stem))
}

/// A Russian weekday in any case ("пятницу", "в понедельник", "к среде").
pub fn ru_weekday(w: &str) -> Option<Weekday> {
    let stems: &[(&[&str], Weekday)] = &[
        (
            &[
                "понедельник",
                "понедельника",
                "понедельнику",
                "понедельником",
                "пн",
            ],
            Weekday::Mon,
        ),
        (
            &["вторник", "вторника", "вторнику", "вторником", "вт"],
            Weekday::Tue,
        ),
        (
            &["среда", "среду", "среды", "среде", "средой", "ср"],
            Weekday::Wed,
        ),
        (
            &["четверг", "четверга", "четвергу", "четвергом", "чт"],
            Weekday::Thu,
        ),
        (
            &["пятница", "пятницу", "пятницы", "пятнице", "пятницей", "пт"],
            Weekday::Fri,
        ),
        (
            &["суббота", "субботу", "субботы", "субботе", "субботой", "сб"],
            Weekday::Sat,
        ),
        (
            &[
                "воскресенье",
                "воскресенья",
                "воскресенью",
                "воскресеньем",
                "воскресение",
                "вс",
            ],
            Weekday::Sun,
        ),
    ];
    stems
        .iter()
        .find(|(forms, _)| forms.contains(&w))
        .map(|(_, d)| *d)
}

/// An English weekday name or common abbreviation.
pub fn en_weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "monday" | "mon" => Weekday::Mon,
        "tuesday" | "tue" | "tues" => Weekday::Tue,
        "wednesday" | "wed" => Weekday::Wed,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thu,
        "friday" | "fri" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// A Russian month name (genitive and other cases, short forms) as its number.
pub fn ru_month(w: &str) -> Option<u32> {
    let table: &[(&str, u32)] = &[
        ("январ", 1),
        ("феврал", 2),
        ("март", 3),
        ("апрел", 4),
        ("июн", 6),
        ("июл", 7),
        ("август", 8),
        ("сентябр", 9),
        ("октябр", 10),
        ("ноябр", 11),
        ("декабр", 12),
    ];
    if matches!(w, "мая" | "май" | "мае" | "маю") {
        return Some(5);
    }
    let short: &[(&str, u32)] = &[
        ("янв", 1),
        ("фев", 2),
        ("мар", 3),
        ("апр", 4),
        ("авг", 8),
        ("сен", 9),
        ("сент", 9),
        ("окт", 10),
        ("ноя", 11),
        ("дек", 12),
    ];
    if let Some((_, m)) = short.iter().find(|(s, _)| *s == w) {
        return Some(*m);
    }
    table
        .iter()
        .find(|(stem, _)| w.starts_with(stem))
        .map(|(_, m)| *m)
}

/// An English month name or abbreviation as its number.
pub fn en_month(w: &str) -> Option<u32> {
    Some(match w {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}
