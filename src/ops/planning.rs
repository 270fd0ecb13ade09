//! Planning a campaign from the store at one moment: its debtors, every debtor's whole history (all campaigns,
//! so legal limits see every contact) and campaign statuses, handed to the pure planner.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::campaign::compliance::Policy;
use crate::campaign::planner::{plan, CampaignPlan};
use crate::campaign::strategy::Strategy;
use crate::store::{Store, StoreError};

/// What the campaign would do at `now`, from what the store holds now.
pub async fn plan_campaign(
    store: &Store,
    strategy: &Strategy,
    policy: Policy,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> Result<CampaignPlan, StoreError> {
    let debtors = store.campaign_debtors(campaign_id).await?;
    let histories = store.campaign_histories(campaign_id).await?;
    let statuses: HashMap<i64, String> = store
        .campaign_statuses(campaign_id)
        .await?
        .into_iter()
        .collect();
    Ok(plan(strategy, policy, &debtors, &histories, &statuses, now))
}
