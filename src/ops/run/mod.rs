//! `softcall campaign run`: the loop that carries a campaign out. Each turn it plans the campaign from the store,
//! sends the due messages, takes a [`DialTicket`](crate::campaign::dial::DialTicket) for every call the plan
//! allows (the planner keeps the concurrency, calls-per-second and legal limits) and conducts it live, then
//! waits for a call to end, a retry to come due or the next tick. It ends when nothing is left to do before the
//! end of the allowed hours (or runs on to `until`), or when asked to stop.
//!
//! - [`flows`] — the campaign's flows with their speech, and the static prompts rendered before the first dial.
//! - [`tally`] — the counts shown while it runs and the calls listed at the end.

pub mod flows;
pub mod tally;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::task::JoinSet;

use self::flows::CampaignFlows;
use self::tally::{CallLine, RunTally};
use super::dial::{CallScript, DialError, DialledCall, Dialler};
use super::execute::{execute, ExecuteError};
use super::planning::plan_campaign;
use crate::audio::amd::{AmdConfig, MachinePolicy};
use crate::call::config::{creditor_of, AmdSettings, CallConfig};
use crate::call::report::Speaker;
use crate::call::stop::{StopLevel, StopSwitch};
use crate::campaign::compliance::Policy;
use crate::campaign::dial::{DialOrder, DialTicket};
use crate::campaign::outcome::CallOutcome;
use crate::campaign::planner::{PlanLine, WaitLine};
use crate::campaign::strategy::Strategy;
use crate::domain::Disposition;
use crate::store::StoreError;

/// Why a run stopped before its work was done.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Messages or hand-overs could not be carried out.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
}

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The campaign's row id.
    pub campaign_id: i64,
    /// Its strategy (segments, ladders, limits, templates).
    pub strategy: Strategy,
    /// The legal profile and its settings.
    pub policy: Policy,
    /// Run on to this moment instead of ending when only tomorrow's work is left.
    pub until: Option<DateTime<Utc>>,
    /// Where hand-overs to hard collection are appended.
    pub handover_csv: PathBuf,
    /// Settings of every call (hand-off target, limits, barge-in); answering-machine detection is added per
    /// call from the strategy's profile.
    pub call_config: CallConfig,
    /// The detector's parameters (`[amd]` of the configuration).
    pub amd: AmdConfig,
    /// The longest wait between two plans.
    pub tick: Duration,
    /// After a polite stop, calls still going after this long are ended at once.
    pub stop_grace: Duration,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    /// Nothing is left to do before the allowed hours end (or ever).
    Done,
    /// `until` came.
    Until,
    /// Stopped on request (Ctrl-C); every call's outcome is stored.
    Stopped,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// Why it ended.
    pub end: RunEnd,
    /// Calls an earlier, killed run left in flight, resolved as `unknown` when this one started.
    pub recovered: u64,
    /// Its counts and calls.
    pub tally: RunTally,
}

/// Waits that pass within the same working session: a run waits for them instead of ending.
fn passes_soon(reason: &str) -> bool {
    matches!(
        reason,
        "retry_backoff" | "in_flight" | "concurrency" | "calls_per_second"
    )
}

/// The wait the run should sleep for: the earliest that passes soon (or, with `until`, any before it).
fn next_wake(waiting: &[WaitLine], until: Option<DateTime<Utc>>) -> Option<&WaitLine> {
    waiting
        .iter()
        .filter(|w| match (w.until, until) {
            (Some(t), Some(u)) => t <= u,
            (Some(_), None) => passes_soon(&w.reason),
            (None, _) => false,
        })
        .min_by_key(|w| w.until)
}

/// Carries the campaign out until its work is done, `until` comes, or `stop` is raised. Calls a killed run
/// left in flight are resolved first (one run per campaign at a time).
pub async fn run(
    dialler: &Dialler,
    flows: &CampaignFlows,
    settings: &RunSettings,
    stop: &StopSwitch,
    progress: &mut (dyn FnMut(&RunTally) + Send),
) -> Result<RunSummary, RunError> {
    let store = &dialler.store;
    let recovered = store
        .resolve_campaign_in_flight(settings.campaign_id, Utc::now())
        .await?;
    let mut tally = RunTally::default();
    let mut calls: JoinSet<(CallLine, bool)> = JoinSet::new();
    let mut watch = stop.watch();
    let mut stopping_since: Option<tokio::time::Instant> = None;
    let end = loop {
        while let Some(done) = calls.try_join_next() {
            finished(&mut tally, done);
        }
        let now = Utc::now();
        let level = stop.level();
        if level > StopLevel::Run || settings.until.is_some_and(|u| now >= u) {
            let end = if level > StopLevel::Run {
                RunEnd::Stopped
            } else {
                RunEnd::Until
            };
            if level == StopLevel::Politely {
                let since = *stopping_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() >= settings.stop_grace {
                    stop.raise(StopLevel::AtOnce);
                }
            }
            progress(&tally);
            if calls.is_empty() {
                break end;
            }
            tokio::select! {
                done = calls.join_next() => if let Some(done) = done { finished(&mut tally, done) },
                _ = watch.raised() => {}
                _ = tokio::time::sleep(settings.tick) => {}
            }
            continue;
        }

        let plan = plan_campaign(
            store,
            &settings.strategy,
            settings.policy.clone(),
            settings.campaign_id,
            now,
        )
        .await?;
        if !plan.messages.is_empty() || !plan.hand_overs.is_empty() {
            let report = execute(
                store,
                &settings.strategy,
                settings.campaign_id,
                &plan,
                now,
                &settings.handover_csv,
            )
            .await?;
            tally.executed(&report);
        }
        for line in &plan.calls {
            let Some(ticket) = take_ticket(dialler, settings, line, now).await? else {
                continue;
            };
            let Some(ready) = flows.get(&line.what) else {
                tracing::warn!(flow = %line.what, "the plan names a flow that was not loaded; the call is skipped");
                continue;
            };
            if let Some(lang) = ticket
                .debtor()
                .record
                .language
                .filter(|l| *l != ready.flow.lang)
            {
                tracing::warn!(
                    debtor = %line.external_id,
                    language = lang.code(),
                    flow = %line.what,
                    "the step's flow is written in another language than the debtor's; the flow's language is spoken"
                );
            }
            let script = CallScript {
                flow: ready.flow.clone(),
                speech: ready.speech.clone(),
                config: call_config(settings, &ticket),
                stop: stop.watch(),
            };
            tally.dialled();
            let dialler = dialler.clone();
            calls.spawn(async move {
                let result = dialler.conduct(&ticket, script).await;
                call_line(&dialler, &ticket, result).await
            });
        }
        let wake = next_wake(&plan.waiting, settings.until);
        let shown = wake.or_else(|| {
            plan.waiting
                .iter()
                .filter(|w| w.until.is_some())
                .min_by_key(|w| w.until)
        });
        tally.waiting(&plan.waiting, shown);
        progress(&tally);
        let idle = calls.is_empty() && plan.calls.is_empty() && plan.messages.is_empty();
        if idle && wake.is_none() {
            break RunEnd::Done;
        }
        let sleep = wake
            .and_then(|w| w.until)
            .and_then(|t| (t - Utc::now()).to_std().ok())
            .map_or(settings.tick, |d| d.min(settings.tick));
        tokio::select! {
            done = calls.join_next(), if !calls.is_empty() => {
                if let Some(done) = done { finished(&mut tally, done) }
            }
            _ = watch.raised() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    };
    progress(&tally);
    Ok(RunSummary {
        end,
        recovered,
        tally,
    })
}

/// The settings of one call: the run's, with answering-machine detection as the campaign's profile says. A
/// message the debtor's record cannot fill (no creditor phone) falls back to hanging up on machines.
fn call_config(settings: &RunSettings, ticket: &DialTicket) -> CallConfig {
    let profile = &settings.strategy.answering_machine;
    let record = &ticket.debtor().record;
    let amd = profile.settings(&settings.amd, record).or_else(|e| {
        tracing::warn!(error = %e, "the answering-machine message cannot be filled; machines are hung up on");
        AmdSettings::new(
            settings.amd.clone(),
            &MachinePolicy::default(),
            &creditor_of(record),
        )
        .map(|s| profile.detect.then_some(s))
    });
    CallConfig {
        amd: amd.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "answering-machine detection is off for this call");
            None
        }),
        ..settings.call_config.clone()
    }
}

/// Writes the attempt for one planned call; `None` when the debtor already has a call in flight.
async fn take_ticket(
    dialler: &Dialler,
    settings: &RunSettings,
    line: &PlanLine,
    now: DateTime<Utc>,
) -> Result<Option<DialTicket>, RunError> {
    let Some(phone_id) = line.phone_id else {
        return Ok(None);
    };
    let order = DialOrder {
        campaign_id: settings.campaign_id,
        debtor_id: line.debtor_id,
        phone_id,
        strategy: settings.strategy.name.clone(),
        segment: line.segment.clone(),
        step: line.step.clone(),
        flow: line.what.clone(),
        recall_promise: line.recall_promise,
    };
    match dialler.store.begin_dial(order, now).await {
        Ok(ticket) => Ok(Some(ticket)),
        Err(StoreError::AttemptState { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn finished(tally: &mut RunTally, done: Result<(CallLine, bool), tokio::task::JoinError>) {
    match done {
        Ok((line, answered)) => tally.ended(line, answered),
        Err(e) => {
            // A call task that panicked: its attempt stays in flight and is resolved by recovery.
            tracing::error!(error = %e, "a call task ended abnormally");
            tally.active = tally.active.saturating_sub(1);
            tally.errors += 1;
        }
    }
}

/// The results-table line of a conducted call; a call that could not be placed or stored is finished as
/// `failed` so its attempt does not stay in flight.
async fn call_line(
    dialler: &Dialler,
    ticket: &DialTicket,
    result: Result<DialledCall, DialError>,
) -> (CallLine, bool) {
    let mut line = CallLine {
        debtor_id: ticket.debtor().id,
        external_id: ticket.debtor().record.external_id.clone(),
        attempt_id: ticket.attempt_id(),
        disposition: Disposition::Failed,
        promise: None,
        recording: None,
        report: None,
        heard: Vec::new(),
        error: None,
    };
    match result {
        Ok(call) => {
            let report = call.live.report.as_ref();
            line.disposition = call.disposition;
            line.promise = call.promise;
            line.recording = report.and_then(|r| r.recording.clone());
            line.heard = report
                .map(|r| {
                    r.transcript
                        .iter()
                        .filter(|l| l.speaker == Speaker::Debtor && !l.text.starts_with('#'))
                        .map(|l| l.text.clone())
                        .collect()
                })
                .unwrap_or_default();
            line.report = Some(
                dialler
                    .route
                    .report_path(ticket.attempt_id())
                    .display()
                    .to_string(),
            );
            (line, report.is_some())
        }
        Err(e) => {
            tracing::warn!(attempt = ticket.attempt_id(), error = %e, "a call could not be conducted");
            line.error = Some(e.to_string());
            let now = Utc::now();
            let failed = CallOutcome::without_conversation(Disposition::Failed, now, now);
            if let Err(e) = dialler.store.finish_call(ticket, &failed).await {
                tracing::warn!(attempt = ticket.attempt_id(), error = %e,
                    "a failed call could not be stored; recovery resolves its attempt");
            }
            (line, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(reason: &str, secs: Option<i64>) -> WaitLine {
        WaitLine {
            debtor_id: 1,
            external_id: "L-1".into(),
            segment: None,
            action: Some("call".into()),
            reason: reason.into(),
            detail: String::new(),
            until: secs.map(|s| DateTime::UNIX_EPOCH + chrono::Duration::seconds(s)),
        }
    }

    #[test]
    fn a_run_waits_for_retries_but_not_for_tomorrow() {
        let waiting = [
            wait("compliance:hours", Some(100)),
            wait("retry_backoff", Some(300)),
            wait("attempts_used", None),
        ];
        assert_eq!(
            next_wake(&waiting, None).map(|w| w.reason.as_str()),
            Some("retry_backoff")
        );
        assert!(next_wake(&waiting[..1], None).is_none());
        let until = DateTime::UNIX_EPOCH + chrono::Duration::seconds(200);
        assert_eq!(
            next_wake(&waiting, Some(until)).map(|w| w.reason.as_str()),
            Some("compliance:hours"),
            "with --until the run sleeps through the night"
        );
        let early = DateTime::UNIX_EPOCH + chrono::Duration::seconds(50);
        assert!(next_wake(&waiting, Some(early)).is_none());
    }
}
