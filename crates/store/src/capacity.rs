//! A listing's capacity: its start dates, and the places offered and taken on each.
//!
//! A date's places are kept in up to [`SHARES`] shares, one row each (`capacity_shares`),
//! and the `capacity_slots` view adds them up. A sale takes a place in the first share
//! with one free that no other transaction holds (`FOR NO KEY UPDATE SKIP LOCKED` on
//! PostgreSQL), so buyers of one date take different rows instead of queueing for one
//! counter that each holds from its sale to its commit. Only when every share with a
//! place free is held by another transaction does a sale wait for one, and it then finds
//! out whether the place is still free once that transaction ends. Every update is
//! conditional (`places_taken < places`), so no share, and so no date, is ever oversold.

use chrono::NaiveDate;
use diesel::dsl::{exists, sum};
use diesel::prelude::*;
use provider_hub_domain::listing::{CapacitySlot, HeldSlot, ListingStatus};

use crate::schema::{capacity_shares, listings};
use crate::{DbConn, StoreError};

/// Most shares one start date's places are kept in.
pub const SHARES: i32 = 8;

/// How `places`, `taken` of them sold, are kept in shares: as evenly as they go (the first
/// shares one more), the places taken filling the shares in order. A date without places
/// keeps one empty share, so that the date exists. The migration that made shares splits
/// dates the same way.
pub fn split(places: i32, taken: i32) -> Vec<(i32, i32)> {
    let n = places.clamp(1, SHARES);
    let mut left = taken;
    (0..n)
        .map(|i| {
            let here = places / n + i32::from(i < places % n);
            let sold = left.min(here).max(0);
            left -= sold;
            (here, sold)
        })
        .collect()
}

/// The listing's start dates with places offered and taken, in date order.
pub fn capacity(conn: &mut DbConn, listing_id: &str) -> Result<Vec<HeldSlot>, StoreError> {
    let rows: Vec<(NaiveDate, Option<i64>, Option<i64>)> = capacity_shares::table
        .filter(capacity_shares::listing_id.eq(listing_id))
        .group_by(capacity_shares::starts_on)
        .order(capacity_shares::starts_on.asc())
        .select((
            capacity_shares::starts_on,
            sum(capacity_shares::places),
            sum(capacity_shares::places_taken),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(starts_on, places, taken)| {
            Ok(HeldSlot {
                starts_on,
                places: count(places)?,
                taken: count(taken)?,
            })
        })
        .collect()
}

fn count(n: Option<i64>) -> Result<u32, StoreError> {
    u32::try_from(n.unwrap_or(0)).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The free places of each of these listings' dates between `from` and `to`, by listing
/// and date; dates without a free place are left out.
pub fn free_between(
    conn: &mut DbConn,
    listing_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i32)>, StoreError> {
    let rows: Vec<(String, NaiveDate, Option<i64>, Option<i64>)> = capacity_shares::table
        .filter(capacity_shares::listing_id.eq_any(listing_ids))
        .filter(capacity_shares::starts_on.between(from, to))
        .filter(capacity_shares::places_taken.lt(capacity_shares::places))
        .group_by((capacity_shares::listing_id, capacity_shares::starts_on))
        .order((
            capacity_shares::listing_id.asc(),
            capacity_shares::starts_on.asc(),
        ))
        .select((
            capacity_shares::listing_id,
            capacity_shares::starts_on,
            sum(capacity_shares::places),
            sum(capacity_shares::places_taken),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(listing_id, on, places, taken)| {
            let free = places.unwrap_or(0) - taken.unwrap_or(0);
            let free = i32::try_from(free).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((listing_id, on, free))
        })
        .collect()
}

/// Replaces a listing's capacity: dates left out that have no place taken go, the others
/// get their new number of places, kept in shares afresh. The listing and its shares are
/// locked first, so no sale or other replacement commits meanwhile; false (nothing
/// changed) when a date would have fewer places than are taken.
pub fn replace_capacity(
    conn: &mut DbConn,
    listing_id: &str,
    slots: &[CapacitySlot],
) -> Result<bool, StoreError> {
    let mine = capacity_shares::table.filter(capacity_shares::listing_id.eq(listing_id));
    if let DbConn::Pg(pg) = conn {
        // The listing first, so that two replacements of its capacity run one after the
        // other and the second locks the shares the first made; then its shares, so that
        // sales in flight end before their places are counted and none begins after.
        listings::table
            .filter(listings::id.eq(listing_id))
            .select(listings::id)
            .for_no_key_update()
            .load::<String>(pg)?;
        mine.order((capacity_shares::starts_on, capacity_shares::share))
            .select(capacity_shares::share)
            .for_no_key_update()
            .load::<i32>(pg)?;
    }
    let held = capacity(conn, listing_id)?;
    let mut taken_on = std::collections::BTreeMap::new();
    for slot in &held {
        taken_on.insert(slot.starts_on, slot.taken);
    }
    for slot in slots {
        if taken_on
            .get(&slot.starts_on)
            .is_some_and(|t| *t > slot.places)
        {
            return Ok(false);
        }
    }
    let keep: Vec<NaiveDate> = slots.iter().map(|s| s.starts_on).collect();
    let gone: Vec<NaiveDate> = held
        .iter()
        .filter(|s| s.taken == 0 && !keep.contains(&s.starts_on))
        .map(|s| s.starts_on)
        .collect();
    diesel::delete(mine.filter(capacity_shares::starts_on.eq_any(gone.iter().chain(&keep))))
        .execute(conn)?;
    let mut rows = Vec::new();
    for slot in slots {
        let places = i32::try_from(slot.places).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let taken = taken_on.get(&slot.starts_on).copied().unwrap_or(0);
        let taken = i32::try_from(taken).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for (share, (places, taken)) in (0..).zip(split(places, taken)) {
            rows.push((
                capacity_shares::listing_id.eq(listing_id),
                capacity_shares::starts_on.eq(slot.starts_on),
                capacity_shares::share.eq(share),
                capacity_shares::places.eq(places),
                capacity_shares::places_taken.eq(taken),
            ));
        }
    }
    for chunk in rows.chunks(1000) {
        let insert = diesel::insert_into(capacity_shares::table).values(chunk.to_vec());
        match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(true)
}

/// Whether the listing is published: only then may its places be taken.
fn published(conn: &mut DbConn, listing_id: &str) -> Result<bool, diesel::result::Error> {
    diesel::select(exists(
        listings::table
            .filter(listings::id.eq(listing_id))
            .filter(listings::status.eq(ListingStatus::Published.as_str())),
    ))
    .get_result(conn)
}

/// Which way a share's count moves.
#[derive(Clone, Copy)]
enum Move {
    /// A place is taken: a share with one free.
    Take,
    /// A place is given back: a share with one taken.
    GiveBack,
}

/// Takes one place on a start date if one is free and the listing is still published;
/// false if none was free (or the listing was paused or withdrawn). A place is never sold
/// twice, whatever the concurrency.
///
/// On PostgreSQL a try that waited for another transaction and then found its share full
/// would keep that share locked to the end of the transaction; inside a transaction the
/// try runs in a savepoint, rolled back when no place was taken, which lets such locks go.
pub fn reserve_place(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
) -> Result<bool, StoreError> {
    in_savepoint(conn, |conn| take_place(conn, listing_id, starts_on))
}

/// [`reserve_place`] for a caller already in a savepoint of its own, which it rolls back
/// when this is false (a share waited for and found full stays locked until then).
pub fn take_place(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
) -> Result<bool, StoreError> {
    Ok(published(conn, listing_id)? && shift(conn, listing_id, starts_on, Move::Take)?)
}

/// Gives a place back (a declined, expired or cancelled placement); false if the date had
/// none taken.
pub fn release_place(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
) -> Result<bool, StoreError> {
    shift(conn, listing_id, starts_on, Move::GiveBack)
}

/// For each (listing, date, places wanted), in key order: takes up to that many places,
/// as many as are free, where the listing is still published, and says how many it took
/// of each. For a batch run, which has each date's orders in hand: the dates' shares are
/// locked in key order (waiting for their holders), so two runs never wait for each other
/// in a cycle. On PostgreSQL three statements do it whatever the number of dates.
pub fn reserve_each(
    conn: &mut DbConn,
    wanted: &[(&str, NaiveDate, i32)],
) -> Result<Vec<i32>, StoreError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = wanted.iter().map(|w| w.0).collect();
    let published: std::collections::HashSet<String> = listings::table
        .filter(listings::id.eq_any(&ids))
        .filter(listings::status.eq(ListingStatus::Published.as_str()))
        .select(listings::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let shares = free_shares(conn, wanted)?;
    let mut taken = Vec::with_capacity(wanted.len());
    let mut moves: Vec<(String, NaiveDate, i32, i32)> = Vec::new();
    for (listing_id, starts_on, places) in wanted {
        let mut here = 0;
        if published.contains(*listing_id) {
            for share in shares
                .iter()
                .filter(|s| s.listing_id == *listing_id && s.starts_on == *starts_on)
            {
                let n = (places - here).min(share.places - share.places_taken);
                if n <= 0 {
                    break;
                }
                moves.push(((*listing_id).to_owned(), *starts_on, share.share, n));
                here += n;
            }
        }
        taken.push(here);
    }
    take(conn, &moves)?;
    Ok(taken)
}

#[derive(Debug, QueryableByName)]
struct FreeShare {
    #[diesel(sql_type = diesel::sql_types::Text)]
    listing_id: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    share: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    places: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    places_taken: i32,
}

/// The shares with a place free of these dates, locked, in key order.
fn free_shares(
    conn: &mut DbConn,
    dates: &[(&str, NaiveDate, i32)],
) -> Result<Vec<FreeShare>, StoreError> {
    use diesel::sql_types::{Array, Date, Text};
    match conn {
        DbConn::Pg(pg) => Ok(diesel::sql_query(
            "SELECT listing_id, starts_on, share, places, places_taken FROM capacity_shares \
             WHERE (listing_id, starts_on) IN (SELECT * FROM unnest($1::text[], $2::date[])) \
             AND places_taken < places \
             ORDER BY listing_id, starts_on, share FOR NO KEY UPDATE",
        )
        .bind::<Array<Text>, _>(dates.iter().map(|d| d.0).collect::<Vec<_>>())
        .bind::<Array<Date>, _>(dates.iter().map(|d| d.1).collect::<Vec<_>>())
        .load(pg)?),
        DbConn::Sqlite(_) => {
            let mut shares = Vec::new();
            for (listing_id, starts_on, _) in dates {
                let rows: Vec<(i32, i32, i32)> = capacity_shares::table
                    .filter(capacity_shares::listing_id.eq(listing_id))
                    .filter(capacity_shares::starts_on.eq(starts_on))
                    .filter(capacity_shares::places_taken.lt(capacity_shares::places))
                    .order(capacity_shares::share.asc())
                    .select((
                        capacity_shares::share,
                        capacity_shares::places,
                        capacity_shares::places_taken,
                    ))
                    .load(conn)?;
                shares.extend(
                    rows.into_iter()
                        .map(|(share, places, places_taken)| FreeShare {
                            listing_id: (*listing_id).to_owned(),
                            starts_on: *starts_on,
                            share,
                            places,
                            places_taken,
                        }),
                );
            }
            Ok(shares)
        }
    }
}

/// Takes `n` more places in each (listing, date, share) given, whose shares the caller
/// has locked and found with that many free.
fn take(conn: &mut DbConn, moves: &[(String, NaiveDate, i32, i32)]) -> Result<(), StoreError> {
    use diesel::sql_types::{Array, Date, Integer, Text};
    if moves.is_empty() {
        return Ok(());
    }
    match conn {
        DbConn::Pg(pg) => {
            diesel::sql_query(
                "UPDATE capacity_shares AS s SET places_taken = s.places_taken + v.n \
                 FROM unnest($1::text[], $2::date[], $3::int[], $4::int[]) AS v(listing_id, starts_on, share, n) \
                 WHERE s.listing_id = v.listing_id AND s.starts_on = v.starts_on AND s.share = v.share",
            )
            .bind::<Array<Text>, _>(moves.iter().map(|m| m.0.as_str()).collect::<Vec<_>>())
            .bind::<Array<Date>, _>(moves.iter().map(|m| m.1).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(moves.iter().map(|m| m.2).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(moves.iter().map(|m| m.3).collect::<Vec<_>>())
            .execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            for (listing_id, starts_on, share, n) in moves {
                diesel::update(
                    capacity_shares::table
                        .filter(capacity_shares::listing_id.eq(listing_id))
                        .filter(capacity_shares::starts_on.eq(starts_on))
                        .filter(capacity_shares::share.eq(share)),
                )
                .set(capacity_shares::places_taken.eq(capacity_shares::places_taken + n))
                .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// How many times a move looks again for a share after waiting for one that then could
/// not move (another transaction took or gave back its last place, or the capacity was
/// replaced); each wait is for a transaction that has ended, so this is rarely reached.
const TRIES: usize = 2 * SHARES as usize + 2;

/// Moves one place on a date: first in a share nobody else holds, then, if every share
/// that could move is held, in one of those once its holder is done.
fn shift(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
    way: Move,
) -> Result<bool, StoreError> {
    for _ in 0..TRIES {
        if let Some(share) = share_to_move(conn, listing_id, starts_on, way, true)? {
            if move_share(conn, listing_id, starts_on, share, way)? {
                return Ok(true);
            }
        }
        let Some(share) = share_to_move(conn, listing_id, starts_on, way, false)? else {
            return Ok(false);
        };
        // Held by another transaction: wait for it, in a savepoint of its own so that a
        // share found unable to move once it is done is not kept locked.
        let moved = in_savepoint(conn, |conn| {
            Ok(move_share(conn, listing_id, starts_on, share, way)?)
        })?;
        if moved {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The first share of a date that passes `$can` in `$order`, read on one backend's
/// connection: locked, skipping shares another transaction holds, when `$skip_held`.
macro_rules! first_share {
    ($conn:expr, $listing_id:expr, $starts_on:expr, $can:expr, $order:expr, $skip_held:expr) => {{
        let first = capacity_shares::table
            .filter(capacity_shares::listing_id.eq($listing_id))
            .filter(capacity_shares::starts_on.eq($starts_on))
            .filter($can)
            .order($order)
            .select(capacity_shares::share)
            .limit(1);
        match $conn {
            DbConn::Pg(pg) if $skip_held => first
                .for_no_key_update()
                .skip_locked()
                .get_result(pg)
                .optional(),
            DbConn::Pg(pg) => first.get_result(pg).optional(),
            DbConn::Sqlite(lite) => first.get_result(lite).optional(),
        }
    }};
}

/// The first share of the date that can move (for giving a place back, the last, so that
/// takers and givers meet less), locked when `skip_held` (on PostgreSQL, skipping shares
/// another transaction holds; SQLite writes one transaction at a time).
fn share_to_move(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
    way: Move,
    skip_held: bool,
) -> Result<Option<i32>, diesel::result::Error> {
    match way {
        Move::Take => first_share!(
            conn,
            listing_id,
            starts_on,
            capacity_shares::places_taken.lt(capacity_shares::places),
            capacity_shares::share.asc(),
            skip_held
        ),
        Move::GiveBack => first_share!(
            conn,
            listing_id,
            starts_on,
            capacity_shares::places_taken.gt(0),
            capacity_shares::share.desc(),
            skip_held
        ),
    }
}

/// Moves one place in a share, if it still can.
fn move_share(
    conn: &mut DbConn,
    listing_id: &str,
    starts_on: NaiveDate,
    share: i32,
    way: Move,
) -> Result<bool, diesel::result::Error> {
    let this = capacity_shares::table
        .filter(capacity_shares::listing_id.eq(listing_id))
        .filter(capacity_shares::starts_on.eq(starts_on))
        .filter(capacity_shares::share.eq(share));
    let n = match way {
        Move::Take => {
            diesel::update(this.filter(capacity_shares::places_taken.lt(capacity_shares::places)))
                .set(capacity_shares::places_taken.eq(capacity_shares::places_taken + 1))
                .execute(conn)?
        }
        Move::GiveBack => diesel::update(this.filter(capacity_shares::places_taken.gt(0)))
            .set(capacity_shares::places_taken.eq(capacity_shares::places_taken - 1))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Runs `f` in a savepoint on PostgreSQL inside a transaction, rolled back when it
/// returns false; elsewhere as it is.
fn in_savepoint(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    if !matches!(conn, DbConn::Pg(_)) || !crate::transaction::in_transaction(conn)? {
        return f(conn);
    }
    let mut failed: Option<StoreError> = None;
    let done = conn.transaction(|conn| match f(conn) {
        Ok(true) => Ok(()),
        Ok(false) => Err(diesel::result::Error::RollbackTransaction),
        Err(e) => {
            failed = Some(e);
            Err(diesel::result::Error::RollbackTransaction)
        }
    });
    match (done, failed) {
        (_, Some(e)) => Err(e),
        (Ok(()), None) => Ok(true),
        (Err(diesel::result::Error::RollbackTransaction), None) => Ok(false),
        (Err(e), None) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_keeps_every_place_and_every_sale_within_its_share() {
        for places in 0..40 {
            for taken in 0..=places {
                let shares = split(places, taken);
                assert_eq!(shares.len() as i32, places.clamp(1, SHARES));
                assert_eq!(shares.iter().map(|s| s.0).sum::<i32>(), places);
                assert_eq!(shares.iter().map(|s| s.1).sum::<i32>(), taken);
                assert!(shares.iter().all(|(p, t)| 0 <= *t && t <= p));
                let (most, least) = (shares[0].0, shares[shares.len() - 1].0);
                assert!(most - least <= 1, "{places}: {shares:?}");
            }
        }
    }
}
