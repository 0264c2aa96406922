//! Seeds the database through `lanyard import`: the tenants, a token each
//! and the preloaded users, written as an export file of rows built by the
//! domain's own `new_user_row` (so they are exactly what a POST stores).
//! A million users take seconds this way instead of minutes of POSTs.

use std::io::Write;

use anyhow::Context;
use lanyard_domain::auth::{generate_secret, hash_secret};
use lanyard_domain::store::{SeatState, SeatStatus, Tenant, TokenRecord, UserRow};
use lanyard_domain::{Record, new_user_row, now};
use serde_json::json;

/// A tenant as the load generator sees it.
#[derive(Debug, Clone)]
pub struct SeededTenant {
    pub slug: String,
    pub token: String,
}

/// What the seed holds: tenants, and the id of every preloaded user in
/// user-number order (user `n` belongs to tenant `n % tenants`).
pub struct Seed {
    pub tenants: Vec<SeededTenant>,
    pub user_ids: Vec<String>,
}

pub fn user_name(n: usize) -> String {
    format!("user{n}@bench.example.com")
}

pub fn user_body(n: usize) -> serde_json::Value {
    let name = user_name(n);
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "name": {"givenName": "Bench", "familyName": format!("User{n}")},
           "displayName": format!("Bench User {n}"), "emails": [{"value": name, "type": "work", "primary": true}], "active": true})
}

pub fn slug(t: usize, tenants: usize) -> String {
    if tenants == 1 { "bench".to_string() } else { format!("bench-{t}") }
}

/// Writes the export file for `tenants` tenants and `users` users spread
/// over them, seats given in creation order up to `seat_limit` per tenant.
pub fn write(out: &mut dyn Write, tenants: usize, users: usize, seat_limit: Option<u64>) -> anyhow::Result<Seed> {
    let now = now();
    let seat_limit = seat_limit.map(i64::try_from).transpose().context("--seats is too large")?;
    let mut seed = Seed { tenants: Vec::with_capacity(tenants), user_ids: vec![String::new(); users] };
    for t in 0..tenants {
        let mine: Vec<usize> = (t..users).step_by(tenants).collect();
        let mut rows = Vec::with_capacity(mine.len());
        for (k, &n) in mine.iter().enumerate() {
            let at = now + k as i64;
            let mut row: UserRow = new_user_row(&user_body(n), at).map_err(|e| anyhow::anyhow!("seed user: {e:?}"))?;
            let seated = seat_limit.is_none_or(|limit| (k as i64) < limit);
            row.seat = match seated {
                true => SeatState { status: SeatStatus::Assigned, assigned_at: Some(at), pending_since: None },
                false => SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(at) },
            };
            seed.user_ids[n] = row.id.clone();
            rows.push(row);
        }
        let assigned = rows.iter().filter(|r| r.seat.status == SeatStatus::Assigned).count() as i64;
        let tenant = Tenant {
            id: 0,
            slug: slug(t, tenants),
            name: format!("Bench tenant {t}"),
            seat_limit,
            seats_assigned: assigned,
            seats_pending: rows.len() as i64 - assigned,
            created_at: now,
        };
        let token = generate_secret();
        let record = TokenRecord {
            id: format!("bench{t:07}"),
            tenant_id: 0,
            label: Some("bench".into()),
            created_at: now,
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
        };
        seed.tenants.push(SeededTenant { slug: tenant.slug.clone(), token: token.clone() });
        line(out, &Record::Tenant(tenant))?;
        line(out, &Record::Token { token: record, hash: hex::encode(hash_secret(&token)) })?;
        for row in rows {
            line(out, &Record::User(row))?;
        }
    }
    out.flush()?;
    Ok(seed)
}

fn line(out: &mut dyn Write, record: &Record) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")?;
    Ok(())
}
