//! Prompts worth rendering before a campaign's first dial: every piece of a flow's prompts (see
//! [`speech_pieces`]) that has no placeholder, plus the conductor's own messages, so the first calls play
//! them from the prompt cache.

use super::config::{stopping_message, transfer_failed_message};
use crate::dialog::flow::Flow;
use crate::dialog::template::render;
use crate::dialog::vars::Vars;
use crate::tts::sentences::speech_pieces;

/// The pieces of `flow`'s prompts that read the same in every call, without repeats, in flow order.
pub fn static_sentences(flow: &Flow) -> Vec<String> {
    let mut texts: Vec<&str> = flow
        .nodes
        .values()
        .filter_map(|node| node.value.say.as_ref().map(|s| s.value.as_str()))
        .collect();
    texts.extend(flow.settings.reprompt.as_deref());
    texts.push(stopping_message(flow.lang));
    texts.push(transfer_failed_message(flow.lang));
    let vars = Vars::default();
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        for piece in speech_pieces(text) {
            if piece.text.contains(['{', '}']) {
                continue;
            }
            let spoken = render(&piece.text, &vars, flow.lang);
            if !spoken.is_empty() && !out.contains(&spoken) {
                out.push(spoken);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn sentences_with_placeholders_are_left_for_the_call() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs/soft_collection_en.yaml");
        let flow = Flow::load(&path).expect("the shipped flow loads");
        let sentences = static_sentences(&flow);
        assert!(sentences.iter().all(|s| !s.contains('{')));
        assert!(sentences.contains(&"This call may be recorded.".to_string()));
        assert!(sentences
            .iter()
            .any(|s| s.contains("we have to end this call now")));
        assert!(!sentences.iter().any(|s| s.contains("Am I speaking with")));
        let mut unique = sentences.clone();
        unique.dedup();
        assert_eq!(unique.len(), sentences.len());
    }
}
