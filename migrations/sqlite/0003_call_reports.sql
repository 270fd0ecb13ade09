-- softcall schema, version 3: everything a live call knows, kept with the call.
-- The whole call report (timeline, transcript with timings and confidences, path, promise, flags, per-turn
-- latency, recording) as JSON, next to the columns that reports and analytics query.
ALTER TABLE calls ADD COLUMN report TEXT;

-- What an agent sees when the robot hands a call over, stored before the transfer goes out: one per attempt.
CREATE TABLE handoff_cards (
    attempt_id BIGINT PRIMARY KEY REFERENCES attempts(id),
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    reason TEXT NOT NULL,
    card TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Work for agents: a debtor to call back after a transfer to the agent queue failed. One per attempt.
CREATE TABLE agent_tasks (
    attempt_id BIGINT PRIMARY KEY REFERENCES attempts(id),
    debtor_id BIGINT NOT NULL REFERENCES debtors(id),
    reason TEXT NOT NULL,
    failure TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX agent_tasks_open ON agent_tasks (done_at, created_at);
