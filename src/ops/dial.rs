//! One campaign call from its ticket to the stored result: the ticket's phone is dialled, the flow's
//! conversation is held live, the agent's context card and a task for agents are stored the moment the call
//! produces them, and the attempt is finished with its disposition, promise, conversation and whole report.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::bridge::{call_context, call_outcome};
use crate::call::config::CallConfig;
use crate::call::live::{self, Conversation, DialTarget, LiveError, LiveOutcome, MediaSettings};
use crate::call::speech::CallSpeech;
use crate::call::stop::StopWatch;
use crate::call::stored::StoreRecords;
use crate::campaign::dial::DialTicket;
use crate::campaign::outcome::CallOutcome;
use crate::dialog::context::DebtorError;
use crate::dialog::flow::Flow;
use crate::domain::Disposition;
use crate::sip::auth::Credentials;
use crate::sip::driver::SipHandle;
use crate::sip::outcome::Outcome as SipOutcome;
use crate::store::{Store, StoreError};

/// Why a ticket's call could not be conducted or stored.
#[derive(Debug, thiserror::Error)]
pub enum DialError {
    /// The stored debtor cannot be talked to (bad time zone, …).
    #[error("the debtor's record cannot start a call: {0}")]
    Debtor(#[from] DebtorError),
    /// The call could not be placed or held.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// The result could not be stored.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The recordings folder could not be made.
    #[error(
        "{path}: cannot create the recordings folder: {source} (check data_dir in softcall.toml)"
    )]
    Recordings {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The report could not be written as JSON.
    #[error("the call report could not be written as JSON: {0}")]
    Report(#[from] serde_json::Error),
}

/// Where and how campaign calls go out.
#[derive(Debug, Clone)]
pub struct Route {
    /// The Request-URI for a phone: `{phone}` stands for its E.164 number (`sip:{phone}@trunk.example`).
    pub uri_template: String,
    /// Our address-of-record for From.
    pub from: String,
    /// The first hop (trunk, proxy or the callee).
    pub dest: SocketAddr,
    /// Credentials for 401/407 challenges.
    pub credentials: Option<Credentials>,
    /// How long to ring.
    pub ring_timeout: Duration,
    /// RTP ports and media timeout (the recording path is set per call).
    pub media: MediaSettings,
    /// Where each call's two-sided recording goes (`attempt-<id>.wav`).
    pub recordings: PathBuf,
}

impl Route {
    /// The Request-URI for `phone`.
    pub fn uri_for(&self, phone: &str) -> String {
        self.uri_template.replace("{phone}", phone)
    }

    /// Where an attempt's two-sided recording goes.
    pub fn recording_path(&self, attempt_id: i64) -> PathBuf {
        attempt_recording(&self.recordings, attempt_id)
    }

    /// Where an attempt's report (transcript, path, timeline) is written beside its recording.
    pub fn report_path(&self, attempt_id: i64) -> PathBuf {
        self.recordings.join(format!("attempt-{attempt_id}.json"))
    }
}

/// What one ticket's call came to, as stored.
#[derive(Debug)]
pub struct DialledCall {
    /// The stored call row.
    pub call_id: i64,
    /// Its disposition.
    pub disposition: Disposition,
    /// The promise stored with it: date and amount in minor units (the whole debt when none was named).
    pub promise: Option<(NaiveDate, i64)>,
    /// The telephony result and, when answered, the conversation's report.
    pub live: LiveOutcome,
}

/// What every call of a run shares: the store, the SIP driver and the route out.
#[derive(Clone)]
pub struct Dialler {
    /// Where tickets, outcomes and reports are stored.
    pub store: Store,
    /// The running SIP driver.
    pub sip: SipHandle,
    /// Where and how calls go out.
    pub route: Route,
}

/// What one call holds with the debtor: the flow, its voice and ears, the call settings and the run's stop.
#[derive(Debug, Clone)]
pub struct CallScript {
    /// The flow of the debtor's ladder step.
    pub flow: Arc<Flow>,
    /// The voice and recogniser of the flow's language.
    pub speech: CallSpeech,
    /// Barge-in, limits, hand-off target.
    pub config: CallConfig,
    /// The run's stop.
    pub stop: StopWatch,
}

impl Dialler {
    /// Dials the ticket's phone, holds the script's flow with the debtor, and stores everything about the call.
    pub async fn conduct(
        &self,
        ticket: &DialTicket,
        script: CallScript,
    ) -> Result<DialledCall, DialError> {
        let (store, route) = (&self.store, &self.route);
        prepare_recordings(&route.recordings)?;
        let dialled_at = Utc::now();
        let ctx = call_context(ticket, script.flow.lang, dialled_at)?;
        let target = DialTarget {
            target: route.uri_for(ticket.phone()),
            from: route.from.clone(),
            display_name: None,
            dest: route.dest,
            credentials: route.credentials.clone(),
            ring_timeout: route.ring_timeout,
        };
        let media = MediaSettings {
            recording: Some(route.recording_path(ticket.attempt_id())),
            ..route.media.clone()
        };
        let mut sink = StoreRecords::new(store, ticket.attempt_id(), ticket.debtor().id);
        let conversation = Conversation {
            flow: script.flow,
            ctx,
            config: script.config,
            stop: script.stop,
        };
        let live = live::dial(
            &self.sip,
            target,
            conversation,
            &script.speech,
            &media,
            &mut sink,
        )
        .await?;
        let outcome = stored_outcome(&live, dialled_at, unanswered(live.telephony.outcome));
        let (call_id, report) = store_call(store, ticket, &outcome, &live).await?;
        let path = route.report_path(ticket.attempt_id());
        if let Err(e) = std::fs::write(&path, &report) {
            // The report is stored; only the file beside the recording is missing.
            tracing::warn!(path = %path.display(), error = %e, "the call report file could not be written");
        }
        Ok(DialledCall {
            call_id,
            disposition: outcome.disposition,
            promise: outcome
                .promise
                .map(|(date, amount)| (date, amount.unwrap_or(ticket.debtor().record.amount_due))),
            live,
        })
    }
}

/// Makes the recordings folder when it is missing.
pub fn prepare_recordings(dir: &Path) -> Result<(), DialError> {
    std::fs::create_dir_all(dir).map_err(|source| DialError::Recordings {
        path: dir.display().to_string(),
        source,
    })
}

/// An attempt's two-sided recording in the recordings folder `dir`.
pub fn attempt_recording(dir: &Path, attempt_id: i64) -> PathBuf {
    dir.join(format!("attempt-{attempt_id}.wav"))
}

/// What the store keeps of a live call: the conversation's outcome, or `unheard` when there was none.
pub fn stored_outcome(
    live: &LiveOutcome,
    started_at: DateTime<Utc>,
    unheard: Disposition,
) -> CallOutcome {
    match &live.report {
        Some(report) => CallOutcome {
            started_at,
            ..call_outcome(report)
        },
        None => CallOutcome::without_conversation(unheard, started_at, Utc::now()),
    }
}

/// Finishes the ticket's attempt with `outcome` and stores the call's whole report; returns the stored
/// call's id and the report as JSON.
pub async fn store_call(
    store: &Store,
    ticket: &DialTicket,
    outcome: &CallOutcome,
    live: &LiveOutcome,
) -> Result<(i64, String), DialError> {
    let call_id = store.finish_call(ticket, outcome).await?;
    let report = serde_json::to_string(live)?;
    store.save_call_report(call_id, &report).await?;
    Ok((call_id, report))
}

/// The disposition of a call that never reached a conversation.
fn unanswered(outcome: SipOutcome) -> Disposition {
    match outcome {
        SipOutcome::Busy => Disposition::Busy,
        SipOutcome::NoAnswer => Disposition::NoAnswer,
        SipOutcome::Rejected => Disposition::Rejected,
        SipOutcome::Answered | SipOutcome::Failed => Disposition::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_was_not_answered_keeps_the_telephony_reason_as_its_disposition() {
        assert_eq!(unanswered(SipOutcome::Busy), Disposition::Busy);
        assert_eq!(unanswered(SipOutcome::NoAnswer), Disposition::NoAnswer);
        assert_eq!(unanswered(SipOutcome::Rejected), Disposition::Rejected);
        assert_eq!(unanswered(SipOutcome::Failed), Disposition::Failed);
    }

    #[test]
    fn the_route_puts_the_number_into_the_request_uri() {
        let route = Route {
            uri_template: "sip:{phone}@trunk.example".into(),
            from: "sip:robot@example".into(),
            dest: "127.0.0.1:5060".parse().expect("address"),
            credentials: None,
            ring_timeout: Duration::from_secs(30),
            media: MediaSettings::default(),
            recordings: PathBuf::from("rec"),
        };
        assert_eq!(
            route.uri_for("+79123456789"),
            "sip:+79123456789@trunk.example"
        );
    }
}
