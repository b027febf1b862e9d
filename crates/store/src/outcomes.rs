//! Person-period outcomes (issue 17) and what recording them reads in bulk: the people's
//! started orders, the payment models of their listings, the reoffending probability of
//! the assessments their plans were made from, the outcomes already recorded.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::cursor::Page;
use crate::orders::OrderRow;
use crate::schema::{
    assessments, cases, listings, orders, payments, person_outcomes, sentence_plans, specifications,
};
use crate::{DbConn, StoreError};

/// Most rows a batched statement carries (SQLite binds at most 32,766 parameters).
const BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = person_outcomes)]
pub struct PersonOutcomeRow {
    pub id: String,
    pub crn: String,
    pub area_code: String,
    pub period_start: NaiveDate,
    /// The first day after the period.
    pub period_end: NaiveDate,
    pub proven_reoffences: i32,
    pub reoffending_probability: i32,
    /// The reoffences predicted, in thousandths.
    pub predicted_milli: i64,
    pub binary_percent: i32,
    pub frequency_percent: i32,
    pub pot_pence: i64,
    pub binary_pence: i64,
    pub frequency_pence: i64,
    pub amount_pence: i64,
    /// JSON: [{order_id, provider_id, price_pence, amount_pence}].
    pub attribution: String,
    /// `api` or `upload`.
    pub source: String,
    pub upload_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Inserts person-period outcomes; a person-period recorded already (or concurrently) is
/// a unique violation, and nothing of the batch is written.
pub fn insert(conn: &mut DbConn, rows: &[PersonOutcomeRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(BATCH / 2) {
        let rows = chunk.to_vec();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(person_outcomes::table)
                .values(rows)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(person_outcomes::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(())
}

/// One person-period's outcome.
pub fn find(
    conn: &mut DbConn,
    crn: &str,
    period_start: NaiveDate,
) -> Result<Option<PersonOutcomeRow>, StoreError> {
    Ok(person_outcomes::table
        .filter(person_outcomes::crn.eq(crn))
        .filter(person_outcomes::period_start.eq(period_start))
        .select(PersonOutcomeRow::as_select())
        .first(conn)
        .optional()?)
}

/// A person-period outcome by id.
pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<PersonOutcomeRow>, StoreError> {
    Ok(person_outcomes::table
        .find(id)
        .select(PersonOutcomeRow::as_select())
        .first(conn)
        .optional()?)
}

/// The outcomes recorded for these people, by person and period start.
pub fn of_people(
    conn: &mut DbConn,
    crns: &[String],
) -> Result<HashMap<(String, NaiveDate), PersonOutcomeRow>, StoreError> {
    let mut found = HashMap::new();
    for chunk in crns.chunks(BATCH) {
        let rows: Vec<PersonOutcomeRow> = person_outcomes::table
            .filter(person_outcomes::crn.eq_any(chunk))
            .select(PersonOutcomeRow::as_select())
            .load(conn)?;
        for row in rows {
            found.insert((row.crn.clone(), row.period_start), row);
        }
    }
    Ok(found)
}

/// Which of these people have a case on the hub.
pub fn known_people(conn: &mut DbConn, crns: &[String]) -> Result<HashSet<String>, StoreError> {
    let mut known = HashSet::new();
    for chunk in crns.chunks(BATCH) {
        let rows: Vec<String> = cases::table
            .filter(cases::crn.eq_any(chunk))
            .select(cases::crn)
            .load(conn)?;
        known.extend(rows);
    }
    Ok(known)
}

/// These people's started orders (an actual start reported), whatever became of them.
pub fn started_orders(conn: &mut DbConn, crns: &[String]) -> Result<Vec<OrderRow>, StoreError> {
    let mut all = Vec::new();
    for chunk in crns.chunks(BATCH) {
        let rows: Vec<OrderRow> = orders::table
            .filter(orders::crn.eq_any(chunk))
            .filter(orders::actual_start.is_not_null())
            .select(OrderRow::as_select())
            .load(conn)?;
        all.extend(rows);
    }
    Ok(all)
}

/// The payment model (JSON) of each listing's specification version.
pub fn payment_models(
    conn: &mut DbConn,
    listing_ids: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut found = HashMap::new();
    for chunk in listing_ids.chunks(BATCH) {
        let rows: Vec<(String, String)> = listings::table
            .inner_join(specifications::table)
            .filter(listings::id.eq_any(chunk))
            .select((listings::id, specifications::payment_model))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// The reoffending probability (%) of the assessment each plan was made from.
pub fn probabilities(
    conn: &mut DbConn,
    plan_ids: &[String],
) -> Result<HashMap<String, i32>, StoreError> {
    let mut found = HashMap::new();
    for chunk in plan_ids.chunks(BATCH) {
        let rows: Vec<(String, i32)> = sentence_plans::table
            .inner_join(assessments::table.on(assessments::id.eq(sentence_plans::assessment_id)))
            .filter(sentence_plans::id.eq_any(chunk))
            .select((sentence_plans::id, assessments::reoffending_probability))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Which of these orders have their outcome milestone paid already.
pub fn outcome_paid(
    conn: &mut DbConn,
    order_ids: &[String],
) -> Result<HashSet<String>, StoreError> {
    let mut paid = HashSet::new();
    for chunk in order_ids.chunks(BATCH) {
        let rows: Vec<String> = payments::table
            .filter(payments::order_id.eq_any(chunk))
            .filter(payments::milestone.eq("outcome"))
            .select(payments::order_id)
            .load(conn)?;
        paid.extend(rows);
    }
    Ok(paid)
}

/// Sets the outcome of these orders (those without one yet).
pub fn set_order_outcomes(
    conn: &mut DbConn,
    order_ids: &[String],
    outcome: &str,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in order_ids.chunks(BATCH) {
        n += diesel::update(
            orders::table
                .filter(orders::id.eq_any(chunk))
                .filter(orders::outcome.is_null()),
        )
        .set((orders::outcome.eq(Some(outcome)), orders::updated_at.eq(at)))
        .execute(conn)?;
    }
    Ok(n)
}

/// Inserts payments in batches; a milestone paid already is a unique violation.
pub fn insert_payments(
    conn: &mut DbConn,
    rows: &[crate::payments::PaymentRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(BATCH / 2) {
        let rows = chunk.to_vec();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(payments::table)
                .values(rows)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(payments::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct OutcomeFilter {
    pub crn: Option<String>,
    pub area: Option<String>,
}

/// Person-period outcomes in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &OutcomeFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<PersonOutcomeRow>, StoreError> {
    let mut query = person_outcomes::table
        .select(PersonOutcomeRow::as_select())
        .into_boxed();
    if let Some(crn) = &filter.crn {
        query = query.filter(person_outcomes::crn.eq(crn.clone()));
    }
    if let Some(area) = &filter.area {
        query = query.filter(person_outcomes::area_code.eq(area.clone()));
    }
    if let Some(after) = after {
        query = query.filter(person_outcomes::id.gt(after));
    }
    let rows = query
        .order(person_outcomes::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |p| p.id.clone()))
}
