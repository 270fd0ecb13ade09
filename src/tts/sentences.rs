//! Splitting prompts into sentences so playback can start after the first one.

/// Splits text after `.`, `!`, `?`, `…` or `;` followed by whitespace; keeps punctuation, drops empty pieces.
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let ends = matches!(c, '.' | '!' | '?' | '…' | ';');
        if ends && chars.peek().is_none_or(|next| next.is_whitespace()) {
            push_trimmed(&mut sentences, &mut current);
        }
    }
    push_trimmed(&mut sentences, &mut current);
    sentences
}

/// Silence between two sentences of a prompt, in 20 ms frames (the voice adds its own short tail as well).
pub const SENTENCE_PAUSE_FRAMES: usize = 10;

/// Words a first sentence's tail needs after its opening clause before the clause is rendered on its own.
const MIN_TAIL_WORDS: usize = 3;

/// A part of a prompt that is rendered on its own, with the silence to play before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The text to render.
    pub text: String,
    /// Frames of silence before it (none before the first piece and inside a sentence).
    pub pause_frames: usize,
}

/// The pieces a prompt is rendered and played in: its sentences, except that a first sentence with an
/// opening clause ("Sorry, I did not catch that.") renders that clause on its own, so playback starts after a
/// word or two have been synthesised while the rest renders. Warming the prompt cache and playing a prompt
/// both use this, so the cache holds exactly the pieces a call plays.
pub fn speech_pieces(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (i, sentence) in split_sentences(text).into_iter().enumerate() {
        let pause_frames = if i == 0 { 0 } else { SENTENCE_PAUSE_FRAMES };
        let split = if i == 0 {
            opening_clause(&sentence)
        } else {
            None
        };
        match split {
            Some((head, tail)) => {
                pieces.push(Piece {
                    text: head.to_string(),
                    pause_frames,
                });
                pieces.push(Piece {
                    text: tail.to_string(),
                    pause_frames: 0,
                });
            }
            None => pieces.push(Piece {
                text: sentence,
                pause_frames,
            }),
        }
    }
    pieces
}

/// The sentence cut after its first clause mark (`,` `:` or a spaced dash), when both sides hold words and
/// the rest is long enough to be worth rendering apart.
fn opening_clause(sentence: &str) -> Option<(&str, &str)> {
    let mut chars = sentence.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next_is_space = chars.peek().is_some_and(|(_, n)| n.is_whitespace());
        let mark = match c {
            ',' | ':' => next_is_space,
            '—' | '–' => next_is_space && sentence[..at].ends_with(char::is_whitespace),
            _ => false,
        };
        if !mark {
            continue;
        }
        let cut = at + c.len_utf8();
        let (head, tail) = (sentence[..cut].trim(), sentence[cut..].trim());
        let words = |s: &str| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
        };
        return (words(head) > 0 && words(tail) >= MIN_TAIL_WORDS).then_some((head, tail));
    }
    None
}

fn push_trimmed(sentences: &mut Vec<String>, current: &mut String) {
    let trimmed = current.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        sentences.push(trimmed.to_string());
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::{speech_pieces, split_sentences, Piece, SENTENCE_PAUSE_FRAMES};

    fn texts(pieces: &[Piece]) -> Vec<(&str, usize)> {
        pieces
            .iter()
            .map(|p| (p.text.as_str(), p.pause_frames))
            .collect()
    }

    #[test]
    fn the_first_sentences_opening_clause_is_rendered_on_its_own() {
        let p = SENTENCE_PAUSE_FRAMES;
        assert_eq!(
            texts(&speech_pieces(
                "Sorry, I did not catch that. Please tell me when, roughly, you can pay."
            )),
            vec![
                ("Sorry,", 0),
                ("I did not catch that.", 0),
                ("Please tell me when, roughly, you can pay.", p)
            ]
        );
        assert_eq!(
            texts(&speech_pieces(
                "Иван Петрович, ваш платёж просрочен на 12 дней."
            )),
            vec![
                ("Иван Петрович,", 0),
                ("ваш платёж просрочен на 12 дней.", 0)
            ]
        );
        assert_eq!(
            texts(&speech_pieces("Сумма — 1,5 тысячи рублей, срок прошёл.")),
            vec![("Сумма —", 0), ("1,5 тысячи рублей, срок прошёл.", 0)]
        );
        assert_eq!(
            texts(&speech_pieces("Time: 10:30 is fine for a call.")),
            vec![("Time:", 0), ("10:30 is fine for a call.", 0)]
        );
    }

    #[test]
    fn short_or_unbroken_first_sentences_stay_whole() {
        assert_eq!(
            texts(&speech_pieces("Hello, Ivan. Goodbye.")),
            vec![("Hello, Ivan.", 0), ("Goodbye.", SENTENCE_PAUSE_FRAMES)]
        );
        assert_eq!(
            texts(&speech_pieces("The sum is 1,500 roubles today.")),
            vec![("The sum is 1,500 roubles today.", 0)]
        );
        assert!(speech_pieces(" ").is_empty());
    }

    #[test]
    fn splits_on_sentence_ends_only() {
        assert_eq!(
            split_sentences("Здравствуйте! Это компания «Заём». Сумма 1.5 тысячи… Вы слышите?"),
            vec![
                "Здравствуйте!",
                "Это компания «Заём».",
                "Сумма 1.5 тысячи…",
                "Вы слышите?"
            ]
        );
        assert_eq!(split_sentences("  "), Vec::<String>::new());
        assert_eq!(split_sentences("no end"), vec!["no end"]);
    }
}
