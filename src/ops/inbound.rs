//! Calls debtors place to us. The caller ID (the From user, normalised to E.164 the way list imports are) finds
//! the debtor among every campaign's phones; their most recent active campaign answers with its inbound flow
//! (identity first, then the conversation), and the call is stored in their history as an inbound attempt, like
//! a dialled one. A caller whose number no debtor has hears a neutral message or is put through to the agent
//! queue — never anything about a debt — and the call is kept apart from every debtor's history.
//!
//! [`serve`] answers every incoming call until told to stop, so a campaign can run it next to its dialling.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::bridge::call_context;
use super::dial::{attempt_recording, prepare_recordings, store_call, stored_outcome, DialError};
use crate::call::config::CallConfig;
use crate::call::live::{
    self, CollectRecords, Conversation, LiveError, LiveOutcome, MediaSettings,
};
use crate::call::speech::CallSpeech;
use crate::call::stop::StopWatch;
use crate::call::stored::StoreRecords;
use crate::campaign::dial::{DialOrder, DialTicket};
use crate::campaign::import::phone::normalize;
use crate::campaign::outcome::CallOutcome;
use crate::campaign::planner::mask_phone;
use crate::campaign::strategy::UnknownCaller;
use crate::dialog::context::{CallContext, DebtorError, History};
use crate::dialog::flow::Flow;
use crate::domain::{DebtorFlags, DebtorRecord, Disposition, Lang};
use crate::sip::driver::{DriverEvent, SipHandle};
use crate::sip::endpoint::IncomingCall;
use crate::store::inbound::{CallerMatch, UnknownCall};
use crate::store::{Store, StoreError};

/// The ladder step inbound attempts are stored under.
pub const INBOUND_STEP: &str = "inbound";

/// Why an incoming call could not be answered or stored.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The call could not be held or stored (the same failures as a dialled call's).
    #[error(transparent)]
    Call(#[from] DialError),
    /// The SIP driver stopped.
    #[error("the SIP driver stopped")]
    SipStopped,
    /// Neither the caller's campaign nor the answering campaign has an inbound plan.
    #[error("no inbound plan for campaign {0} (the answering campaign's plan must be in Answering::plans)")]
    NoPlan(i64),
}

impl From<StoreError> for InboundError {
    fn from(e: StoreError) -> Self {
        Self::Call(e.into())
    }
}

impl From<LiveError> for InboundError {
    fn from(e: LiveError) -> Self {
        Self::Call(e.into())
    }
}

impl From<DebtorError> for InboundError {
    fn from(e: DebtorError) -> Self {
        Self::Call(e.into())
    }
}

impl From<serde_json::Error> for InboundError {
    fn from(e: serde_json::Error) -> Self {
        Self::Call(e.into())
    }
}

/// How one campaign answers: the flows and the voice and recogniser they speak and listen with.
#[derive(Clone)]
pub struct InboundPlan {
    /// The strategy name inbound attempts are stored with.
    pub strategy: String,
    /// The flow a known caller is talked to with: identity first, then the conversation.
    pub flow: Arc<Flow>,
    /// What a caller whose number no debtor has gets.
    pub unknown_caller: UnknownCaller,
    /// The flow an unknown caller hears (the neutral message, or the way to the agent queue).
    pub unknown_flow: Arc<Flow>,
    /// Voice and recogniser for these flows' language.
    pub speech: Arc<CallSpeech>,
}

impl std::fmt::Debug for InboundPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundPlan")
            .field("strategy", &self.strategy)
            .field("flow", &self.flow.flow)
            .field("unknown_caller", &self.unknown_caller)
            .field("unknown_flow", &self.unknown_flow.flow)
            .finish()
    }
}

/// The name of the flow an unknown caller hears in `lang` (`dialogs/<name>.yaml`).
pub fn unknown_caller_flow(handling: UnknownCaller, lang: Lang) -> String {
    match handling {
        UnknownCaller::Message => format!("unknown_caller_{}", lang.code()),
        UnknownCaller::Queue => format!("unknown_caller_queue_{}", lang.code()),
    }
}

/// What a caller put through to the queue hears when no agent takes the call: neutral, and no promise to call
/// back a number that may be nobody's.
fn unknown_transfer_failed(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "К сожалению, сейчас все специалисты заняты. Пожалуйста, позвоните позже. До свидания."
        }
        Lang::En => {
            "I'm sorry, no specialist is available right now. Please call again later. Goodbye."
        }
    }
}

/// Everything answering needs: the campaign that answers, how each campaign answers, the call settings.
#[derive(Debug, Clone)]
pub struct Answering {
    /// The answering campaign: calls from unknown numbers are stored under it, and its plan is used for debtors
    /// whose own campaign has none.
    pub campaign_id: i64,
    /// Plans by campaign id; must hold `campaign_id`'s.
    pub plans: HashMap<i64, Arc<InboundPlan>>,
    /// Barge-in, time limits and the agent queue.
    pub config: CallConfig,
    /// RTP ports and media timeout (the recording path is set per call).
    pub media: MediaSettings,
    /// Where each call's two-sided recording goes.
    pub recordings: PathBuf,
    /// Ends the calls in progress when it reaches [`crate::call::stop::StopLevel::AtOnce`]; a polite stop
    /// lets them finish, since the debtor called (see [`serve`] for refusing new calls).
    pub stop: StopWatch,
}

impl Answering {
    fn plan_for(&self, campaign_id: i64) -> Option<&Arc<InboundPlan>> {
        self.plans
            .get(&campaign_id)
            .or_else(|| self.plans.get(&self.campaign_id))
    }
}

/// Who called, as far as the store knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "caller", rename_all = "snake_case")]
pub enum Caller {
    /// A debtor, identified by caller ID.
    Debtor {
        /// Debtor row id.
        debtor_id: i64,
        /// The campaign the call was answered in.
        campaign_id: i64,
        /// The inbound attempt.
        attempt_id: i64,
        /// The stored call row.
        call_id: i64,
    },
    /// A number no debtor has.
    Unknown,
}

/// One answered incoming call, as stored.
#[derive(Debug, serde::Serialize)]
pub struct AnsweredCall {
    /// Who called.
    pub caller: Caller,
    /// The calling number masked for display (`+7912***6789`), or `anonymous`.
    pub number_masked: String,
    /// How the call ended.
    pub disposition: Disposition,
    /// The telephony result and the conversation's report.
    pub live: LiveOutcome,
}

impl AnsweredCall {
    /// One line for logs and the console: no names, the number masked.
    pub fn line(&self) -> String {
        let seconds = self
            .live
            .report
            .as_ref()
            .map_or(0, |r| r.duration_ms / 1000);
        let who = match self.caller {
            Caller::Debtor {
                debtor_id,
                attempt_id,
                ..
            } => format!("debtor #{debtor_id}, attempt {attempt_id}"),
            Caller::Unknown => "unknown caller".to_string(),
        };
        format!(
            "inbound {} ({who}): {} after {seconds} s",
            self.number_masked,
            self.disposition.as_str()
        )
    }
}

/// The calling number in E.164, when the From user reads as a phone number.
pub fn caller_number(call: &IncomingCall) -> Option<String> {
    call.caller.user.as_deref().and_then(|u| normalize(u).ok())
}

/// Answers one incoming call: identifies the caller, holds the conversation, stores everything.
pub async fn answer_call(
    store: &Store,
    sip: &SipHandle,
    answering: &Answering,
    call: IncomingCall,
) -> Result<AnsweredCall, InboundError> {
    prepare_recordings(&answering.recordings)?;
    let number = caller_number(&call);
    let number_masked = number.as_deref().map_or("anonymous".into(), mask_phone);
    let found = match &number {
        Some(n) => store.debtor_by_phone(n).await?,
        None => None,
    };
    match found {
        Some(m) => answer_debtor(store, sip, answering, call, m, number_masked).await,
        None => answer_unknown(store, sip, answering, call, number, number_masked).await,
    }
}

async fn answer_debtor(
    store: &Store,
    sip: &SipHandle,
    answering: &Answering,
    call: IncomingCall,
    found: CallerMatch,
    number_masked: String,
) -> Result<AnsweredCall, InboundError> {
    let Some(plan) = answering.plan_for(found.campaign_id) else {
        let _ = sip.reject(call.handle, 480);
        return Err(InboundError::NoPlan(found.campaign_id));
    };
    let now = Utc::now();
    let order = DialOrder {
        campaign_id: found.campaign_id,
        debtor_id: found.debtor_id,
        phone_id: found.phone_id,
        strategy: plan.strategy.clone(),
        segment: INBOUND_STEP.into(),
        step: INBOUND_STEP.into(),
        flow: plan.flow.flow.clone(),
        recall_promise: true,
    };
    let ticket = match store.begin_inbound(order, now).await {
        Ok(t) => t,
        Err(e) => {
            // Already on another call with us, or the store is down: the line is busy for them.
            let _ = sip.reject(call.handle, 486);
            return Err(e.into());
        }
    };
    let ctx = match call_context(&ticket, plan.flow.lang, now) {
        Ok(c) => c,
        Err(e) => {
            let _ = sip.reject(call.handle, 480);
            finish_failed(store, &ticket, now).await;
            return Err(e.into());
        }
    };
    let media = MediaSettings {
        recording: Some(attempt_recording(
            &answering.recordings,
            ticket.attempt_id(),
        )),
        ..answering.media.clone()
    };
    let mut sink = StoreRecords::new(store, ticket.attempt_id(), ticket.debtor().id);
    let conversation = Conversation {
        flow: Arc::clone(&plan.flow),
        ctx,
        config: answering.config.clone(),
        stop: answering.stop.clone(),
    };
    let live = match live::answer(sip, call, conversation, &plan.speech, &media, &mut sink).await {
        Ok(l) => l,
        Err(e) => {
            finish_failed(store, &ticket, now).await;
            return Err(e.into());
        }
    };
    let outcome = stored_outcome(&live, now, Disposition::Failed);
    let (call_id, _) = store_call(store, &ticket, &outcome, &live).await?;
    Ok(AnsweredCall {
        caller: Caller::Debtor {
            debtor_id: ticket.debtor().id,
            campaign_id: found.campaign_id,
            attempt_id: ticket.attempt_id(),
            call_id,
        },
        number_masked,
        disposition: outcome.disposition,
        live,
    })
}

/// Finishes an inbound attempt whose call could not be held as `failed`, so it is not left in flight.
async fn finish_failed(store: &Store, ticket: &DialTicket, at: DateTime<Utc>) {
    let outcome = CallOutcome::without_conversation(Disposition::Failed, at, Utc::now());
    if let Err(e) = store.finish_call(ticket, &outcome).await {
        tracing::warn!(error = %e, attempt = ticket.attempt_id(), "a failed inbound call could not be stored");
    }
}

/// The context an unknown caller is talked to with: nobody's record, so no prompt can say anything about a
/// person or a debt.
fn nobody(lang: Lang, now: DateTime<Utc>) -> Result<CallContext, DebtorError> {
    let record = DebtorRecord {
        external_id: String::new(),
        full_name: String::new(),
        phones: Vec::new(),
        time_zone: "UTC".into(),
        region: None,
        amount_due: 0,
        currency: String::new(),
        due_date: now.date_naive(),
        product: None,
        creditor: None,
        creditor_phone: None,
        email: None,
        language: Some(lang),
        prior_delinquencies: 0,
        flags: DebtorFlags::default(),
        extra: Default::default(),
    };
    CallContext::new(record, History::default(), lang, now)
}

/// A file name made of the Call-ID's safe characters.
fn file_safe(call_id: &str) -> String {
    call_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect()
}

async fn answer_unknown(
    store: &Store,
    sip: &SipHandle,
    answering: &Answering,
    call: IncomingCall,
    number: Option<String>,
    number_masked: String,
) -> Result<AnsweredCall, InboundError> {
    let Some(plan) = answering.plan_for(answering.campaign_id) else {
        let _ = sip.reject(call.handle, 480);
        return Err(InboundError::NoPlan(answering.campaign_id));
    };
    let now = Utc::now();
    let lang = plan.unknown_flow.lang;
    let ctx = nobody(lang, now)?;
    let sip_call_id = call.call_id.clone();
    let recording = answering
        .recordings
        .join(format!("unknown-{}.wav", file_safe(&sip_call_id)));
    let media = MediaSettings {
        recording: Some(recording),
        ..answering.media.clone()
    };
    let config = CallConfig {
        transfer_failed_message: Some(unknown_transfer_failed(lang).to_string()),
        ..answering.config.clone()
    };
    let conversation = Conversation {
        flow: Arc::clone(&plan.unknown_flow),
        ctx,
        config,
        stop: answering.stop.clone(),
    };
    // The hand-off card would describe nobody: it stays in memory.
    let mut records = CollectRecords::default();
    let live = live::answer(sip, call, conversation, &plan.speech, &media, &mut records).await?;
    let outcome = stored_outcome(&live, now, Disposition::Failed);
    store
        .save_unknown_call(&UnknownCall {
            sip_call_id,
            campaign_id: answering.campaign_id,
            caller: number,
            handling: plan.unknown_caller.as_str().into(),
            disposition: outcome.disposition.as_str().into(),
            started_at: now,
            answered_at: outcome.answered_at,
            ended_at: outcome.ended_at,
            recording_path: outcome.recording_path.clone(),
            report: Some(serde_json::to_string(&live)?),
        })
        .await?;
    Ok(AnsweredCall {
        caller: Caller::Unknown,
        number_masked,
        disposition: outcome.disposition,
        live,
    })
}

/// How a [`serve`] run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Served {
    /// Calls from debtors answered and stored.
    pub debtors: u64,
    /// Calls from unknown numbers answered and stored.
    pub unknown: u64,
    /// Calls that could not be answered or stored (each logged).
    pub failed: u64,
}

/// Answers every incoming call on `sip` (offered on its general `events` channel) until `stop` completes or the
/// driver stops, each call in its own task; then stops taking calls and waits for the calls in progress to end.
/// Each answered call is logged at info level (one line, no names, the number masked) and sent on `done`.
/// Events other than incoming calls (registration) are ignored.
pub async fn serve(
    store: Store,
    sip: SipHandle,
    events: &mut mpsc::UnboundedReceiver<DriverEvent>,
    answering: Arc<Answering>,
    stop: impl Future<Output = ()>,
    done: Option<mpsc::UnboundedSender<AnsweredCall>>,
) -> Result<Served, InboundError> {
    sip.accept_inbound(true)
        .map_err(|_| InboundError::SipStopped)?;
    let mut served = Served::default();
    let mut calls: JoinSet<Result<AnsweredCall, InboundError>> = JoinSet::new();
    let count =
        |served: &mut Served, result: Result<Result<AnsweredCall, InboundError>, _>| match result {
            Ok(Ok(call)) => {
                match call.caller {
                    Caller::Debtor { .. } => served.debtors += 1,
                    Caller::Unknown => served.unknown += 1,
                }
                tracing::info!("{}", call.line());
                if let Some(done) = &done {
                    let _ = done.send(call);
                }
            }
            Ok(Err(e)) => {
                served.failed += 1;
                tracing::warn!(error = %e, "an incoming call could not be answered or stored");
            }
            Err(e) => {
                served.failed += 1;
                tracing::warn!(error = %e, "an incoming call's task ended abnormally");
            }
        };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            ev = events.recv() => match ev {
                None => break,
                Some(DriverEvent::Incoming(call)) => {
                    let (store, sip, answering) = (store.clone(), sip.clone(), Arc::clone(&answering));
                    calls.spawn(async move { answer_call(&store, &sip, &answering, call).await });
                }
                Some(_) => {}
            },
            Some(result) = calls.join_next() => count(&mut served, result),
        }
    }
    // New INVITEs are refused (480) from now on; the calls in progress end as their conversations do.
    let _ = sip.accept_inbound(false);
    while let Some(result) = calls.join_next().await {
        count(&mut served, result);
    }
    Ok(served)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_callers_hear_the_flow_of_their_handling_in_the_campaign_language() {
        assert_eq!(
            unknown_caller_flow(UnknownCaller::Message, Lang::Ru),
            "unknown_caller_ru"
        );
        assert_eq!(
            unknown_caller_flow(UnknownCaller::Queue, Lang::En),
            "unknown_caller_queue_en"
        );
    }

    #[test]
    fn nobody_has_no_name_no_amount_and_no_creditor() {
        let now: DateTime<Utc> = "2026-11-23T07:00:00Z".parse().expect("time");
        let ctx = nobody(Lang::En, now).expect("a valid context");
        assert!(ctx.debtor.full_name.is_empty());
        assert_eq!(ctx.debtor.amount_due, 0);
        assert!(ctx.debtor.creditor.is_none());
        assert_eq!(ctx.history, History::default());
    }

    #[test]
    fn recording_names_keep_only_safe_characters_of_the_call_id() {
        assert_eq!(file_safe("a1b2@10.0.0.1"), "a1b2_10.0.0.1");
        assert_eq!(file_safe("../../etc"), ".._.._etc");
    }
}
