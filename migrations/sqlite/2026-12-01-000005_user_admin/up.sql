-- Admins deactivate users instead of deleting them (their stars, requests and audit trail stay):
-- a deactivated user's tokens and sessions are refused until an admin reactivates them.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
-- Listing users by department and counting a department's users.
CREATE INDEX users_department_id ON users (department_id);
