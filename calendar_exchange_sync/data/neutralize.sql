-- A copied database (staging, test) must neither log in to Exchange nor write to real mailboxes.
UPDATE res_company
   SET exchange_password = NULL,
       exchange_client_secret = NULL,
       exchange_enabled = FALSE,
       exchange_contacts_enabled = FALSE;
UPDATE res_users
   SET exchange_sync_enabled = FALSE,
       exchange_contacts_enabled = FALSE;
-- Users' own Microsoft sign-ins: their tokens are as secret as the company's.
UPDATE calendar_exchange_grant
   SET access_token = NULL,
       refresh_token = NULL,
       code = NULL,
       code_verifier = NULL,
       nonce = NULL,
       state = 'revoked';
