//! Integration tests: each starts a real Lanyard server on a free port with
//! its own database and talks HTTP to it. One binary, so linking happens once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod admin_api;
mod admin_client;
mod auth;
mod cli;
mod crash;
mod discovery;
mod errors;
mod events;
mod filters;
mod groups;
mod isolation;
mod lifecycle;
mod lifecycle_entra;
mod lifecycle_generic;
mod lifecycle_jumpcloud;
mod lifecycle_okta;
mod lifecycle_onelogin;
mod limits;
mod multi_instance;
mod observability;
#[cfg(feature = "saml")]
mod oidc;
mod patch;
mod quirks;
mod receiver;
mod seat_invariant;
mod seats;
#[cfg(feature = "saml")]
mod sso;
#[cfg(not(feature = "saml"))]
mod sso_disabled;
mod tls;
mod transfer;
mod users;
mod webhooks;
