//! The seat rules of PRODUCT.md, applied inside the transaction that
//! changes the user, so a seat is never handed out twice and never lost.
//!
//! 1. An active user takes a free seat at once, or waits (`pending`).
//! 2. Suspending or deleting a user frees the seat; the oldest pending user takes it.
//! 3. Raising the limit seats pending users oldest first; lowering it evicts nobody.

use lanyard_store::{SeatState, SeatStatus, StoreResult, StoreTx, UserRow};
use serde_json::json;

use crate::{audit, events};

pub(crate) struct Seats<'a> {
    pub tx: &'a mut dyn StoreTx,
    pub now: i64,
    pub actor: &'a str,
}

impl Seats<'_> {
    async fn audit(&mut self, user: &UserRow, seat_move: SeatMove<'_>) -> StoreResult<()> {
        let detail = json!({ "from": seat_move.from.as_str(), "to": seat_move.to.as_str(), "cause": seat_move.cause });
        audit::record(self.tx, self.now, self.actor, seat_move.action(), Some(("User", &user.id)), detail).await
    }

    /// A user became active (created active, or re-activated): a seat now,
    /// or a place in the queue. The caller writes the user row, its own
    /// event, then the move's event ([`SeatMove::record_event`]).
    pub async fn activate<'c>(&mut self, user: &mut UserRow, cause: &'c str) -> StoreResult<Option<SeatMove<'c>>> {
        if user.seat.status != SeatStatus::None {
            return Ok(None);
        }
        user.seat = if self.tx.try_take_seat().await? {
            SeatState { status: SeatStatus::Assigned, assigned_at: Some(self.now), pending_since: None }
        } else {
            self.tx.adjust_seat_counters(0, 1).await?;
            SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(self.now) }
        };
        let seat_move = SeatMove { from: SeatStatus::None, to: user.seat.status, cause };
        self.audit(user, seat_move).await?;
        Ok(Some(seat_move))
    }

    /// A user was suspended or is being deleted: give up the seat or the
    /// place in the queue. The caller writes the user row, its own event
    /// and the move's event, then calls [`Seats::fill_free_seats`] when
    /// [`SeatMove::freed_a_seat`].
    pub async fn deactivate<'c>(&mut self, user: &mut UserRow, cause: &'c str) -> StoreResult<Option<SeatMove<'c>>> {
        let from = user.seat.status;
        match from {
            SeatStatus::None => return Ok(None),
            SeatStatus::Assigned => self.tx.adjust_seat_counters(-1, 0).await?,
            SeatStatus::Pending => self.tx.adjust_seat_counters(0, -1).await?,
        }
        user.seat = SeatState::NONE;
        let seat_move = SeatMove { from, to: SeatStatus::None, cause };
        self.audit(user, seat_move).await?;
        Ok(Some(seat_move))
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
            let seat_move = SeatMove { from: SeatStatus::Pending, to: SeatStatus::Assigned, cause };
            self.audit(&user, seat_move).await?;
            seat_move.record_event(self.tx, self.now, &user).await?;
        }
        Ok(())
    }
}

/// A user's seat status changed from `from` to `to` because of `cause`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeatMove<'c> {
    pub from: SeatStatus,
    pub to: SeatStatus,
    pub cause: &'c str,
}

impl SeatMove<'_> {
    fn action(&self) -> &'static str {
        match self.to {
            SeatStatus::Assigned => "seat.assigned",
            SeatStatus::Pending => "seat.pending",
            SeatStatus::None => "seat.released",
        }
    }

    pub fn freed_a_seat(&self) -> bool {
        self.from == SeatStatus::Assigned
    }

    /// The application hears of seats taken and given up; a place in the
    /// queue shows on the user (and in the audit log).
    pub async fn record_event(&self, tx: &mut dyn StoreTx, now: i64, user: &UserRow) -> StoreResult<()> {
        if self.from != SeatStatus::Assigned && self.to != SeatStatus::Assigned {
            return Ok(());
        }
        let data = json!({ "userName": user.user_name, "from": self.from.as_str(), "to": self.to.as_str(), "cause": self.cause });
        events::record(tx, now, self.action(), ("User", &user.id), data).await
    }
}
