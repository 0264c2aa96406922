//! Lanyard's webhook deliverer. Each endpoint receives the event feed in
//! feed order from its own cursor: the next event it wants is POSTed,
//! signed per the Standard Webhooks spec; a 2xx moves the cursor on, a
//! failure is retried on a backoff schedule while later events wait. One
//! instance at a time works on an endpoint, the one holding its lease.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod deliverer;
mod schedule;
mod send;
pub mod signing;

pub use deliverer::{Deliverer, DelivererConfig};
pub use schedule::RetrySchedule;
pub use send::{Outcome, Sender, replay};
