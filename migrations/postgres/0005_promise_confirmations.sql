-- softcall schema, version 5: a promise confirmation (SMS or e-mail) names the promise it confirms, so each promise
-- is confirmed once per channel whatever campaign or worker sends it.
ALTER TABLE attempts ADD COLUMN promise_id BIGINT REFERENCES promises(id);
