//! The closed vocabularies of SPEC.md read from their TEXT columns as domain types.
//!
//! The domain crate knows no diesel, and Rust's orphan rule forbids `FromSql<Text, DB>` for
//! a foreign type over a foreign backend; but the backend of [`crate::DbConn`] is
//! `MultiBackend`, local to this crate, so the impls live here, one macro call per word
//! type. A row struct then declares its field as the domain type (`status: OrderStatus`).
//! A stored word the domain does not know reads back as an error naming the column
//! (a corrupt row, [`crate::StoreError::Corrupt`]), never a panic.
//!
//! Writing needs `AsExpression`, which only the domain crate could implement; instead the
//! domain's words convert into `&'static str` and an insertable field says
//! `#[diesel(serialize_as = crate::words::Word)]`.

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::sql_types::{Nullable, Text};
use provider_hub_domain as d;

use crate::db::MultiBackend;

macro_rules! stored_words {
    ($($ty:ty),+ $(,)?) => {$(
        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                let word = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
                word.parse::<$ty>().map_err(Into::into)
            }
        }

        impl Queryable<Text, MultiBackend> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl From<$ty> for Word {
            fn from(value: $ty) -> Self {
                Word(value.as_str())
            }
        }

        impl From<Option<$ty>> for MaybeWord {
            fn from(value: Option<$ty>) -> Self {
                MaybeWord(value.map(<$ty>::as_str))
            }
        }
    )+};
}

stored_words!(
    d::offer::OfferStatus,
    d::order::OrderStatus,
    d::order::DeliveryEventKind,
    d::order::OutcomeKind,
    d::order::EndReason,
    d::enforcement::FailureDecision,
    d::enforcement::BreachOutcome,
    d::enforcement::BreachStatus,
    d::provider::Sector,
    d::provider::Standing,
    d::provider::ProviderStatus,
    d::specification::SpecificationStatus,
    d::specification::DeliveryFormat,
    d::specification::Milestone,
    d::auth::Role,
    d::area::PolicyKind,
    d::event::EventKind,
    d::plan::PlanStatus,
    d::category::Category,
    d::assessment::Severity,
    d::assessment::AssessmentStatus,
    d::need::Need,
    d::need::RiskOfHarm,
    d::need::Sex,
    d::listing::ListingStatus,
    d::listing::DeliveryMode,
    d::listing::ListingFormat,
);

/// A word as written: `#[diesel(serialize_as = Word)]` on a word field of an insertable
/// row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word(pub &'static str);

impl AsExpression<Text> for Word {
    type Expression = <&'static str as AsExpression<Text>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Text>::as_expression(self.0)
    }
}

/// An optional word as written: `#[diesel(serialize_as = MaybeWord)]` on an
/// `Option<word>` field of an insertable row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeWord(pub Option<&'static str>);

impl AsExpression<Nullable<Text>> for MaybeWord {
    type Expression = <Option<&'static str> as AsExpression<Nullable<Text>>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Nullable<Text>>::as_expression(self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use diesel::dsl::sql;
    use diesel::RunQueryDsl;
    use provider_hub_domain::offer::OfferStatus;

    use super::*;
    use crate::db::{DatabaseTarget, HubConnectionManager};
    use crate::{DbConn, StoreError};

    fn read(conn: &mut DbConn, literal: &str) -> Result<OfferStatus, StoreError> {
        Ok(diesel::select(sql::<Text>(&format!("'{literal}' AS status"))).get_result(conn)?)
    }

    #[test]
    fn a_stored_word_reads_as_its_type_and_an_unknown_one_is_a_corrupt_row_naming_its_column() {
        let dir = std::env::temp_dir().join(format!("hub-words-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let manager = HubConnectionManager::new(
            DatabaseTarget::Sqlite(dir.join("words.sqlite3")),
            Duration::from_secs(1),
        );
        let mut conn = manager.establish().expect("connection");
        assert_eq!(
            read(&mut conn, "accepted").ok(),
            Some(OfferStatus::Accepted)
        );
        match read(&mut conn, "maybe") {
            Err(StoreError::Corrupt(text)) => {
                assert!(text.contains("'status'"), "{text}");
                assert!(text.contains("unknown value `maybe`"), "{text}");
            }
            other => panic!("expected a corrupt row, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
