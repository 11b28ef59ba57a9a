DROP INDEX users_department_id;
ALTER TABLE users DROP COLUMN deactivated_at;
