//! Money is integer pence in GBP, never floating point.

use serde::{Deserialize, Serialize};

/// An amount of money in pence (GBP). Never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// The largest amount the hub accepts for one price: £10,000,000.00.
pub const MAX_PENCE: i64 = 1_000_000_000;

impl Money {
    pub fn from_pence(pence: i64) -> Result<Self, String> {
        if pence < 0 {
            Err("must not be negative".into())
        } else if pence > MAX_PENCE {
            Err(format!("must be at most {MAX_PENCE} pence"))
        } else {
            Ok(Self(pence))
        }
    }

    pub fn pence(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Money {
    type Error = String;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::from_pence(value)
    }
}

impl From<Money> for i64 {
    fn from(m: Money) -> i64 {
        m.0
    }
}

/// An amount in pence as pounds, thousands grouped: `£1,234.56`.
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_group_thousands_and_keep_pence() {
        assert_eq!(pounds(0), "£0.00");
        assert_eq!(pounds(49_500), "£495.00");
        assert_eq!(pounds(215_000), "£2,150.00");
        assert_eq!(pounds(123_456_789), "£1,234,567.89");
        assert_eq!(pounds(-5), "-£0.05");
    }

    #[test]
    fn rejects_negative_and_absurd_amounts() {
        assert!(Money::from_pence(-1).is_err());
        assert!(Money::from_pence(MAX_PENCE + 1).is_err());
        assert_eq!(Money::from_pence(12_500).map(Money::pence), Ok(12_500));
    }

    #[test]
    fn deserializes_only_valid_pence() {
        assert!(serde_json::from_str::<Money>("-5").is_err());
        assert!(serde_json::from_str::<Money>("12.5").is_err());
        assert_eq!(
            serde_json::from_str::<Money>("9900").ok(),
            Money::from_pence(9900).ok()
        );
    }
}
