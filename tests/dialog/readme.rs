//! The worked example of dialogs/README.md passes the check and behaves as the README says.

use super::{day, load_debtor, repo, Call};
use softcall::dialog::check::check;
use softcall::dialog::engine::{Action, Event};
use softcall::dialog::flow::Flow;
use softcall::dialog::nlu::Intent;
use softcall::domain::Disposition;
use std::sync::Arc;

fn worked_example() -> String {
    let readme = std::fs::read_to_string(repo("dialogs/README.md")).unwrap();
    let start = readme
        .find("```yaml\nflow: reminder")
        .expect("the worked example is in the README")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    readme[start..end].to_string()
}

fn example_flow() -> Arc<Flow> {
    Arc::new(
        Flow::parse(&worked_example(), std::path::Path::new("README.md"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

#[test]
fn worked_example_passes_the_check() {
    let found = check(&example_flow());
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn worked_example_breaks_the_disclosure_rule_when_greeting_says_the_amount() {
    let text = worked_example().replace(
        "телефон {creditor_phone}.",
        "телефон {creditor_phone}. Долг {amount}.",
    );
    let flow = Flow::parse(&text, std::path::Path::new("README.md")).unwrap();
    let found = check(&flow);
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("node `greeting` reveals the debt")),
        "{found:?}"
    );
}

#[test]
fn worked_example_conversation_goes_as_described() {
    let mut call = Call::start(
        example_flow(),
        load_debtor("dialogs/examples/debtor_ru.json"),
    );
    call.says(Intent::Confirm);
    assert_eq!(call.engine.current_node(), "confirmed");
    let out = call.hear(Intent::PromiseToPay, Some(day(5)), None);
    assert!(out.contains(&Action::RecordPromise {
        date: day(5),
        amount: Some(12500.5)
    }));
    assert!(matches!(
        out.last(),
        Some(Action::Hangup {
            outcome: Disposition::PromiseToPay
        })
    ));

    let mut call = Call::start(
        example_flow(),
        load_debtor("dialogs/examples/debtor_ru.json"),
    );
    call.says(Intent::Confirm);
    let first = call.send(Event::SilenceTimeout);
    assert!(
        matches!(first.first(), Some(Action::Say { text, .. }) if text == "Извините, я вас не расслышала.")
    );
    call.send(Event::SilenceTimeout);
    assert_eq!(call.ending().reason.as_deref(), Some("operator_request"));
}
