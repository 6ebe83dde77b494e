-- A copied database (staging, test) must neither log in to Exchange nor write to real mailboxes.
UPDATE res_company
   SET exchange_password = NULL,
       exchange_client_secret = NULL,
       exchange_enabled = FALSE;
UPDATE res_users
   SET exchange_sync_enabled = FALSE;
-- Nor answer Exchange's change notifications: the real-time subscriptions and their secrets go.
DELETE FROM calendar_exchange_subscription;
UPDATE res_company
   SET exchange_realtime = FALSE;
