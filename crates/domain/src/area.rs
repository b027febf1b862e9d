//! Areas: probation delivery units, identified by a short code such as `SY-SHF`.

use serde::{Deserialize, Serialize};

/// An area code: 2–16 characters, upper-case letters and digits in groups joined by `-`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "SY-SHF")]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_len = (2..=16).contains(&s.len());
        let ok_chars = s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
        if ok_len && ok_chars {
            Ok(Self(s.to_owned()))
        } else {
            Err(
                "must be 2-16 upper-case letters or digits in groups joined by '-', e.g. SY-SHF"
                    .into(),
            )
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AreaCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(a: AreaCode) -> String {
        a.0
    }
}

impl std::fmt::Display for AreaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_probation_delivery_unit_codes() {
        for ok in ["SY-SHF", "WM", "GM-MAN-N", "N1"] {
            assert!(AreaCode::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_codes() {
        for bad in [
            "",
            "s",
            "sy-shf",
            "SY--SHF",
            "-SY",
            "SY SHF",
            "ABCDEFGHIJKLMNOPQ",
        ] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }
}

crate::string_enum! {
    /// How an area chooses among candidate listings (SPEC.md §4).
    pub enum PolicyKind {
        BestPrice => "best_price",
        BestValue => "best_value",
    }
}
