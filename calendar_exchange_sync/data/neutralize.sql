-- A copied database (staging, test) must neither log in to Exchange nor write to real mailboxes.
UPDATE res_company
   SET exchange_password = NULL,
       exchange_client_secret = NULL,
       exchange_consent_nonce = NULL,
       exchange_enabled = FALSE,
       exchange_contacts_enabled = FALSE;
UPDATE res_users
   SET exchange_sync_enabled = FALSE,
       exchange_contacts_enabled = FALSE;
-- The mailboxes' sync state belongs to the production database's run: its delta and sync
-- tokens must not be replayed from the copy. An inactive mailbox starts over (bindings and
-- tokens dropped) when its user switches the sync on again in the copy.
UPDATE calendar_exchange_mailbox
   SET local_token = NULL,
       remote_token = NULL,
       contacts_local_token = NULL,
       contacts_remote_token = NULL,
       active = FALSE;
-- Users' own Microsoft sign-ins: their tokens are as secret as the company's.
UPDATE calendar_exchange_grant
   SET access_token = NULL,
       refresh_token = NULL,
       code = NULL,
       code_verifier = NULL,
       nonce = NULL,
       state = 'revoked';
-- The Move to Office 365 wizard keeps the client secret typed in it until it is vacuumed.
UPDATE calendar_exchange_switch
   SET client_secret = NULL;
-- Nor answer Exchange's change notifications: the real-time subscriptions and their secrets go.
DELETE FROM calendar_exchange_subscription;
UPDATE res_company
   SET exchange_realtime = FALSE;
