//! Campaigns: list import, storage on SQLite and PostgreSQL, history, payments and promises, crash recovery,
//! strategies, SMS and e-mail against local servers, results and analytics.

mod channels;
mod cli;
mod import;
mod language;
mod newcomer;
mod pg;
mod plan;
mod promises;
mod recovery;
mod scenarios;
mod strategy;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::Router;

/// A file under tests/data/campaign.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/campaign")
        .join(name)
}

/// A fresh SQLite store in a temporary folder (kept alive by the returned guard).
pub async fn sqlite_store() -> (softcall::store::Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("data/softcall.db").display());
    let store = softcall::store::Store::open(&url)
        .await
        .expect("open sqlite store");
    (store, dir)
}

/// Runs a future on a fresh runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A local SMS gateway on loopback: `POST /send` answers `ok` and keeps each request body. Stops when dropped.
pub struct SmsSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Request bodies, in order.
    pub seen: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl SmsSink {
    /// Starts the gateway (inside a runtime).
    pub async fn start() -> SmsSink {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let app = Router::new()
            .route(
                "/send",
                post(
                    |State(seen): State<Arc<Mutex<Vec<String>>>>, body: String| async move {
                        seen.lock().unwrap().push(body);
                        "ok"
                    },
                ),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        SmsSink { port, seen, server }
    }

    /// The bodies received so far.
    pub fn bodies(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for SmsSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Plans campaign `campaign` of the store at `at`, as `softcall campaign plan` does.
pub async fn plan_campaign(
    store: &softcall::store::Store,
    strategy: &softcall::campaign::strategy::Strategy,
    campaign: &str,
    profile: softcall::campaign::compliance::Profile,
    at: chrono::DateTime<chrono::Utc>,
) -> softcall::campaign::planner::CampaignPlan {
    let c = store.campaign(campaign).await.unwrap();
    let debtors = store.campaign_debtors(c.id).await.unwrap();
    let histories = store.campaign_histories(c.id).await.unwrap();
    let statuses: std::collections::HashMap<i64, String> = store
        .campaign_statuses(c.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    softcall::campaign::planner::plan(
        strategy,
        softcall::campaign::compliance::Policy::new(
            profile,
            softcall::campaign::compliance::Settings::default(),
        ),
        &debtors,
        &histories,
        &statuses,
        at,
    )
}

/// Imports a debtor list given as CSV text into `campaign` (as of 2026-11-23), writing it under `dir`.
pub async fn import_csv(
    store: &softcall::store::Store,
    dir: &std::path::Path,
    csv: &str,
    campaign: &str,
    now: chrono::DateTime<chrono::Utc>,
) {
    let list = dir.join(format!("{campaign}.csv"));
    std::fs::write(&list, csv).unwrap();
    let opts = softcall::ops::lists::DebtorImport {
        campaign: campaign.into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        strict_columns: false,
        skip_invalid: false,
        rejects: None,
        now,
    };
    softcall::ops::lists::import_debtors(store, &list, &opts, &|_, _| {})
        .await
        .unwrap();
}

/// Writes the attempt for a planned call as the dialler does, at `at`.
pub async fn begin_planned_call(
    store: &softcall::store::Store,
    campaign: &str,
    strategy: &str,
    line: &softcall::campaign::planner::PlanLine,
    at: chrono::DateTime<chrono::Utc>,
) -> softcall::campaign::dial::DialTicket {
    let c = store.campaign(campaign).await.unwrap();
    store
        .begin_dial(
            softcall::campaign::dial::DialOrder {
                campaign_id: c.id,
                debtor_id: line.debtor_id,
                phone_id: line.phone_id.expect("a call has a phone"),
                strategy: strategy.into(),
                segment: line.segment.clone(),
                step: line.step.clone(),
                flow: line.what.clone(),
                recall_promise: line.recall_promise,
            },
            at,
        )
        .await
        .unwrap()
}

/// A call outcome without a conversation record, ending 90 s after `at`.
pub fn outcome(
    disposition: softcall::domain::Disposition,
    at: chrono::DateTime<chrono::Utc>,
    promise: Option<(chrono::NaiveDate, Option<i64>)>,
) -> softcall::campaign::outcome::CallOutcome {
    softcall::campaign::outcome::CallOutcome {
        disposition,
        started_at: at,
        answered_at: disposition.is_conversation().then_some(at),
        ended_at: at + chrono::Duration::seconds(90),
        promise,
        handoff_reason: None,
        recording_path: None,
        events: vec![],
    }
}
