-- Webhook secrets, sealed like tokens: a forge signs its webhooks with it (or sends it back).
ALTER TABLE forges ADD COLUMN webhook_secret_encrypted TEXT;
