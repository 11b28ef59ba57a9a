-- The same repository mirrored on two forges is one project with two sources. Each row keeps
-- the normalised URL of the repository it is (`source_key`) and, when its forge calls it a
-- mirror, of the repository it copies (`upstream_key`), so that matching either way is an
-- indexed lookup. `mirror_of` links a mirror to the primary row that owns the project (its
-- stars, requests and place in search); NULL for every row that stands on its own. Linking
-- never deletes a row: unlinking gives the mirror back its own project.
ALTER TABLE repositories ADD COLUMN source_key TEXT;
ALTER TABLE repositories ADD COLUMN upstream_key TEXT;
ALTER TABLE repositories ADD COLUMN mirror_of BIGINT REFERENCES repositories (id) ON DELETE SET NULL;
CREATE INDEX repositories_source_key ON repositories (source_key);
CREATE INDEX repositories_upstream_key ON repositories (upstream_key);
CREATE INDEX repositories_mirror_of ON repositories (mirror_of);
