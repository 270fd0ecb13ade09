//! Campaigns: list import, storage on SQLite and PostgreSQL, history, payments and promises, crash recovery,
//! strategies, SMS and e-mail against local servers, results and analytics.

mod channels;
mod cli;
mod import;
mod newcomer;
mod pg;
mod plan;
mod scenarios;
mod strategy;

use std::path::PathBuf;

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
