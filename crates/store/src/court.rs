//! What a court reads: the orders bought for the sentences it passed (found through the
//! assessment, which names the sentencing court).

use chrono::NaiveDate;
use diesel::prelude::*;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::Category;

use crate::cursor::Page;
use crate::schema::{assessments, orders, plan_items, sentence_plans};
use crate::{DbConn, StoreError};

/// One order of a sentence a court passed, with only what the court's view needs.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct CourtOrderRow {
    pub id: String,
    pub crn: String,
    pub category: Category,
    pub required_by: NaiveDate,
    pub status: OrderStatus,
    pub starts_on: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
}

/// The orders of the sentences `court` passed, by order id, with the plan item's court
/// requirement (JSON) and the sentence date.
pub fn orders(
    conn: &mut DbConn,
    court: &str,
    crn: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<(CourtOrderRow, Option<String>, NaiveDate)>, StoreError> {
    let mut query = orders::table
        .inner_join(sentence_plans::table.inner_join(assessments::table))
        .inner_join(plan_items::table)
        .filter(assessments::court_code.eq(court))
        .select((
            CourtOrderRow::as_select(),
            plan_items::requirement,
            assessments::sentence_date,
        ))
        .into_boxed();
    if let Some(crn) = crn {
        query = query.filter(orders::crn.eq(crn.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after));
    }
    let rows = query
        .order(orders::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |(o, _, _)| o.id.clone()))
}

/// The codes of the courts named by some assessment, in order: the courts the hub knows.
pub fn known_courts(conn: &mut DbConn, limit: usize) -> Result<Vec<String>, StoreError> {
    Ok(assessments::table
        .filter(assessments::court_code.is_not_null())
        .select(assessments::court_code.assume_not_null())
        .distinct()
        .order(assessments::court_code.assume_not_null().asc())
        .limit(limit as i64)
        .load(conn)?)
}
