//! Loading what a campaign's results and analytics are computed from.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::campaign::report::CampaignFacts;
use crate::campaign::strategy::{file::parse_stored, StrategyError};
use crate::store::{Store, StoreError};

/// Why a campaign report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The strategy stored with the campaign no longer parses.
    #[error(transparent)]
    Strategy(#[from] StrategyError),
}

/// Loads a campaign's facts and derives each debtor's standing at `now`.
pub async fn campaign_facts(
    store: &Store,
    campaign: &str,
    now: DateTime<Utc>,
) -> Result<CampaignFacts, ReportError> {
    let c = store.campaign(campaign).await?;
    let strategy = match store.latest_strategy(c.id).await? {
        Some((path, text)) => Some(parse_stored(Path::new(&path), &text)?),
        None => None,
    };
    let statuses: HashMap<i64, String> = store.campaign_statuses(c.id).await?.into_iter().collect();
    let histories = store.campaign_histories(c.id).await?;
    Ok(CampaignFacts::derive(
        strategy,
        store.campaign_debtors(c.id).await?,
        &statuses,
        &histories,
        store.attempt_facts(c.id).await?,
        store.promise_facts(c.id).await?,
        now,
    ))
}
