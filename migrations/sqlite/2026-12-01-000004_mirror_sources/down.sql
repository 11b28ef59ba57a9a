DROP INDEX repositories_mirror_of;
DROP INDEX repositories_upstream_key;
DROP INDEX repositories_source_key;
ALTER TABLE repositories DROP COLUMN mirror_of;
ALTER TABLE repositories DROP COLUMN upstream_key;
ALTER TABLE repositories DROP COLUMN source_key;
