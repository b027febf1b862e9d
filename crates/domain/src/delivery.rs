//! The delivery standard (SPEC.md §2, Payment): completion is earned only when the
//! sessions attended, and the contact time they gave, reach the specification's minimum
//! sessions and hours. Contact time is counted in whole minutes, so a 90-minute session
//! counts exactly.

use std::fmt;

use crate::specification::DeliveryStandard;

/// The most contact time one attended session may report: a day.
pub const MAX_SESSION_MINUTES: u32 = 24 * 60;

/// What a provider has reported delivering on one order: attended sessions and the
/// contact minutes they gave. Missed sessions count for nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub sessions: u32,
    pub minutes: u64,
}

impl Attendance {
    /// One more attended session of `minutes` contact time.
    pub fn attended(self, minutes: u32) -> Self {
        Attendance {
            sessions: self.sessions.saturating_add(1),
            minutes: self.minutes.saturating_add(u64::from(minutes)),
        }
    }
}

/// What is still owed before the standard is met; either part may be zero, not both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub sessions: u32,
    pub minutes: u64,
}

/// The standard's minimum in the same units as [`Attendance`].
pub fn required(standard: &DeliveryStandard) -> Attendance {
    Attendance {
        sessions: standard.min_sessions,
        minutes: u64::from(standard.min_hours) * 60,
    }
}

/// What `delivered` still owes of `standard`; `None` when the standard is met.
pub fn owed(standard: &DeliveryStandard, delivered: Attendance) -> Option<Owed> {
    let required = required(standard);
    let owed = Owed {
        sessions: required.sessions.saturating_sub(delivered.sessions),
        minutes: required.minutes.saturating_sub(delivered.minutes),
    };
    (owed.sessions > 0 || owed.minutes > 0).then_some(owed)
}

/// Whole hours, and the minutes over, in words: `34 hours 30 minutes`, `1 hour`, `45 minutes`.
pub fn hours_in_words(minutes: u64) -> String {
    let (hours, rest) = (minutes / 60, minutes % 60);
    let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    match (hours, rest) {
        (0, 0) => "0 hours".into(),
        (h, 0) => plural(h, "hour"),
        (0, m) => plural(m, "minute"),
        (h, m) => format!("{} {}", plural(h, "hour"), plural(m, "minute")),
    }
}

impl fmt::Display for Owed {
    /// `11 sessions and 34 hours`, `2 hours 30 minutes`, `1 session`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sessions = match self.sessions {
            0 => None,
            1 => Some("1 session".to_owned()),
            n => Some(format!("{n} sessions")),
        };
        let time = (self.minutes > 0).then(|| hours_in_words(self.minutes));
        match (sessions, time) {
            (Some(s), Some(t)) => write!(f, "{s} and {t}"),
            (Some(s), None) => f.write_str(&s),
            (None, Some(t)) => f.write_str(&t),
            (None, None) => f.write_str("nothing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specification::DeliveryFormat;

    fn standard(min_sessions: u32, min_hours: u32) -> DeliveryStandard {
        DeliveryStandard {
            min_sessions,
            min_hours,
            format: DeliveryFormat::Group,
        }
    }

    fn sessions(minutes: &[u32]) -> Attendance {
        minutes
            .iter()
            .fold(Attendance::default(), |d, m| d.attended(*m))
    }

    #[test]
    fn completion_waits_for_sessions_and_hours() {
        let cases: [(u32, u32, &[u32], Option<&str>); 9] = [
            (12, 36, &[], Some("12 sessions and 36 hours")),
            (12, 36, &[120], Some("11 sessions and 34 hours")),
            (12, 36, &[180; 12], None),
            (12, 36, &[180; 11], Some("1 session and 3 hours")),
            // Enough sessions, not enough hours: 12 × 2½ hours is 30 hours.
            (12, 36, &[150; 12], Some("6 hours")),
            // Enough hours in fewer, longer sessions.
            (12, 36, &[360; 6], Some("6 sessions")),
            (1, 1, &[59], Some("1 minute")),
            (1, 1, &[60], None),
            // More than required is met, never owed a negative amount.
            (2, 2, &[90, 90, 90], None),
        ];
        for (min_sessions, min_hours, attended, expected) in cases {
            let got = owed(&standard(min_sessions, min_hours), sessions(attended));
            assert_eq!(
                got.map(|o| o.to_string()).as_deref(),
                expected,
                "{min_sessions} sessions, {min_hours} hours, attended {attended:?}"
            );
        }
    }

    #[test]
    fn owed_counts_exact_minutes() {
        let o = owed(&standard(3, 4), sessions(&[90, 45])).expect("owed");
        assert_eq!(
            o,
            Owed {
                sessions: 1,
                minutes: 105
            }
        );
        assert_eq!(o.to_string(), "1 session and 1 hour 45 minutes");
        assert_eq!(hours_in_words(0), "0 hours");
        assert_eq!(hours_in_words(61), "1 hour 1 minute");
    }
}
