-- softcall schema, version 1. Written once for both SQLite and PostgreSQL:
-- INTEGER PRIMARY KEY AUTOINCREMENT is the auto-increment key of each dialect. Times are UTC Unix seconds,
-- dates are ISO `YYYY-MM-DD` text, money is integer minor units (kopecks, cents).

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL
);

CREATE TABLE strategies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_text TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    UNIQUE (campaign_id, name)
);

CREATE TABLE debtors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    region TEXT,
    amount_due BIGINT NOT NULL,
    currency TEXT NOT NULL,
    due_date TEXT NOT NULL,
    product TEXT,
    creditor TEXT,
    email TEXT,
    prior_delinquencies BIGINT NOT NULL DEFAULT 0,
    bankruptcy BIGINT NOT NULL DEFAULT 0,
    hospital BIGINT NOT NULL DEFAULT 0,
    minor BIGINT NOT NULL DEFAULT 0,
    disability_group_1 BIGINT NOT NULL DEFAULT 0,
    third_party_consent BIGINT NOT NULL DEFAULT 0,
    extra_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE phones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    e164 TEXT NOT NULL,
    position BIGINT NOT NULL,
    UNIQUE (debtor_id, e164)
);

CREATE TABLE campaign_debtors (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    status TEXT NOT NULL DEFAULT 'active',
    added_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, debtor_id)
);

CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    phone_id BIGINT REFERENCES phones(id),
    channel TEXT NOT NULL,
    strategy TEXT NOT NULL,
    segment TEXT NOT NULL,
    step TEXT NOT NULL,
    flow TEXT,
    state TEXT NOT NULL,
    outcome TEXT,
    right_party BIGINT NOT NULL DEFAULT 0,
    conversation BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX attempts_debtor ON attempts (debtor_id, created_at);
CREATE INDEX attempts_state ON attempts (state);
-- At most one call in flight per debtor, whichever worker dials.
CREATE UNIQUE INDEX attempts_one_in_flight ON attempts (debtor_id) WHERE state = 'dialing';

CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id BIGINT NOT NULL REFERENCES attempts(id),
    disposition TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT NOT NULL,
    handoff_reason TEXT,
    recording_path TEXT
);

CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    at BIGINT NOT NULL,
    speaker TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE promises (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    attempt_id BIGINT REFERENCES attempts(id),
    made_at BIGINT NOT NULL,
    promised_date TEXT NOT NULL,
    amount BIGINT,
    status TEXT NOT NULL DEFAULT 'pending',
    resolved_at BIGINT
);
CREATE INDEX promises_debtor ON promises (debtor_id, made_at);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    reference TEXT UNIQUE,
    paid_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE INDEX payments_debtor ON payments (debtor_id, paid_on);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    attempt_id BIGINT REFERENCES attempts(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    attempt_id BIGINT REFERENCES attempts(id),
    at BIGINT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    attempt_id BIGINT REFERENCES attempts(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
