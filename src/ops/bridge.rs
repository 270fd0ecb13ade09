//! The two hand-overs of a campaign call: [`call_context`] builds what the dialogue needs from the
//! [`DialTicket`] (debtor, history, phone), and [`call_outcome`] turns the conductor's [`CallReport`] into the
//! [`CallOutcome`] that `Store::finish_call` records.

use chrono::{DateTime, Duration, Utc};

use crate::call::report::{CallReport, Speaker};
use crate::campaign::dial::DialTicket;
use crate::campaign::history::HistorySummary;
use crate::campaign::outcome::{CallOutcome, ConversationEvent};
use crate::dialog::context::{CallContext, DebtorError, History, Promise};
use crate::domain::money::minor_units_of_spoken;
use crate::domain::{Disposition, Lang};

/// The context of the call a ticket allows, starting at `now`: the debtor, what the dialogue must know of their
/// history, and the number to dial. The debtor's own language is used when the list gave one, else `flow_lang`.
pub fn call_context(
    ticket: &DialTicket,
    flow_lang: Lang,
    now: DateTime<Utc>,
) -> Result<CallContext, DebtorError> {
    let debtor = ticket.debtor().record.clone();
    let lang = debtor.language.unwrap_or(flow_lang);
    Ok(
        CallContext::new(debtor, dialogue_history(ticket.history()), lang, now)?
            .with_phone(ticket.phone()),
    )
}

/// What the dialogue receives of a debtor's contact history: when they were last reached, the last promise and
/// its fate, how many promises were broken, and whether they refused to pay before.
pub fn dialogue_history(summary: &HistorySummary) -> History {
    History {
        last_contact: summary.last_conversation.as_ref().map(|c| c.at),
        last_promise: summary.last_promise.as_ref().map(|p| Promise {
            date: p.promised_date,
            amount: Some(p.amount),
            status: p.status,
        }),
        broken_promises: summary.broken_promises,
        earlier_refusal: summary
            .refusal
            .as_ref()
            .is_some_and(|r| r.kind.parse() == Ok(Disposition::Refused)),
    }
}

/// What the store keeps of a finished call: disposition, times, promise (amount in minor units), hand-off
/// reason, recording and the transcript as conversation events.
pub fn call_outcome(report: &CallReport) -> CallOutcome {
    let at = |ms: u64| report.started_at + Duration::milliseconds(ms as i64);
    CallOutcome {
        disposition: report.outcome,
        started_at: report.started_at,
        answered_at: report
            .timeline
            .iter()
            .find(|e| e.event == "answered")
            .map(|e| at(e.at_ms)),
        ended_at: at(report.duration_ms),
        promise: report
            .promise
            .as_ref()
            .map(|p| (p.date, p.amount.map(minor_units_of_spoken))),
        handoff_reason: report.handoff_reason.clone(),
        recording_path: report.recording.clone(),
        events: report
            .transcript
            .iter()
            .map(|line| {
                let (speaker, kind) = match line.speaker {
                    Speaker::Robot => ("robot", "prompt"),
                    Speaker::Debtor => ("debtor", "utterance"),
                };
                ConversationEvent {
                    at: at(line.start_ms),
                    speaker: speaker.into(),
                    kind: kind.into(),
                    text: line.text.clone(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::report::{EndReason, TimelineEntry, TranscriptLine};
    use crate::campaign::channel::Channel;
    use crate::campaign::debtor::{StoredDebtor, StoredPhone};
    use crate::campaign::dial::DialOrder;
    use crate::campaign::history::{LastContact, PromiseEntry, RefusalEntry};
    use crate::dialog::engine::PromiseMade;
    use crate::domain::{DebtorFlags, DebtorRecord, PromiseStatus};
    use chrono::NaiveDate;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ticket(language: Option<Lang>, summary: HistorySummary) -> DialTicket {
        let record = DebtorRecord {
            external_id: "L-1".into(),
            full_name: "Петров Сергей".into(),
            phones: vec!["+79123456789".into(), "+79001112233".into()],
            time_zone: "Asia/Yekaterinburg".into(),
            region: None,
            amount_due: 1_250_050,
            currency: "RUB".into(),
            due_date: date("2026-11-07"),
            product: None,
            creditor: Some("МФК".into()),
            creditor_phone: None,
            email: None,
            language,
            prior_delinquencies: 0,
            flags: DebtorFlags::default(),
            extra: Default::default(),
        };
        let phone = StoredPhone {
            id: 12,
            e164: "+79001112233".into(),
        };
        let debtor = StoredDebtor {
            id: 7,
            record,
            phones: vec![phone.clone()],
            status: "active".into(),
        };
        let order = DialOrder {
            campaign_id: 1,
            debtor_id: 7,
            phone_id: 12,
            strategy: "soft".into(),
            segment: "first".into(),
            step: "day 7".into(),
            flow: "soft_collection_ru".into(),
            recall_promise: true,
        };
        DialTicket::new(40, debtor, phone, order, summary)
    }

    #[test]
    fn a_ticket_becomes_the_calls_context() {
        let summary = HistorySummary {
            last_conversation: Some(LastContact {
                at: t("2026-11-14T09:30:00Z"),
                channel: Channel::Call,
                outcome: Some("promise_to_pay".into()),
            }),
            last_promise: Some(PromiseEntry {
                id: 3,
                made_at: t("2026-11-14T09:30:00Z"),
                promised_date: date("2026-11-18"),
                amount: 500_000,
                status: PromiseStatus::Broken,
            }),
            broken_promises: 1,
            refusal: Some(RefusalEntry {
                at: t("2026-11-10T09:00:00Z"),
                kind: "refused".into(),
            }),
            ..HistorySummary::default()
        };
        // 20:00 UTC is already the 23rd in Yekaterinburg (UTC+5).
        let ctx =
            call_context(&ticket(None, summary), Lang::Ru, t("2026-11-22T20:00:00Z")).unwrap();
        assert_eq!(ctx.phone.as_deref(), Some("+79001112233"));
        assert_eq!(ctx.debtor.amount_due, 1_250_050);
        assert_eq!(ctx.lang, Lang::Ru);
        assert_eq!(ctx.today(), date("2026-11-23"));
        assert_eq!(ctx.days_overdue(), 16);
        let h = &ctx.history;
        assert_eq!(h.last_contact, Some(t("2026-11-14T09:30:00Z")));
        let promise = h.last_promise.as_ref().unwrap();
        assert_eq!(
            (promise.date, promise.amount, promise.status),
            (date("2026-11-18"), Some(500_000), PromiseStatus::Broken)
        );
        assert_eq!(h.broken_promises, 1);
        assert!(h.earlier_refusal);

        let english = ticket(Some(Lang::En), HistorySummary::default());
        let ctx = call_context(&english, Lang::Ru, t("2026-11-22T20:00:00Z")).unwrap();
        assert_eq!(ctx.lang, Lang::En, "the debtor's own language wins");
        assert_eq!(ctx.history, History::default());
    }

    #[test]
    fn a_stop_calls_request_is_not_an_earlier_refusal_to_pay() {
        let summary = HistorySummary {
            refusal: Some(RefusalEntry {
                at: t("2026-11-10T09:00:00Z"),
                kind: "stop_calls".into(),
            }),
            ..HistorySummary::default()
        };
        assert!(!dialogue_history(&summary).earlier_refusal);
    }

    fn line(speaker: Speaker, text: &str, start_ms: u64) -> TranscriptLine {
        TranscriptLine {
            speaker,
            text: text.into(),
            start_ms,
            end_ms: Some(start_ms + 900),
            confidence: None,
            interrupted: false,
        }
    }

    #[test]
    fn a_call_report_becomes_the_stored_outcome() {
        let start = t("2026-11-23T07:00:00Z");
        let report = CallReport {
            flow: "soft_collection_ru".into(),
            started_at: start,
            duration_ms: 61_500,
            outcome: Disposition::PromiseToPay,
            end_reason: EndReason::Flow,
            handoff_reason: None,
            promise: Some(PromiseMade {
                date: date("2026-11-27"),
                amount: Some(4999.99),
            }),
            flags: vec![],
            callback_at: None,
            transfer: None,
            path: vec!["greet".into()],
            turns: vec![],
            transcript: vec![
                line(Speaker::Robot, "Здравствуйте", 2_000),
                line(Speaker::Debtor, "заплачу в пятницу", 9_250),
            ],
            timeline: vec![TimelineEntry {
                at_ms: 1_500,
                event: "answered".into(),
                detail: String::new(),
            }],
            latency: vec![],
            recording: Some("rec/40.wav".into()),
            recognition: None,
            amd: None,
        };
        let o = call_outcome(&report);
        assert_eq!(o.disposition, Disposition::PromiseToPay);
        assert_eq!(o.started_at, start);
        assert_eq!(o.answered_at, Some(t("2026-11-23T07:00:01.500Z")));
        assert_eq!(o.ended_at, t("2026-11-23T07:01:01.500Z"));
        assert_eq!(o.promise, Some((date("2026-11-27"), Some(499_999))));
        assert_eq!(o.recording_path.as_deref(), Some("rec/40.wav"));
        let events: Vec<_> = o
            .events
            .iter()
            .map(|e| (e.at, e.speaker.as_str(), e.kind.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            events,
            [
                (t("2026-11-23T07:00:02Z"), "robot", "prompt", "Здравствуйте"),
                (
                    t("2026-11-23T07:00:09.250Z"),
                    "debtor",
                    "utterance",
                    "заплачу в пятницу"
                ),
            ]
        );

        let unanswered = CallReport {
            outcome: Disposition::NoAnswer,
            promise: None,
            timeline: vec![],
            transcript: vec![],
            ..report
        };
        let o = call_outcome(&unanswered);
        assert_eq!((o.answered_at, o.promise, o.events.len()), (None, None, 0));
    }
}
