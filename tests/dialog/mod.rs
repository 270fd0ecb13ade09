//! Dialogue graphs, the engine, `dialog check`, renders and the `dialog` command line.

mod check;
mod cli;
mod conversations;
mod engine_events;
mod every_ending;
mod parts;
mod props;
mod readme;
mod render;
mod with_nlu;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use softcall::dialog::context::{DebtorFile, Promise};
use softcall::dialog::engine::{Action, Ending, Engine, Event};
use softcall::dialog::flow::Flow;
use softcall::dialog::nlu::{Intent, Understanding};
use softcall::domain::PromiseStatus;
use std::path::PathBuf;
use std::sync::Arc;

/// A file of the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The two shipped flows with their example debtors.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "dialogs/soft_collection_ru.yaml",
        "dialogs/examples/debtor_ru.json",
    ),
    (
        "dialogs/soft_collection_en.yaml",
        "dialogs/examples/debtor_en.json",
    ),
];

/// The call date of every scripted test (a Sunday).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// `today` plus `days`.
pub fn day(days: i64) -> NaiveDate {
    today() + chrono::Duration::days(days)
}

/// Loads a flow, panicking with the parse error.
pub fn load_flow(path: &str) -> Arc<Flow> {
    Arc::new(Flow::load(&repo(path)).unwrap_or_else(|e| panic!("{e}")))
}

/// Loads a debtor record.
pub fn load_debtor(path: &str) -> DebtorFile {
    DebtorFile::load(&repo(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// A debtor with no earlier promise.
pub fn fresh(mut d: DebtorFile) -> DebtorFile {
    d.history.last_promise = None;
    d.history.broken_promises = 0;
    d
}

/// A debtor who broke `count` promises, the last one a week ago.
pub fn broke(mut d: DebtorFile, count: u32) -> DebtorFile {
    d.history.last_promise = Some(Promise {
        date: day(-7),
        amount: Some(300_000),
        status: PromiseStatus::Broken,
    });
    d.history.broken_promises = count;
    d
}

/// One scripted call driven through the engine.
pub struct Call {
    /// The engine under test.
    pub engine: Engine,
    /// Every action so far, in order.
    pub actions: Vec<Action>,
    /// The simulated clock.
    pub now: DateTime<Utc>,
}

impl Call {
    /// Starts `flow` for `debtor` at noon of [`today`] in the debtor's zone.
    pub fn start(flow: Arc<Flow>, debtor: DebtorFile) -> Call {
        let tz: chrono_tz::Tz = debtor.timezone.parse().unwrap();
        let now = tz
            .from_local_datetime(&today().and_hms_opt(12, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc);
        let ctx = debtor.into_context(now).unwrap();
        let (engine, actions) = Engine::start(flow, ctx);
        Call {
            engine,
            actions,
            now,
        }
    }

    /// Starts a shipped flow (`i` indexes [`SHIPPED`]) with a modified example debtor.
    pub fn shipped(i: usize, debtor: impl FnOnce(DebtorFile) -> DebtorFile) -> Call {
        let (flow, d) = SHIPPED[i];
        Call::start(load_flow(flow), debtor(load_debtor(d)))
    }

    /// Feeds an event after the prompts have played; returns the new actions.
    pub fn send(&mut self, event: Event) -> Vec<Action> {
        self.now += chrono::Duration::seconds(8);
        self.engine.handle(Event::PlaybackFinished, self.now);
        let out = self.engine.handle(event, self.now);
        self.actions.extend(out.clone());
        out
    }

    /// The debtor says something already understood.
    pub fn hear(
        &mut self,
        intent: Intent,
        date: Option<NaiveDate>,
        amount: Option<f64>,
    ) -> Vec<Action> {
        self.send(Event::Understood(Understanding {
            text: format!("<{intent:?}>"),
            intent,
            date,
            amount,
        }))
    }

    /// The debtor says `intent` without entities.
    pub fn says(&mut self, intent: Intent) -> Vec<Action> {
        self.hear(intent, None, None)
    }

    /// Every prompt said so far, one per line.
    pub fn transcript(&self) -> String {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Say { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// How the call ended (panics when it has not).
    pub fn ending(&self) -> Ending {
        self.engine
            .ending()
            .cloned()
            .unwrap_or_else(|| panic!("call not finished; path {:?}", self.engine.path()))
    }

    /// Whether the path went through `node`.
    pub fn visited(&self, node: &str) -> bool {
        self.engine.path().iter().any(|n| n == node)
    }
}
