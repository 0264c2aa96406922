-- The SAML service provider's signing keys: RSA (PKCS#8 DER) with a
-- self-signed certificate (DER). The newest signs AuthnRequests; every key
-- is published in the SP metadata.
CREATE TABLE saml_sp_keys (
    id TEXT PRIMARY KEY,
    private_key_der BLOB NOT NULL,
    certificate_der BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
