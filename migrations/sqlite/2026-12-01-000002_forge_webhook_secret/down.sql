ALTER TABLE forges DROP COLUMN webhook_secret_encrypted;
