-- Flagpost's application role: reads and writes everything it needs, and can only add
-- rows to the audit trail and seal them (fill in the two hashes of a row that has none),
-- never change, delete or truncate them.
-- Run as the owner of the tables (the role that runs `manage.py migrate`), after every
-- release's migrations, so new tables are granted too. Running it again is harmless.
-- Create the role once beforehand: CREATE ROLE flagpost_app LOGIN PASSWORD '…';
GRANT USAGE ON SCHEMA public TO flagpost_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO flagpost_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO flagpost_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM flagpost_app;
GRANT UPDATE (prev_hash, hash) ON audit_auditevent TO flagpost_app;
