-- softcall schema, version 2: what the loan system last reported, so a re-import never rolls back what softcall
-- learned since. The amount due is derived: the reported amount less the payments the report cannot include
-- (see docs/campaigns.md, "Who owns which field").

ALTER TABLE debtors ADD COLUMN reported_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE debtors ADD COLUMN reported_on TEXT NOT NULL DEFAULT '1970-01-01';
-- The last payment row stored when that list was imported: later rows were unknown to it.
ALTER TABLE debtors ADD COLUMN reported_payments_upto BIGINT NOT NULL DEFAULT 0;
UPDATE debtors SET reported_amount = amount_due + COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.debtor_id = debtors.id), 0);
