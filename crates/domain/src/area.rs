//! Areas: probation delivery units, identified by a short code such as `SY-SHF`.

/// Declares a code of 2–16 characters, upper-case letters and digits in groups joined by
/// `-` (an area's `SY-SHF`, a court's `SHF-MC`): parsed once, a string on the wire.
#[macro_export]
macro_rules! grouped_code {
    ($(#[$meta:meta])* $vis:vis struct $name:ident, example $example:literal) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String, example = $example, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16)]
        $vis struct $name(String);

        impl $name {
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
                    Err(concat!(
                        "must be 2-16 upper-case letters or digits in groups joined by '-', e.g. ",
                        $example
                    )
                    .into())
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

crate::grouped_code! {
    /// An area code: 2–16 characters, upper-case letters and digits in groups joined by `-`.
    pub struct AreaCode, example "SY-SHF"
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
