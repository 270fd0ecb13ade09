//! The rule language of the lexicons: word patterns with stems, alternatives, gaps, anchors and negation.
//!
//! A lexicon is plain text. `@intent weight` opens a section; every following line is one pattern that,
//! when it matches, votes for that intent with that weight. Pattern items, separated by spaces:
//!
//! | item        | matches                                                           |
//! |-------------|-------------------------------------------------------------------|
//! | `word`      | exactly that word                                                 |
//! | `stem*`     | any word starting with `stem` (morphology: `заплат*`)             |
//! | `a\|b*\|c`  | any of the alternatives                                           |
//! | `в_жопу`    | words joined by `_` follow each other (inside alternatives too)   |
//! | `?word`     | optionally that word (alternatives allowed: `?мне\|нам`)          |
//! | `~`         | up to three arbitrary words (`~5`: up to five)                    |
//! | `!не\|ни`   | the word right before the next item is not one of these           |
//! | `^` / `$`   | start / end of the utterance                                      |
//! | `#num`      | a number written with digits                                      |
//!
//! A line starting with `#` is a comment, and so is text after ` # `. Words are normalised like utterances (lower case, ё→е).

use super::normalize::{fold, Token};
use super::Intent;
use thiserror::Error;

/// One word of an alternative: an exact word or a stem.
#[derive(Debug, Clone, PartialEq)]
enum WordMatch {
    Exact(String),
    Prefix(String),
}

impl WordMatch {
    fn matches(&self, w: &str) -> bool {
        match self {
            WordMatch::Exact(e) => e == w,
            WordMatch::Prefix(p) => w.starts_with(p.as_str()),
        }
    }
}

/// One alternative: one word, or several joined with `_` ("в_жопу") that must follow each other.
#[derive(Debug, Clone, PartialEq)]
struct Alt(Vec<WordMatch>);

impl Alt {
    /// True when the alternative matches the words starting at `pos`.
    fn matches_at(&self, words: &[String], pos: usize) -> bool {
        pos + self.0.len() <= words.len()
            && self.0.iter().zip(&words[pos..]).all(|(m, w)| m.matches(w))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Word(Vec<Alt>),
    Optional(Vec<Alt>),
    Gap(usize),
    NotPrev(Vec<Alt>),
    Start,
    End,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    items: Vec<Item>,
    anchored: bool,
}

/// A pattern with the intent it votes for.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The section name: an intent name, or `vague_time` for vague time phrases.
    pub section: String,
    /// The intent, when the section names one.
    pub intent: Option<Intent>,
    /// Vote weight; the highest vote wins.
    pub weight: u32,
    /// The pattern as written, for explanations.
    pub source: String,
    /// 1-based line in the lexicon.
    pub line: usize,
    pattern: Pattern,
}

/// A lexicon that could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum LexiconError {
    /// A section header is malformed.
    #[error("{file}:{line}:1: bad section header `{text}` (write `@intent weight`, e.g. `@promise_to_pay 40`)")]
    BadHeader {
        /// Lexicon file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The offending text.
        text: String,
    },
    /// A pattern line before any section.
    #[error("{file}:{line}:1: pattern before any `@intent weight` section")]
    NoSection {
        /// Lexicon file name.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// A pattern item cannot be parsed.
    #[error("{file}:{line}:{column}: bad pattern item `{item}`")]
    BadItem {
        /// Lexicon file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column of the item.
        column: usize,
        /// The item.
        item: String,
    },
}

/// Section names that are not intents but flags.
pub const VAGUE_TIME: &str = "vague_time";

/// Parses a lexicon text; `file` names it in errors.
pub fn parse_lexicon(file: &str, text: &str) -> Result<Vec<Rule>, LexiconError> {
    let mut rules = Vec::new();
    let mut section: Option<(String, Option<Intent>, u32)> = None;
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        // Full-line comments start with `#`; an inline comment follows ` # `.
        let content = raw.split(" # ").next().unwrap_or("").trim();
        if content.is_empty() || (content.starts_with('#') && !content.starts_with("#num")) {
            continue;
        }
        if let Some(header) = content.strip_prefix('@') {
            let mut parts = header.split_whitespace();
            let name = parts.next().unwrap_or("").to_string();
            let weight = parts.next().and_then(|w| w.parse::<u32>().ok());
            let intent = intent_by_name(&name);
            match weight {
                Some(weight) if intent.is_some() || name == VAGUE_TIME => {
                    section = Some((name, intent, weight));
                }
                _ => {
                    return Err(LexiconError::BadHeader {
                        file: file.into(),
                        line,
                        text: content.into(),
                    })
                }
            }
            continue;
        }
        let Some((name, intent, weight)) = &section else {
            return Err(LexiconError::NoSection {
                file: file.into(),
                line,
            });
        };
        let pattern = parse_pattern(content).map_err(|(column, item)| LexiconError::BadItem {
            file: file.into(),
            line,
            column: column + raw.find(content).unwrap_or(0),
            item,
        })?;
        rules.push(Rule {
            section: name.clone(),
            intent: *intent,
            weight: *weight,
            source: content.into(),
            line,
            pattern,
        });
    }
    Ok(rules)
}

/// The intent with this contract name.
pub fn intent_by_name(name: &str) -> Option<Intent> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn parse_alts(s: &str) -> Option<Vec<Alt>> {
    let mut alts = Vec::new();
    for alt in s.split('|') {
        let mut words = Vec::new();
        for w in alt.split('_') {
            let w = fold(w);
            let m = match w.strip_suffix('*') {
                Some(p) => WordMatch::Prefix(p.to_string()),
                None => WordMatch::Exact(w),
            };
            let ok = match &m {
                WordMatch::Exact(e) => !e.is_empty() && !e.contains('*'),
                WordMatch::Prefix(p) => !p.is_empty() && !p.contains('*'),
            };
            if !ok {
                return None;
            }
            words.push(m);
        }
        alts.push(Alt(words));
    }
    Some(alts)
}

/// Parses one pattern; on error returns the 1-based column and the bad item.
fn parse_pattern(src: &str) -> Result<Pattern, (usize, String)> {
    let mut items = Vec::new();
    let mut col = 0;
    let mut anchored = false;
    for (n, raw) in src.split(' ').enumerate() {
        let column = col + 1;
        col += raw.chars().count() + 1;
        if raw.is_empty() {
            continue;
        }
        let bad = || (column, raw.to_string());
        let item = match raw {
            "^" => {
                if n != 0 {
                    return Err(bad());
                }
                anchored = true;
                Item::Start
            }
            "$" => Item::End,
            "~" => Item::Gap(3),
            _ if raw.starts_with('~') => Item::Gap(raw[1..].parse().map_err(|_| bad())?),
            _ if raw.starts_with('?') => Item::Optional(parse_alts(&raw[1..]).ok_or_else(bad)?),
            _ if raw.starts_with('!') => Item::NotPrev(parse_alts(&raw[1..]).ok_or_else(bad)?),
            _ => Item::Word(parse_alts(raw).ok_or_else(bad)?),
        };
        items.push(item);
    }
    if !items.iter().any(|i| matches!(i, Item::Word(_))) {
        return Err((1, src.to_string()));
    }
    Ok(Pattern { items, anchored })
}

/// The words the rules see: word tokens as they are, numbers as `#num`, dates as `#date`, times as `#time`.
pub fn rule_words(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) => w.clone(),
            Token::Digits { .. } => "#num".into(),
            Token::DayMonth { .. } => "#date".into(),
            Token::Clock => "#time".into(),
        })
        .collect()
}

/// Words that carry no meaning at the edges of an utterance ("ну", "слушайте", "вот"; "well", "um"): `^` and
/// `$` match past them, so "ну не буду вот" is read like "не буду".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Edges {
    /// Leading filler words.
    pub lead: usize,
    /// Trailing filler words.
    pub trail: usize,
}

const LEADING_FILLERS_RU: &[&str] = &[
    "ну",
    "слушайте",
    "слушай",
    "девушка",
    "мужчина",
    "короче",
    "так",
    "а",
    "алло",
    "э",
    "ээ",
    "эээ",
    "м",
    "мм",
    "ммм",
    "вообще",
    "знаете",
    "значит",
    "ой",
    "ах",
    "эх",
    "слышите",
    "вот",
    "здравствуйте",
    "извините",
    "простите",
    "блин",
];
const TRAILING_FILLERS_RU: &[&str] = &[
    "вот",
    "короче",
    "слышите",
    "пожалуйста",
    "ну",
    "же",
    "там",
    "вообще",
    "блин",
    "спасибо",
];
const LEADING_FILLERS_EN: &[&str] = &[
    "well", "um", "umm", "uh", "uhm", "er", "erm", "so", "look", "listen", "hey", "oh", "hmm",
    "like",
];
const TRAILING_FILLERS_EN: &[&str] = &["please", "thanks", "then", "though", "man"];

/// Counts filler words at both edges, never all of the utterance.
pub fn edges(words: &[String], lang: super::Lang) -> Edges {
    let (lead_list, trail_list) = match lang {
        super::Lang::Ru => (LEADING_FILLERS_RU, TRAILING_FILLERS_RU),
        super::Lang::En => (LEADING_FILLERS_EN, TRAILING_FILLERS_EN),
    };
    let lead = words
        .iter()
        .take_while(|w| lead_list.contains(&w.as_str()))
        .count();
    if lead == words.len() {
        return Edges::default();
    }
    let trail = words[lead..]
        .iter()
        .rev()
        .take_while(|w| trail_list.contains(&w.as_str()))
        .count();
    let trail = if lead + trail == words.len() {
        0
    } else {
        trail
    };
    Edges { lead, trail }
}

impl Pattern {
    /// True when the pattern matches anywhere in `words`; `^` and `$` also match past filler `edges`.
    pub fn matches(&self, words: &[String], edges: Edges) -> bool {
        if self.anchored {
            return (0..=edges.lead.min(words.len()))
                .any(|start| self.match_from(words, edges, 1, start));
        }
        (0..=words.len()).any(|start| self.match_from(words, edges, 0, start))
    }

    fn match_from(&self, words: &[String], edges: Edges, idx: usize, pos: usize) -> bool {
        let Some(item) = self.items.get(idx) else {
            return true;
        };
        let next = |p: usize| self.match_from(words, edges, idx + 1, p);
        match item {
            Item::Start => pos == 0 && next(pos),
            Item::End => pos <= words.len() && pos + edges.trail >= words.len() && next(pos),
            Item::Gap(max) => (0..=*max)
                .take_while(|k| pos + k <= words.len())
                .any(|k| next(pos + k)),
            Item::Word(alts) => alts
                .iter()
                .any(|a| a.matches_at(words, pos) && next(pos + a.len())),
            Item::Optional(alts) => {
                alts.iter()
                    .any(|a| a.matches_at(words, pos) && next(pos + a.len()))
                    || next(pos)
            }
            Item::NotPrev(alts) => {
                let ok = pos == 0 || !alts.iter().any(|a| a.matches_at(words, pos - 1));
                ok && next(pos)
            }
        }
    }
}

impl Rule {
    /// True when this rule's pattern matches the utterance words (`edges`: filler words at the ends).
    pub fn matches(&self, words: &[String], edges: Edges) -> bool {
        self.pattern.matches(words, edges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn p(s: &str) -> Pattern {
        parse_pattern(s).expect("valid pattern")
    }

    impl Pattern {
        fn matches_plain(&self, words: &[String]) -> bool {
            self.matches(words, Edges::default())
        }
    }

    #[test]
    fn anchors_skip_fillers() {
        let words = w("ну не буду вот");
        let e = edges(&words, crate::dialog::nlu::Lang::Ru);
        assert_eq!(e, Edges { lead: 1, trail: 1 });
        assert!(p("^ не буду $").matches(&words, e));
        let only = w("ну вот");
        assert_eq!(edges(&only, crate::dialog::nlu::Lang::Ru), Edges::default());
    }

    #[test]
    fn stems_alternatives_gaps() {
        assert!(p("не звон*").matches_plain(&w("не звоните мне")));
        assert!(p("не ~ звон*").matches_plain(&w("не надо мне звонить")));
        assert!(!p("не ~1 звон*").matches_plain(&w("не надо мне звонить")));
        assert!(p("заплачу|оплачу").matches_plain(&w("я оплачу")));
        assert!(p("^ да $").matches_plain(&w("да")));
        assert!(!p("^ да $").matches_plain(&w("да конечно")));
        assert!(p("не ?мне звоните").matches_plain(&w("не звоните")));
        assert!(p("!не заплачу").matches_plain(&w("заплачу завтра")));
        assert!(!p("!не заплачу").matches_plain(&w("я не заплачу")));
        assert!(p("заплачу #num").matches_plain(&w("заплачу #num")));
        assert!(p("иди в_жопу|к_черту").matches_plain(&w("иди к черту")));
        assert!(!p("иди в_жопу|к_черту").matches_plain(&w("иди к")));
    }

    #[test]
    fn header_and_item_errors_name_the_line() {
        let err = parse_lexicon("x.txt", "@nonsense 5\nfoo").unwrap_err();
        assert!(err.to_string().starts_with("x.txt:1:1"), "{err}");
        let err = parse_lexicon("x.txt", "foo").unwrap_err();
        assert!(matches!(err, LexiconError::NoSection { line: 1, .. }));
        let err = parse_lexicon("x.txt", "@confirm 5\nда ~x").unwrap_err();
        assert!(
            matches!(err, LexiconError::BadItem { line: 2, .. }),
            "{err}"
        );
    }
}
