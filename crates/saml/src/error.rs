use thiserror::Error;

/// Why a SAML message or metadata was refused. The messages are meant for
/// the error page and the audit log: they never echo attacker-controlled
/// text beyond short identifiers.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SamlError {
    #[error("the message is not valid base64")]
    Base64,
    #[error("the message is too large")]
    TooLarge,
    #[error("the XML is malformed: {0}")]
    Malformed(String),
    #[error("the XML carries a DTD or entity declarations, which are refused")]
    Dtd,
    #[error("the IdP metadata is unusable: {0}")]
    Metadata(String),
    #[error("the response is not signed")]
    Unsigned,
    #[error("the signature is invalid or not made by a certificate in the IdP metadata")]
    BadSignature,
    #[error("the signature uses a weak or unsupported algorithm: {0}")]
    WeakAlgorithm(String),
    #[error("the response structure is refused: {0}")]
    Structure(String),
    #[error("the identity provider reported failure: {0}")]
    Status(String),
    #[error("the issuer is not the connection's identity provider")]
    Issuer,
    #[error("the assertion is not meant for this service provider (audience)")]
    Audience,
    #[error("the response is addressed to another URL (destination)")]
    Destination,
    #[error("the assertion is addressed to another URL (recipient)")]
    Recipient,
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("the assertion has expired")]
    Expired,
    #[error("the assertion has no usable subject: {0}")]
    Subject(String),
    #[error("InResponseTo does not match")]
    InResponseTo,
    #[error("the service provider key: {0}")]
    Key(String),
}
