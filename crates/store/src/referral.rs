//! The referral pack's storage: the offender manager's contact on a case, the notes for
//! delivery on an order, and every read of a pack.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{case_contacts, referral_notes, referral_pack_reads};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_contacts)]
#[diesel(treat_none_as_null = true)]
pub struct ContactRow {
    pub crn: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = referral_notes)]
pub struct NotesRow {
    pub order_id: String,
    pub notes: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = referral_pack_reads)]
pub struct PackReadRow {
    pub id: String,
    pub order_id: String,
    pub provider_id: String,
    pub reader_sub: String,
    pub read_at: NaiveDateTime,
}

pub fn contact(conn: &mut DbConn, crn: &str) -> Result<Option<ContactRow>, StoreError> {
    Ok(case_contacts::table
        .find(crn)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets a case's contact, replacing the one it had.
pub fn set_contact(conn: &mut DbConn, row: &ContactRow) -> Result<(), StoreError> {
    let updated = diesel::update(case_contacts::table.find(&row.crn))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(case_contacts::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn notes(conn: &mut DbConn, order_id: &str) -> Result<Option<NotesRow>, StoreError> {
    Ok(referral_notes::table
        .find(order_id)
        .select(NotesRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets an order's notes for delivery, replacing those it had.
pub fn set_notes(conn: &mut DbConn, row: &NotesRow) -> Result<(), StoreError> {
    let updated = diesel::update(referral_notes::table.find(&row.order_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(referral_notes::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn record_read(conn: &mut DbConn, row: &PackReadRow) -> Result<(), StoreError> {
    diesel::insert_into(referral_pack_reads::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The reads of an order's pack, oldest first (at most `limit`).
pub fn reads(
    conn: &mut DbConn,
    order_id: &str,
    limit: usize,
) -> Result<Vec<PackReadRow>, StoreError> {
    Ok(referral_pack_reads::table
        .filter(referral_pack_reads::order_id.eq(order_id))
        .order((
            referral_pack_reads::read_at.asc(),
            referral_pack_reads::id.asc(),
        ))
        .limit(limit as i64)
        .select(PackReadRow::as_select())
        .load(conn)?)
}
