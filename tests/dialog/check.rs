//! `dialog check`: one broken flow per rule, and the shipped flows pass.

use super::{repo, SHIPPED};
use softcall::dialog::check::{check_file, has_errors, Diagnostic, Rule, Severity};

fn errors(file: &str) -> Vec<Diagnostic> {
    let path = repo(&format!("tests/data/dialog/{file}"));
    check_file(&path)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// Asserts `file` fails with `rule` at `line`, and that the message names `needle`.
fn fails_with(file: &str, rule: Rule, line: u64, needle: &str) {
    let found = errors(file);
    let hit = found
        .iter()
        .find(|d| d.rule == rule && d.message.contains(needle))
        .unwrap_or_else(|| panic!("{file}: no {rule:?} naming {needle:?} in {found:#?}"));
    assert_eq!(hit.pos.line, line, "{hit}");
    assert!(hit.pos.column > 0, "{hit}");
    let shown = hit.to_string();
    assert!(
        shown.starts_with(&format!(
            "{}:{line}:",
            repo(&format!("tests/data/dialog/{file}")).display()
        )),
        "{shown}"
    );
    assert!(shown.contains(needle), "{shown}");
}

#[test]
fn shipped_flows_pass_without_warnings() {
    for (flow, _) in SHIPPED {
        let found = check_file(&repo(flow));
        assert!(
            found.is_empty(),
            "{flow}: {}",
            found
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn yaml_syntax_error_has_file_line_column() {
    let found = errors("syntax_error.yaml");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, Rule::Syntax);
    assert_eq!(found[0].pos.line, 6, "{}", found[0]);
}

#[test]
fn unknown_field_is_a_schema_error() {
    fails_with("unknown_field.yaml", Rule::Syntax, 7, "hang_up");
}

#[test]
fn unknown_node_is_named_with_a_suggestion() {
    fails_with(
        "unknown_node.yaml",
        Rule::UnknownNode,
        9,
        "did you mean `bye`",
    );
}

#[test]
fn unknown_intent_is_reported() {
    fails_with("unknown_intent.yaml", Rule::UnknownIntent, 10, "`maybe`");
}

#[test]
fn unreachable_node_is_reported() {
    fails_with("unreachable.yaml", Rule::Unreachable, 14, "`orphan`");
}

#[test]
fn node_without_a_reachable_ending_is_reported() {
    let found = errors("no_ending.yaml");
    let stuck: Vec<_> = found
        .iter()
        .filter(|d| d.rule == Rule::NoEnding)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(stuck.len(), 3, "{stuck:?}");
    fails_with("no_ending.yaml", Rule::NoEnding, 12, "`ping`");
}

#[test]
fn unknown_template_variable_is_reported() {
    fails_with(
        "unknown_variable.yaml",
        Rule::UnknownVariable,
        6,
        "{full_name}",
    );
}

#[test]
fn unknown_guard_variable_is_reported() {
    fails_with(
        "unknown_guard_variable.yaml",
        Rule::UnknownVariable,
        10,
        "promises_broken",
    );
}

#[test]
fn malformed_guard_is_reported() {
    fails_with(
        "bad_guard.yaml",
        Rule::BadExpression,
        10,
        "broken_promises >= >= 2",
    );
}

#[test]
fn amount_before_identity_breaks_the_disclosure_rule() {
    fails_with("disclosure_variable.yaml", Rule::Disclosure, 6, "{amount}");
}

#[test]
fn debt_words_to_a_third_party_break_the_disclosure_rule() {
    let found = errors("disclosure_words.yaml");
    let disclosures: Vec<_> = found
        .iter()
        .filter(|d| d.rule == Rule::Disclosure)
        .collect();
    assert_eq!(
        disclosures.len(),
        1,
        "only the third-party node: {disclosures:#?}"
    );
    assert!(disclosures[0].message.contains("third_party"));
    assert!(disclosures[0].message.contains("hello → third_party"));
}

#[test]
fn a_node_needs_exactly_one_exit() {
    fails_with("two_exits.yaml", Rule::Structure, 6, "exactly one of");
}

#[test]
fn settings_out_of_range_are_errors() {
    let found = errors("bad_setting.yaml");
    assert!(found
        .iter()
        .any(|d| d.rule == Rule::Setting && d.message.contains("min_confidence")));
}

#[test]
fn missing_handlers_are_warnings_only() {
    let path = repo("tests/data/dialog/low_confidence_loop.yaml");
    assert!(!has_errors(&check_file(&path)));
    let path = repo("tests/data/dialog/unreachable.yaml");
    let warnings: Vec<_> = check_file(&path)
        .into_iter()
        .filter(|d| d.rule == Rule::MissingHandler)
        .collect();
    assert_eq!(warnings.len(), 4);
    assert!(warnings.iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn a_flow_that_never_listens_needs_no_handlers() {
    for flow in [
        "dialogs/unknown_caller_en.yaml",
        "dialogs/unknown_caller_queue_ru.yaml",
    ] {
        let found = check_file(&repo(flow));
        assert!(found.is_empty(), "{flow}: {found:?}");
    }
}

#[test]
fn every_broken_flow_fails() {
    for entry in std::fs::read_dir(repo("tests/data/dialog")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "low_confidence_loop.yaml" {
            continue;
        }
        assert!(
            has_errors(&check_file(&path)),
            "{name} should fail the check"
        );
    }
}

#[test]
fn a_handler_reachable_before_identity_must_not_disclose() {
    let found = errors("disclosure_handler.yaml");
    let hit = found
        .iter()
        .find(|d| d.rule == Rule::Disclosure)
        .expect("disclosure through a handler");
    assert!(hit.message.contains("hello → tell_amount"), "{hit}");
    assert!(hit.message.contains("{days_overdue}"), "{hit}");
}

#[test]
fn dtmf_keys_must_be_single_keys_meaning_known_intents() {
    fails_with("bad_key.yaml", Rule::Structure, 10, "`12` is not a key");
    fails_with("bad_key.yaml", Rule::UnknownIntent, 10, "`agree`");
}

#[test]
fn duplicate_node_names_are_reported_where_repeated() {
    fails_with(
        "duplicate_node.yaml",
        Rule::Syntax,
        8,
        "duplicate mapping key: a; each name may appear once",
    );
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let found = check_file(&repo("tests/data/dialog/no_such_flow.yaml"));
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .to_string()
            .contains("no_such_flow.yaml: error: cannot read the flow file"),
        "{}",
        found[0]
    );
}

#[test]
fn a_grammar_on_a_date_question_is_a_warning_and_the_shipped_flows_have_none() {
    for (flow, _) in SHIPPED {
        let found: Vec<_> = check_file(&repo(flow))
            .into_iter()
            .filter(|d| d.rule == Rule::Grammar)
            .collect();
        assert!(found.is_empty(), "{flow}: {found:?}");
    }
    let text = std::fs::read_to_string(repo("dialogs/soft_collection_en.yaml")).unwrap();
    let narrowed = text.replacen(
        "      no_match: handoff_no_match\n\n  ask_exact_date:",
        "      grammar: [\"on Friday\", \"next week\"]\n      no_match: handoff_no_match\n\n  ask_exact_date:",
        1,
    );
    assert_ne!(narrowed, text, "the date question was found");
    let path = std::env::temp_dir().join(format!("softcall-grammar-{}.yaml", std::process::id()));
    std::fs::write(&path, narrowed).unwrap();
    let found: Vec<_> = check_file(&path)
        .into_iter()
        .filter(|d| d.rule == Rule::Grammar)
        .collect();
    let _ = std::fs::remove_file(&path);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0].message.contains("ask_date"),
        "{}",
        found[0].message
    );
}
