//! `lanyard export` / `lanyard import`: every tenant with its tokens
//! (hashes only), users (with seat state), groups, memberships and audit
//! events as JSON lines, so a database moves between SQLite and PostgreSQL
//! with nothing lost. Resource ids, versions and times are kept; tenant and
//! audit event ids are the new database's own (nothing refers to them
//! from outside).

use std::io::{BufRead, Write};

use lanyard_store::{
    AuditQuery, GroupRow, ListQuery, MemberRef, MemberType, NewAuditEvent, StoreError, Tenant, TenantScope, TokenRecord, UserRow,
};
use serde::{Deserialize, Serialize};

use crate::Lanyard;
use crate::tenants::AdminError;

/// Rows read or written per round trip / transaction.
const CHUNK: i64 = 1000;

/// One line of an export. Records of a tenant follow its `tenant` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Tenant(Tenant),
    Token { token: TokenRecord, hash: String },
    User(UserRow),
    Group(GroupRow),
    Member { group_id: String, member_id: String, kind: MemberType },
    Audit(NewAuditEvent),
}

/// What an export or import moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TransferCounts {
    pub tenants: u64,
    pub tokens: u64,
    pub users: u64,
    pub groups: u64,
    pub members: u64,
    pub audit_events: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("line {line}: {message}")]
    Input { line: usize, message: String },
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

fn write_line(out: &mut dyn Write, record: &Record) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, record).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

impl Lanyard {
    /// Writes every tenant and everything it owns to `out`.
    pub async fn export(&self, out: &mut dyn Write) -> Result<TransferCounts, TransferError> {
        let mut n = TransferCounts::default();
        for tenant in self.store.list_tenants().await? {
            let scope = TenantScope::of(&tenant);
            write_line(out, &Record::Tenant(tenant))?;
            n.tenants += 1;
            for (token, hash) in self.store.tokens_with_hashes(scope).await? {
                write_line(out, &Record::Token { token, hash: hex::encode(hash) })?;
                n.tokens += 1;
            }
            n.users += self.export_users(scope, out).await?;
            let (groups, members) = self.export_groups(scope, out).await?;
            n.groups += groups;
            n.members += members;
            n.audit_events += self.export_audit(scope, out).await?;
        }
        out.flush()?;
        Ok(n)
    }

    async fn export_users(&self, scope: TenantScope, out: &mut dyn Write) -> Result<u64, TransferError> {
        let mut offset = 0;
        loop {
            let page = self.store.list_users(scope, &ListQuery { offset, limit: CHUNK, ..ListQuery::default() }).await?;
            for user in &page.items {
                write_line(out, &Record::User(user.clone()))?;
            }
            offset += page.items.len() as i64;
            if (page.items.len() as i64) < CHUNK {
                return Ok(offset as u64);
            }
        }
    }

    async fn export_groups(&self, scope: TenantScope, out: &mut dyn Write) -> Result<(u64, u64), TransferError> {
        let (mut offset, mut members) = (0, 0);
        loop {
            let page = self.store.list_groups(scope, &ListQuery { offset, limit: CHUNK, ..ListQuery::default() }).await?;
            let ids: Vec<String> = page.items.iter().map(|g| g.id.clone()).collect();
            for group in &page.items {
                write_line(out, &Record::Group(group.clone()))?;
            }
            // Members after all groups of the page: a member may be a group.
            for m in self.store.members_of_groups(scope, &ids).await? {
                write_line(out, &Record::Member { group_id: m.group_id, member_id: m.member_id, kind: m.kind })?;
                members += 1;
            }
            offset += page.items.len() as i64;
            if (page.items.len() as i64) < CHUNK {
                return Ok((offset as u64, members));
            }
        }
    }

    async fn export_audit(&self, scope: TenantScope, out: &mut dyn Write) -> Result<u64, TransferError> {
        let (mut after_id, mut n) = (None, 0);
        loop {
            let events = self.store.list_audit(scope, &AuditQuery { after_id, limit: CHUNK, ..AuditQuery::default() }).await?;
            for e in &events {
                write_line(out, &Record::Audit(e.event.clone()))?;
            }
            n += events.len() as u64;
            match events.last() {
                Some(last) if events.len() as i64 == CHUNK => after_id = Some(last.id),
                _ => return Ok(n),
            }
        }
    }

    /// Reads an export into this database. Tenants must not exist here yet.
    /// Each tenant's records go in chunked transactions; a failure leaves
    /// what was imported before it (import into an empty database, and
    /// start again from an empty one after fixing the cause).
    pub async fn import(&self, input: &mut dyn BufRead) -> Result<TransferCounts, TransferError> {
        let mut n = TransferCounts::default();
        let mut batch = ImportBatch { refresh_at: FIRST_REFRESH, ..ImportBatch::default() };
        let mut scope: Option<TenantScope> = None;
        let mut line = String::new();
        let mut number = 0;
        loop {
            line.clear();
            if input.read_line(&mut line)? == 0 {
                break;
            }
            number += 1;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record = serde_json::from_str(&line).map_err(|e| TransferError::Input { line: number, message: e.to_string() })?;
            let missing_tenant = || TransferError::Input { line: number, message: "a record before any tenant".into() };
            match record {
                Record::Tenant(t) => {
                    if let Some(s) = scope {
                        batch.flush(self, s).await?;
                    }
                    if self.store.tenant_by_slug(&t.slug).await?.is_some() {
                        return Err(AdminError::TenantExists(t.slug).into());
                    }
                    let created = self.store.import_tenant(&t).await?;
                    scope = Some(TenantScope::of(&created));
                    n.tenants += 1;
                }
                Record::Token { token, hash } => {
                    let s = scope.ok_or_else(missing_tenant)?;
                    let hash = hex::decode(&hash).map_err(|e| TransferError::Input { line: number, message: format!("hash: {e}") })?;
                    self.store.import_token(s, &token, &hash).await?;
                    n.tokens += 1;
                }
                other => {
                    let s = scope.ok_or_else(missing_tenant)?;
                    match &other {
                        Record::User(_) => n.users += 1,
                        Record::Group(_) => n.groups += 1,
                        Record::Member { .. } => n.members += 1,
                        _ => n.audit_events += 1,
                    }
                    batch.records.push(other);
                    if batch.records.len() as i64 >= CHUNK {
                        batch.flush(self, s).await?;
                    }
                }
            }
        }
        if let Some(s) = scope {
            batch.flush(self, s).await?;
        }
        self.store.refresh_statistics().await?;
        Ok(n)
    }
}

/// Rows imported before the planner's statistics are first refreshed; each
/// later refresh waits for four times as many (a handful in all).
const FIRST_REFRESH: u64 = 2_000;

/// Records of one tenant written in one transaction.
#[derive(Default)]
struct ImportBatch {
    records: Vec<Record>,
    /// Rows written so far, and how many trigger the next statistics refresh.
    written: u64,
    refresh_at: u64,
}

impl ImportBatch {
    async fn flush(&mut self, app: &Lanyard, scope: TenantScope) -> Result<(), TransferError> {
        if self.records.is_empty() {
            return Ok(());
        }
        let mut tx = app.store.begin(scope).await?;
        self.written += self.records.len() as u64;
        for record in self.records.drain(..) {
            match record {
                Record::User(user) => tx.insert_user(&user).await?,
                Record::Group(group) => tx.insert_group(&GroupRow { member_count: 0, ..group }).await?,
                Record::Member { group_id, member_id, kind } => {
                    tx.add_members(&group_id, &[MemberRef { id: member_id, kind }]).await?;
                }
                Record::Audit(event) => tx.insert_audit(&event).await?,
                Record::Tenant(_) | Record::Token { .. } => {}
            }
        }
        tx.commit().await?;
        if self.written >= self.refresh_at {
            app.store.refresh_statistics().await?;
            self.refresh_at = self.written.saturating_mul(4);
        }
        Ok(())
    }
}
