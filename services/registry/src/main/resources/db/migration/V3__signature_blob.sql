-- The detached signature a submitter uploaded, by content address: a re-scan or a re-enqueued
-- message must carry it again, or the provenance stage would report it absent.
ALTER TABLE submissions ADD COLUMN signature_blob varchar(71) NOT NULL DEFAULT ''
    CHECK (signature_blob = '' OR signature_blob ~ '^sha256:[0-9a-f]{64}$');
