-- Where `schemas` ends in a user's stored document when a response can
-- splice the document as it is (lanyard_scim::shown_as_stored); 0 when it
-- cannot, or when the row predates the column: such a row is rendered by
-- parsing its document, as before. A change to what the default
-- projection shows of a User must reset this column to 0.
ALTER TABLE users ADD COLUMN doc_schemas_end BIGINT NOT NULL DEFAULT 0;
