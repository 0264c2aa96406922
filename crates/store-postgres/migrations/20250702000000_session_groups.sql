-- The groups the IdP asserted at sign-in (JSON array of names), handed to
-- the application in ID tokens beside the SCIM groups.
ALTER TABLE sso_sessions ADD COLUMN idp_groups TEXT COLLATE "C" NOT NULL DEFAULT '[]';

-- Signing out ends one session and revokes the access tokens issued from it.
CREATE INDEX oidc_access_tokens_session ON oidc_access_tokens (session_id);
