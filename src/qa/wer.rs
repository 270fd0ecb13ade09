//! Word error rate: word-level edit distance between a reference and a hypothesis.

use serde::Serialize;

/// Errors and reference length, summable across files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WordErrors {
    /// Substitutions + deletions + insertions.
    pub errors: usize,
    /// Words in the reference.
    pub reference_words: usize,
}

impl WordErrors {
    /// The rate errors / reference words (0 for an empty reference with an empty hypothesis, 1 otherwise).
    pub fn rate(&self) -> f64 {
        match (self.errors, self.reference_words) {
            (0, _) => 0.0,
            (_, 0) => 1.0,
            (e, n) => e as f64 / n as f64,
        }
    }

    /// Adds another file's counts.
    pub fn add(&mut self, other: WordErrors) {
        self.errors += other.errors;
        self.reference_words += other.reference_words;
    }
}

/// Lower-cases and strips punctuation so only words are compared.
pub fn normalize(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Counts word errors of `hypothesis` against `reference`.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut current = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous[j] + usize::from(rw != hw);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    WordErrors {
        errors: previous[h.len()],
        reference_words: r.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_substitutions_deletions_insertions() {
        assert_eq!(word_errors("a b c", "a b c").errors, 0);
        assert_eq!(word_errors("a b c", "a x c").errors, 1);
        assert_eq!(word_errors("a b c", "a c").errors, 1);
        assert_eq!(word_errors("a b c", "a b c d").errors, 1);
        assert_eq!(word_errors("Да, это я!", "да это я").errors, 0);
        assert!(
            (word_errors("one two three four", "one three four five").rate() - 0.5).abs() < 1e-9
        );
        assert_eq!(word_errors("", "").rate(), 0.0);
        assert_eq!(word_errors("", "extra").rate(), 1.0);
    }
}
