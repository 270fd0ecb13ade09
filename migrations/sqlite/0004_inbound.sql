-- softcall schema, version 4: calls debtors place to us.
-- Which way a contact went: `outbound` (we dialled or sent) or `inbound` (the debtor called us). Legal contact
-- limits count outbound contacts only; inbound ones are kept and shown like any other.
ALTER TABLE attempts ADD COLUMN direction TEXT NOT NULL DEFAULT 'outbound';

-- At most one outbound and one inbound call in flight per debtor, whichever worker dials or answers.
DROP INDEX attempts_one_in_flight;
CREATE UNIQUE INDEX attempts_one_in_flight ON attempts (debtor_id, direction) WHERE state = 'dialing';

-- Caller ID: finding the debtors who have the calling number.
CREATE INDEX phones_e164 ON phones (e164);

-- Calls from numbers no debtor has. Nothing here refers to a debtor: the caller could be anyone. Keyed by the
-- SIP Call-ID of the INVITE.
CREATE TABLE unknown_calls (
    sip_call_id TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    caller TEXT,
    handling TEXT NOT NULL,
    disposition TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT NOT NULL,
    recording_path TEXT,
    report TEXT
);
CREATE INDEX unknown_calls_campaign ON unknown_calls (campaign_id, started_at);
