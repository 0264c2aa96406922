//! A write transaction's running account of its tenant's seat counters.
//!
//! A tenant's write transaction holds the tenant's write lock from its
//! first statement to COMMIT (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the
//! tenant row locked `FOR NO KEY UPDATE`), so counters read once inside it
//! stay exact for its whole life. The backends therefore read them once,
//! with a statement they send anyway, answer seat questions from here, and
//! write the net change with one `UPDATE` just before `COMMIT`: a seat
//! move costs no round trip of its own.

use crate::SeatCounters;

#[derive(Debug, Default, Clone)]
pub struct SeatLedger {
    /// As read inside the transaction, before this transaction's changes.
    read: Option<SeatCounters>,
    assigned: i64,
    pending: i64,
    limit: Option<Option<i64>>,
}

impl SeatLedger {
    /// Records the counters as read inside the transaction; the first
    /// reading counts (later ones would include this transaction's own
    /// writes, if any were flushed).
    pub fn read(&mut self, counters: SeatCounters) {
        if self.read.is_none() {
            self.read = Some(counters);
        }
    }

    pub fn is_read(&self) -> bool {
        self.read.is_some()
    }

    /// The counters as this transaction sees them now.
    pub fn current(&self) -> Option<SeatCounters> {
        let read = self.read?;
        Some(SeatCounters {
            limit: self.limit.unwrap_or(read.limit),
            assigned: read.assigned + self.assigned,
            pending: read.pending + self.pending,
        })
    }

    pub fn adjust(&mut self, assigned: i64, pending: i64) {
        self.assigned += assigned;
        self.pending += pending;
    }

    /// Takes a free seat if there is one; `None` until the counters are read.
    pub fn try_take(&mut self) -> Option<bool> {
        let now = self.current()?;
        let free = now.limit.is_none_or(|limit| now.assigned < limit);
        if free {
            self.assigned += 1;
        }
        Some(free)
    }

    pub fn set_limit(&mut self, limit: Option<i64>) {
        self.limit = Some(limit);
    }

    /// The counter change to write before COMMIT, if any.
    pub fn delta(&self) -> Option<(i64, i64)> {
        (self.assigned != 0 || self.pending != 0).then_some((self.assigned, self.pending))
    }

    /// The new limit to write before COMMIT, if it was set.
    pub fn new_limit(&self) -> Option<Option<i64>> {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(limit: Option<i64>, assigned: i64, pending: i64) -> SeatCounters {
        SeatCounters { limit, assigned, pending }
    }

    #[test]
    fn seats_are_taken_until_the_limit() {
        let mut ledger = SeatLedger::default();
        assert_eq!(ledger.try_take(), None, "unknown before the counters are read");
        ledger.read(counters(Some(2), 1, 0));
        assert_eq!(ledger.try_take(), Some(true));
        assert_eq!(ledger.try_take(), Some(false));
        ledger.adjust(0, 1);
        assert_eq!(ledger.current(), Some(counters(Some(2), 2, 1)));
        assert_eq!(ledger.delta(), Some((1, 1)));
    }

    #[test]
    fn the_first_reading_counts_and_limits_apply_at_once() {
        let mut ledger = SeatLedger::default();
        ledger.read(counters(Some(1), 1, 3));
        ledger.read(counters(Some(1), 5, 5));
        assert_eq!(ledger.try_take(), Some(false));
        ledger.set_limit(None);
        assert_eq!(ledger.try_take(), Some(true));
        assert_eq!(ledger.current(), Some(counters(None, 2, 3)));
        assert_eq!(ledger.new_limit(), Some(None));
    }

    #[test]
    fn no_change_writes_nothing() {
        let mut ledger = SeatLedger::default();
        ledger.read(counters(None, 0, 0));
        ledger.adjust(1, -1);
        ledger.adjust(-1, 1);
        assert_eq!(ledger.delta(), None);
    }
}
