-- The groups the IdP asserted at sign-in (JSON array of names), handed to
-- the application in ID tokens beside the SCIM groups.
ALTER TABLE sso_sessions ADD COLUMN idp_groups TEXT COLLATE "C" NOT NULL DEFAULT '[]';
