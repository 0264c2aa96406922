//! When to try again after a failed attempt.

use std::time::Duration;

/// Pauses after the 1st, 2nd, … failed attempt at one event; after the
/// last, the endpoint is disabled. Each pause is jittered by ±10 %.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    pub pauses: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h, 8 h:
    /// 12 attempts over about 31 hours (at least 28 h with jitter).
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        RetrySchedule {
            pauses: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                minutes(2),
                minutes(10),
                minutes(30),
                minutes(60),
                minutes(120),
                minutes(240),
                minutes(480),
                minutes(480),
                minutes(480),
            ],
        }
    }
}

impl RetrySchedule {
    /// The pause after `failures` failed attempts (1 or more); `None`
    /// when the schedule is exhausted.
    pub fn pause_after(&self, failures: i64) -> Option<Duration> {
        let index = usize::try_from(failures.checked_sub(1)?).ok()?;
        let pause = *self.pauses.get(index)?;
        Some(pause.mul_f64(0.9 + rand::random::<f64>() * 0.2))
    }

    /// Attempts at one event before the endpoint is disabled.
    pub fn attempts(&self) -> usize {
        self.pauses.len() + 1
    }

    pub fn total(&self) -> Duration {
        self.pauses.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_retries_for_more_than_a_day_even_with_jitter() {
        let s = RetrySchedule::default();
        assert!(s.total().mul_f64(0.9) >= Duration::from_secs(24 * 3600), "{:?}", s.total());
        assert_eq!(s.attempts(), 12);
        let first = s.pause_after(1).unwrap();
        assert!(first >= Duration::from_millis(4500) && first <= Duration::from_millis(5500), "{first:?}");
        assert!(s.pause_after(11).is_some());
        assert_eq!(s.pause_after(12), None);
        assert_eq!(s.pause_after(0), None);
    }
}
