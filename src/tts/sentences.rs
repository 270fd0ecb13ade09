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

fn push_trimmed(sentences: &mut Vec<String>, current: &mut String) {
    let trimmed = current.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        sentences.push(trimmed.to_string());
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::split_sentences;

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
