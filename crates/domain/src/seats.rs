//! The seat rules of PRODUCT.md, applied inside the transaction that
//! changes the user, so a seat is never handed out twice and never lost.
//!
//! 1. An active user takes a free seat at once, or waits (`pending`).
//! 2. Suspending or deleting a user frees the seat; the oldest pending user takes it.
//! 3. Raising the limit seats pending users oldest first; lowering it evicts nobody.

use lanyard_store::{SeatState, SeatStatus, StoreResult, StoreTx, UserRow};
use serde_json::json;

use crate::audit;

pub(crate) struct Seats<'a> {
    pub tx: &'a mut dyn StoreTx,
    pub now: i64,
    pub actor: &'a str,
}

impl Seats<'_> {
    async fn log(&mut self, user_id: &str, from: SeatStatus, to: SeatStatus, cause: &str) -> StoreResult<()> {
        let action = match to {
            SeatStatus::Assigned => "seat.assigned",
            SeatStatus::Pending => "seat.pending",
            SeatStatus::None => "seat.released",
        };
        let detail = json!({ "from": from.as_str(), "to": to.as_str(), "cause": cause });
        audit::record(self.tx, self.now, self.actor, action, Some(("User", user_id)), detail).await
    }

    /// A user became active (created active, or re-activated): a seat now,
    /// or a place in the queue. The caller writes the user row.
    pub async fn activate(&mut self, user: &mut UserRow, cause: &str) -> StoreResult<()> {
        if user.seat.status != SeatStatus::None {
            return Ok(());
        }
        user.seat = if self.tx.try_take_seat().await? {
            SeatState { status: SeatStatus::Assigned, assigned_at: Some(self.now), pending_since: None }
        } else {
            self.tx.adjust_seat_counters(0, 1).await?;
            SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(self.now) }
        };
        self.log(&user.id, SeatStatus::None, user.seat.status, cause).await
    }

    /// A user was suspended or is being deleted: give up the seat or the
    /// place in the queue. Returns whether a seat was freed; the caller
    /// writes the user row, then calls [`Seats::fill_free_seats`].
    pub async fn deactivate(&mut self, user: &mut UserRow, cause: &str) -> StoreResult<bool> {
        let from = user.seat.status;
        let freed = match from {
            SeatStatus::None => return Ok(false),
            SeatStatus::Assigned => {
                self.tx.adjust_seat_counters(-1, 0).await?;
                true
            }
            SeatStatus::Pending => {
                self.tx.adjust_seat_counters(0, -1).await?;
                false
            }
        };
        user.seat = SeatState::NONE;
        self.log(&user.id, from, SeatStatus::None, cause).await?;
        Ok(freed)
    }

    /// Hand free seats to pending users, oldest first.
    pub async fn fill_free_seats(&mut self, cause: &str) -> StoreResult<()> {
        let counters = self.tx.seat_counters().await?;
        let free = match counters.limit {
            Some(limit) => (limit - counters.assigned).max(0),
            None => counters.pending,
        };
        let n = free.min(counters.pending);
        if n == 0 {
            return Ok(());
        }
        for mut user in self.tx.oldest_pending(n).await? {
            user.seat = SeatState { status: SeatStatus::Assigned, assigned_at: Some(self.now), pending_since: None };
            user.version += 1;
            user.modified_at = self.now;
            self.tx.update_user(&user).await?;
            self.tx.adjust_seat_counters(1, -1).await?;
            self.log(&user.id, SeatStatus::Pending, SeatStatus::Assigned, cause).await?;
        }
        Ok(())
    }
}
