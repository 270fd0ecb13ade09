//! The debtor's language and the creditor's phone from the list to the call: the import checks them, the store
//! keeps them, and the call's context, the flow's first prompt and the voicemail message use them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use softcall::audio::amd::AmdConfig;
use softcall::campaign::compliance::Profile;
use softcall::campaign::import::ImportError;
use softcall::campaign::strategy::{self, Strategy};
use softcall::dialog::engine::{Action, Engine};
use softcall::dialog::flow::Flow;
use softcall::domain::Lang;
use softcall::ops::bridge::call_context;
use softcall::ops::lists::{import_debtors, DebtorImport, ListError};
use softcall::store::StoreError;

use super::{begin_planned_call, block_on, data, plan_campaign, sqlite_store};

/// Monday 10:00 in Moscow.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T07:00:00Z")
        .unwrap()
        .to_utc()
}

fn opts(campaign: &str) -> DebtorImport {
    DebtorImport {
        campaign: campaign.into(),
        as_of: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        strict_columns: true,
        skip_invalid: false,
        rejects: None,
        now: now(),
    }
}

fn dialogs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs")
}

/// English-speaking debtors get the English flow, everyone else the Russian one; machines get the limited
/// message with the creditor's phone.
fn strategy() -> Strategy {
    let yaml = "name: language-test
limits:
  calls_per_second: 10
segments:
  - name: english
    when: { language: en }
    ladder:
      - day: 1
        call: soft_collection_en
  - name: others
    ladder:
      - day: 1
        call: soft_collection_ru
answering_machine:
  on_machine: leave_message
  message: \"Hello, this is {creditor}. Please call us back at {creditor_phone}.\"
";
    strategy::parse(Path::new("language-test.yaml"), yaml, &dialogs()).unwrap()
}

/// The first thing the flow says to the debtor of `ctx`.
fn greeting(flow: &Arc<Flow>, ctx: softcall::dialog::context::CallContext) -> String {
    let (_, actions) = Engine::start(flow.clone(), ctx);
    actions
        .into_iter()
        .find_map(|a| match a {
            Action::Say { text, .. } => Some(text),
            _ => None,
        })
        .expect("the flow starts by speaking")
}

#[test]
fn a_stored_language_and_creditor_phone_reach_the_call() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        import_debtors(
            &store,
            &data("debtors_language.csv"),
            &opts("lang"),
            &|_, _| {},
        )
        .await
        .unwrap();
        let s = strategy();
        let flow =
            |name: &str| Arc::new(Flow::load(&dialogs().join(format!("{name}.yaml"))).unwrap());
        let plan = plan_campaign(&store, &s, "lang", Profile::ru_230fz(), now()).await;
        let mut seen = Vec::new();
        for line in &plan.calls {
            let ticket = begin_planned_call(&store, "lang", &s.name, line, now()).await;
            let flow = flow(&line.what);
            let ctx = call_context(&ticket, flow.lang, now()).unwrap();
            let record = &ticket.debtor().record;
            let machine = s.answering_machine.settings(&AmdConfig::default(), record);
            match line.external_id.as_str() {
                "G-1" => {
                    assert_eq!(
                        (line.what.as_str(), ctx.lang),
                        ("soft_collection_ru", Lang::Ru)
                    );
                    let other = call_context(&ticket, Lang::En, now()).unwrap();
                    assert_eq!(
                        other.lang,
                        Lang::Ru,
                        "the stored language wins over the flow's"
                    );
                    let said = greeting(&flow, ctx);
                    assert!(said.contains("для связи: +7 800 555-35-35."), "{said}");
                }
                "G-2" => {
                    // The list says English: the English segment's flow.
                    assert_eq!(
                        (line.what.as_str(), ctx.lang),
                        ("soft_collection_en", Lang::En)
                    );
                    let said = greeting(&flow, ctx);
                    assert!(
                        said.contains("Romashka Finance") && said.contains("at +7 495 123-45-67."),
                        "{said}"
                    );
                    let message = machine
                        .expect("the stored phone fills the voicemail message")
                        .expect("the campaign detects machines")
                        .message;
                    assert_eq!(
                        message.as_deref(),
                        Some("Hello, this is Romashka Finance. Please call us back at +7 495 123-45-67.")
                    );
                }
                "G-3" => {
                    // No language in the list: the flow's; no phone: the message cannot be left (the run falls
                    // back to hanging up on machines).
                    assert_eq!(
                        (line.what.as_str(), ctx.lang),
                        ("soft_collection_ru", Lang::Ru)
                    );
                    assert!(machine.is_err(), "{machine:?}");
                }
                other => panic!("unexpected debtor {other}"),
            }
            seen.push(line.external_id.clone());
        }
        seen.sort();
        assert_eq!(seen, ["G-1", "G-2", "G-3"], "{plan:#?}");
    });
}

#[test]
fn bad_languages_and_creditor_phones_are_row_errors() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        let err = import_debtors(
            &store,
            &data("debtors_language_invalid.csv"),
            &opts("bad"),
            &|_, _| {},
        )
        .await
        .unwrap_err();
        let ListError::Import(ImportError::InvalidRows { rows, errors, .. }) = &err else {
            panic!("expected invalid rows, got {err}");
        };
        assert_eq!(*rows, 3);
        let cells: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            cells,
            [
                (3, "language"),
                (4, "creditor_phone"),
                (5, "creditor_phone"),
                (5, "language")
            ]
        );
        let text = err.to_string();
        for expected in [
            "debtors_language_invalid.csv:3: column `language`: `fr` is not a language softcall speaks (write ru or en, or leave the cell empty)",
            "debtors_language_invalid.csv:4: column `creditor_phone`: creditor's phone `8 800 555-35-35 доб. 2` contains characters",
            "debtors_language_invalid.csv:5: column `creditor_phone`: creditor's phone `555-35` has 5 digits",
            "write one number, or leave the cell empty",
            "debtors_language_invalid.csv:5: column `language`: `русский` is not a language",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(
            matches!(
                store.campaign("bad").await,
                Err(StoreError::UnknownCampaign(_))
            ),
            "nothing imported"
        );
    });
}
