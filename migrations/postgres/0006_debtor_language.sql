-- softcall schema, version 6: what the debtor list says about the conversation itself. Both are optional list
-- columns, replaced by every re-import like the rest of the list's data; NULL when the list did not give them.
-- The debtor's language (`ru`, `en`): the call context's language, else the flow's own.
ALTER TABLE debtors ADD COLUMN language TEXT;
-- The creditor's official phone in E.164, for the voicemail message, the flow's prompts and message templates.
ALTER TABLE debtors ADD COLUMN creditor_phone TEXT;
