//! Commissioning reports: spend, unmet demand, waiting times and providers' performance.
//!
//! Each report is aggregated by the database (one or two statements over orders, offers
//! and payments), so its cost does not grow with what the caller's process must hold: the
//! answer has at most one row per area × category (× provider). The statements are raw
//! SQL with bound parameters; the few fragments the backends spell differently (day
//! differences, JSON arrays) are chosen by matching on the connection.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::{DbConn, StoreError};

pub mod cherry_picking;

/// What a report covers. Dates are inclusive; `None` is unbounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub area: Option<String>,
    pub category: Option<String>,
    /// Only this provider (spend and providers; the other reports ignore it).
    pub provider_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Order statuses whose locked price is committed: accepted by the provider and not
/// cancelled nor ended in delivery (a terminated order counts only what was paid).
const COMMITTED: &str = "('accepted', 'in_delivery', 'paused', 'completed', 'failed')";

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
}

/// A statement's text, written with `?` placeholders, and the values bound to them in
/// order. PostgreSQL gets `$1, $2, …` instead.
#[derive(Debug, Default)]
struct Statement {
    sql: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, sql: &str, value: Bind) -> &mut Self {
        self.sql.push_str(sql);
        self.binds.push(value);
        self
    }

    /// `AND column = ?` when the filter has a value.
    fn equals(&mut self, column: &str, value: &Option<String>) -> &mut Self {
        if let Some(v) = value {
            self.bind(&format!(" AND {column} = ?"), Bind::Text(v.clone()));
        }
        self
    }

    /// The area and category filters on an order's columns.
    fn area_and_category(&mut self, order: &str, filter: &ReportFilter) -> &mut Self {
        self.equals(&format!("{order}.area_code"), &filter.area)
            .equals(&format!("{order}.category"), &filter.category)
    }

    /// A date column within the period.
    fn on_days(&mut self, column: &str, filter: &ReportFilter) -> &mut Self {
        if let Some(from) = filter.from {
            self.bind(&format!(" AND {column} >= ?"), Bind::Date(from));
        }
        if let Some(to) = filter.to {
            self.bind(&format!(" AND {column} <= ?"), Bind::Date(to));
        }
        self
    }

    /// A timestamp column within the period: from the first day's midnight to the
    /// midnight after the last day.
    fn at_times(&mut self, column: &str, filter: &ReportFilter) -> &mut Self {
        if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            self.bind(&format!(" AND {column} >= ?"), Bind::Timestamp(from));
        }
        // Past year 9999 every stored time is earlier (and SQLite would compare the
        // signed year's text wrongly), so there is no upper bound to bind.
        if let Some(end) = filter
            .to
            .and_then(|d| d.checked_add_signed(Duration::days(1)))
            .filter(|d| d.year() <= 9999)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            self.bind(&format!(" AND {column} < ?"), Bind::Timestamp(end));
        }
        self
    }

    /// The text with PostgreSQL's numbered placeholders.
    fn numbered(&self) -> String {
        let mut out = String::with_capacity(self.sql.len() + 16);
        let mut n = 0;
        for c in self.sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    }

    fn load<R>(&self, conn: &mut DbConn) -> Result<Vec<R>, StoreError>
    where
        R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
    {
        macro_rules! run {
            ($conn:expr, $backend:ty, $sql:expr) => {{
                let mut query = diesel::sql_query($sql).into_boxed::<$backend>();
                for value in &self.binds {
                    query = match value {
                        Bind::Text(s) => query.bind::<Text, _>(s.clone()),
                        Bind::Date(d) => query.bind::<Date, _>(*d),
                        Bind::Timestamp(t) => query.bind::<Timestamp, _>(*t),
                    };
                }
                query.load::<R>($conn)?
            }};
        }
        Ok(match conn {
            DbConn::Pg(c) => run!(c, Pg, self.numbered()),
            DbConn::Sqlite(c) => run!(c, Sqlite, self.sql.clone()),
        })
    }
}

/// Whole days from the day an order was created (its plan approved) to a date
/// expression, in the connection's dialect.
fn days_since_created(conn: &DbConn, date: &str) -> String {
    match conn {
        DbConn::Pg(_) => format!("({date} - CAST(o.created_at AS DATE))"),
        DbConn::Sqlite(_) => {
            format!("CAST(julianday({date}) - julianday(substr(o.created_at, 1, 10)) AS INTEGER)")
        }
    }
}

/// A date bound as a parameter, typed for date arithmetic.
fn date_parameter(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Pg(_) => "CAST(? AS DATE)",
        DbConn::Sqlite(_) => "?",
    }
}

/// How rows are grouped: by area and category, or all together (for the totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grouping {
    AreaCategory,
    All,
}

impl Grouping {
    /// The group's key columns for a select list, or constants standing for "all".
    fn keys(self, table: &str) -> String {
        match self {
            Grouping::AreaCategory => {
                format!("{table}.area_code AS area_code, {table}.category AS category")
            }
            Grouping::All => {
                "CAST(NULL AS TEXT) AS area_code, CAST(NULL AS TEXT) AS category".to_owned()
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Spend

/// What was committed to and paid to one provider for one area and category.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SpendRow {
    #[diesel(sql_type = Text)]
    pub area_code: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub provider_id: String,
    #[diesel(sql_type = Text)]
    pub provider_name: String,
    /// Orders whose locked price is committed.
    #[diesel(sql_type = BigInt)]
    pub committed_orders: i64,
    #[diesel(sql_type = BigInt)]
    pub committed_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub paid_pence: i64,
}

/// Committed: the locked prices of orders accepted, in delivery, completed or failed
/// whose committed start is in the period. Paid: payments made in the period. By area,
/// category and provider. An order is committed in its area (`orders.area_code`) except
/// what another area paid of it before its case moved (a transfer): that part stays
/// committed, and paid, in the area that paid it (`payments.area_code`), so no pound is
/// counted in two areas.
pub fn spend(conn: &mut DbConn, filter: &ReportFilter) -> Result<Vec<SpendRow>, StoreError> {
    let mut s = Statement::default();
    s.push(
        "SELECT g.area_code AS area_code, g.category AS category, g.provider_id AS provider_id, \
         p.name AS provider_name, g.committed_orders AS committed_orders, \
         g.committed_pence AS committed_pence, g.paid_pence AS paid_pence \
         FROM (SELECT x.area_code AS area_code, x.category AS category, \
         x.provider_id AS provider_id, \
         CAST(SUM(x.committed_orders) AS BIGINT) AS committed_orders, \
         CAST(SUM(x.committed_pence) AS BIGINT) AS committed_pence, \
         CAST(SUM(x.paid_pence) AS BIGINT) AS paid_pence \
         FROM (SELECT o.area_code, o.category, o.provider_id, 1 AS committed_orders, \
         o.price_pence - CAST(COALESCE((SELECT SUM(q.amount_pence) FROM payments q \
         WHERE q.order_id = o.id AND q.area_code <> o.area_code), 0) AS BIGINT) \
         AS committed_pence, 0 AS paid_pence FROM orders o \
         WHERE o.provider_id IS NOT NULL AND o.price_pence IS NOT NULL AND o.status IN ",
    )
    .push(COMMITTED)
    .on_days("o.starts_on", filter)
    .area_and_category("o", filter)
    .equals("o.provider_id", &filter.provider_id)
    .push(
        " UNION ALL SELECT q.area_code, o.category, o.provider_id, 0, q.amount_pence, 0 \
         FROM payments q JOIN orders o ON o.id = q.order_id \
         WHERE q.area_code <> o.area_code AND o.provider_id IS NOT NULL \
         AND o.price_pence IS NOT NULL AND o.status IN ",
    )
    .push(COMMITTED)
    .on_days("o.starts_on", filter)
    .equals("q.area_code", &filter.area)
    .equals("o.category", &filter.category)
    .equals("o.provider_id", &filter.provider_id)
    .push(
        " UNION ALL SELECT pay.area_code, o.category, pay.provider_id, 0, 0, pay.amount_pence \
         FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE 1 = 1",
    )
    .at_times("pay.created_at", filter)
    .equals("pay.area_code", &filter.area)
    .equals("o.category", &filter.category)
    .equals("pay.provider_id", &filter.provider_id)
    .push(
        ") x GROUP BY x.area_code, x.category, x.provider_id) g \
         JOIN providers p ON p.id = g.provider_id \
         ORDER BY g.area_code, g.category, g.provider_id",
    );
    s.load(conn)
}

// ---------------------------------------------------------------------------------------
// Unmet demand

/// Orders left unplaced in one area and category (or in all, for the totals).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct UnmetRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub area_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub unmatched: i64,
    #[diesel(sql_type = BigInt)]
    pub awaiting_approval: i64,
    /// Days waiting, summed over the orders (for averages).
    #[diesel(sql_type = BigInt)]
    pub total_days_waiting: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub longest_days_waiting: Option<i64>,
}

/// The matching rule that excluded the most listings, summed over a group's orders.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct TopRuleRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub area_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = Text)]
    pub rule: String,
    #[diesel(sql_type = BigInt)]
    pub excluded: i64,
}

/// The unplaced orders' filter: unmatched or awaiting approval, created in the period.
fn unplaced(s: &mut Statement, filter: &ReportFilter) {
    s.push(" WHERE o.status IN ('unmatched', 'awaiting_approval')")
        .at_times("o.created_at", filter)
        .area_and_category("o", filter);
}

fn unmet_counts(
    conn: &mut DbConn,
    filter: &ReportFilter,
    today: NaiveDate,
    grouping: Grouping,
) -> Result<Vec<UnmetRow>, StoreError> {
    let mut s = Statement::default();
    let waiting = days_since_created(conn, date_parameter(conn));
    s.push(&format!(
        "SELECT {}, \
         CAST(COALESCE(SUM(CASE WHEN w.status = 'unmatched' THEN 1 ELSE 0 END), 0) AS BIGINT) AS unmatched, \
         CAST(COALESCE(SUM(CASE WHEN w.status = 'awaiting_approval' THEN 1 ELSE 0 END), 0) AS BIGINT) AS awaiting_approval, \
         CAST(COALESCE(SUM(w.days), 0) AS BIGINT) AS total_days_waiting, \
         CAST(MAX(w.days) AS BIGINT) AS longest_days_waiting \
         FROM (SELECT o.area_code, o.category, o.status, ",
        grouping.keys("w")
    ))
    .bind(&format!("{waiting} AS days"), Bind::Date(today))
    .push(" FROM orders o");
    unplaced(&mut s, filter);
    s.push(") w");
    if grouping == Grouping::AreaCategory {
        s.push(" GROUP BY w.area_code, w.category ORDER BY w.area_code, w.category");
    }
    s.load(conn)
}

fn unmet_top_rules(
    conn: &mut DbConn,
    filter: &ReportFilter,
    grouping: Grouping,
) -> Result<Vec<TopRuleRow>, StoreError> {
    let elements = match conn {
        DbConn::Pg(_) => {
            "SELECT o.area_code, o.category, x.value ->> 'rule' AS rule, \
             CAST(x.value ->> 'excluded' AS BIGINT) AS excluded FROM orders o \
             CROSS JOIN LATERAL jsonb_array_elements(CAST(o.explanation AS jsonb) -> 'excluded') AS x(value)"
        }
        DbConn::Sqlite(_) => {
            "SELECT o.area_code, o.category, json_extract(x.value, '$.rule') AS rule, \
             json_extract(x.value, '$.excluded') AS excluded FROM orders o, \
             json_each(o.explanation, '$.excluded') AS x"
        }
    };
    let keys = grouping.keys("e");
    let (partition, group) = match grouping {
        Grouping::AreaCategory => (
            "PARTITION BY area_code, category ",
            "GROUP BY e.area_code, e.category, e.rule",
        ),
        Grouping::All => ("", "GROUP BY e.rule"),
    };
    let mut s = Statement::default();
    s.push(&format!(
        "SELECT area_code, category, rule, excluded FROM (\
         SELECT area_code, category, rule, excluded, \
         ROW_NUMBER() OVER ({partition}ORDER BY excluded DESC, rule) AS nth \
         FROM (SELECT {keys}, e.rule AS rule, CAST(SUM(e.excluded) AS BIGINT) AS excluded \
         FROM ({elements}"
    ));
    unplaced(&mut s, filter);
    s.push(&format!(
        ") e {group}) r WHERE excluded > 0) t WHERE nth = 1 ORDER BY area_code, category"
    ));
    s.load(conn)
}

/// Unplaced orders (unmatched or awaiting approval) created in the period, by area and
/// category, with days waiting up to `today` and the rule that excluded the most
/// listings across their explanations; and the same over all of them (the totals).
pub fn unmet_demand(
    conn: &mut DbConn,
    filter: &ReportFilter,
    today: NaiveDate,
) -> Result<UnmetDemand, StoreError> {
    Ok(UnmetDemand {
        rows: unmet_counts(conn, filter, today, Grouping::AreaCategory)?,
        rules: unmet_top_rules(conn, filter, Grouping::AreaCategory)?,
        totals: unmet_counts(conn, filter, today, Grouping::All)?
            .into_iter()
            .next(),
        top_rule: unmet_top_rules(conn, filter, Grouping::All)?
            .into_iter()
            .next(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetDemand {
    pub rows: Vec<UnmetRow>,
    /// The top rule of each area and category that has exclusions.
    pub rules: Vec<TopRuleRow>,
    pub totals: Option<UnmetRow>,
    pub top_rule: Option<TopRuleRow>,
}

// ---------------------------------------------------------------------------------------
// Waiting times

/// One measure of one area and category (or of all, for the totals).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct WaitRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub area_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    /// `approved` (orders created; no days), `committed` (to the committed start) or
    /// `started` (to the actual start).
    #[diesel(sql_type = Text)]
    pub measure: String,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub total_days: i64,
    /// Nearest-rank percentiles.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub p50_days: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub p90_days: Option<i64>,
}

fn waits(
    conn: &mut DbConn,
    filter: &ReportFilter,
    grouping: Grouping,
) -> Result<Vec<WaitRow>, StoreError> {
    let mut s = Statement::default();
    let measures = [
        (
            "committed",
            days_since_created(conn, "o.starts_on"),
            format!("o.starts_on IS NOT NULL AND o.status IN {COMMITTED}"),
        ),
        (
            "started",
            days_since_created(conn, "o.actual_start"),
            "o.actual_start IS NOT NULL".to_owned(),
        ),
    ];
    s.push("WITH measured AS (");
    for (i, (measure, days, condition)) in measures.iter().enumerate() {
        if i > 0 {
            s.push(" UNION ALL ");
        }
        s.push(&format!(
            "SELECT {}, '{measure}' AS measure, {days} AS days FROM orders o WHERE {condition}",
            grouping.keys("o")
        ))
        .at_times("o.created_at", filter)
        .area_and_category("o", filter);
    }
    // Nearest rank: the pth percentile of n values is the smallest value whose cumulative
    // count reaches ceil(p·n/100). Counting each day value once (a histogram) before the
    // window keeps the sort small; the approved orders are only counted.
    s.push(&format!(
        "), histogram AS (SELECT area_code, category, measure, days, COUNT(*) AS k \
         FROM measured GROUP BY area_code, category, measure, days), \
         cumulative AS (SELECT area_code, category, measure, days, k, \
         CAST(SUM(k) OVER (PARTITION BY area_code, category, measure ORDER BY days \
         ROWS UNBOUNDED PRECEDING) AS BIGINT) AS upto, \
         CAST(SUM(k) OVER (PARTITION BY area_code, category, measure) AS BIGINT) AS n \
         FROM histogram) \
         SELECT area_code, category, measure, CAST(SUM(k) AS BIGINT) AS orders, \
         CAST(SUM(k * days) AS BIGINT) AS total_days, \
         CAST(MIN(CASE WHEN upto >= (50 * n + 99) / 100 THEN days END) AS BIGINT) AS p50_days, \
         CAST(MIN(CASE WHEN upto >= (90 * n + 99) / 100 THEN days END) AS BIGINT) AS p90_days \
         FROM cumulative GROUP BY area_code, category, measure \
         UNION ALL SELECT {}, 'approved' AS measure, CAST(COUNT(*) AS BIGINT) AS orders, \
         CAST(0 AS BIGINT) AS total_days, CAST(NULL AS BIGINT) AS p50_days, \
         CAST(NULL AS BIGINT) AS p90_days FROM orders o WHERE 1 = 1",
        grouping.keys("o")
    ))
    .at_times("o.created_at", filter)
    .area_and_category("o", filter);
    if grouping == Grouping::AreaCategory {
        s.push(" GROUP BY o.area_code, o.category");
    }
    s.push(" ORDER BY area_code, category, measure");
    s.load(conn)
}

/// Orders approved in the period: days from approval to the committed start (orders
/// accepted and not cancelled) and to the actual start, by area and category, with
/// nearest-rank p50 and p90; and the same over all of them (the totals).
pub fn waiting_times(
    conn: &mut DbConn,
    filter: &ReportFilter,
) -> Result<(Vec<WaitRow>, Vec<WaitRow>), StoreError> {
    Ok((
        waits(conn, filter, Grouping::AreaCategory)?,
        waits(conn, filter, Grouping::All)?,
    ))
}

// ---------------------------------------------------------------------------------------
// Providers

/// One provider's offers and orders.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ProviderRow {
    #[diesel(sql_type = Text)]
    pub provider_id: String,
    #[diesel(sql_type = Text)]
    pub provider_name: String,
    #[diesel(sql_type = BigInt)]
    pub offers_made: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub declined: i64,
    #[diesel(sql_type = BigInt)]
    pub expired: i64,
    /// Locked prices of the accepted offers, summed (for the average).
    #[diesel(sql_type = BigInt)]
    pub accepted_price_pence: i64,
    /// Price caps of the accepted offers' specifications, summed.
    #[diesel(sql_type = BigInt)]
    pub accepted_cap_pence: i64,
    /// Orders placed with the provider whose committed start is in the period.
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    #[diesel(sql_type = BigInt)]
    pub failed: i64,
    #[diesel(sql_type = BigInt)]
    pub outcomes: i64,
    #[diesel(sql_type = BigInt)]
    pub no_reoffence: i64,
}

/// A provider's reason for declining, and how often it was given.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DeclineReasonRow {
    #[diesel(sql_type = Text)]
    pub provider_id: String,
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = BigInt)]
    pub declines: i64,
}

/// Offers (`f`) created in the period, of the provider asked for; joined to their orders
/// (`o`) only when the area or category is filtered.
fn offers_in_scope(s: &mut Statement, filter: &ReportFilter) {
    if filter.area.is_some() || filter.category.is_some() {
        s.push(" JOIN orders o ON o.id = f.order_id");
    }
    s.push(" WHERE 1 = 1")
        .at_times("f.created_at", filter)
        .area_and_category("o", filter)
        .equals("f.provider_id", &filter.provider_id);
}

/// How many decline reasons each provider's row lists, most frequent first.
pub const DECLINE_REASONS_LISTED: i64 = 5;

/// Per provider: offers created in the period (made, accepted, declined, expired, and
/// the accepted offers' prices and caps), and orders placed with it whose committed start
/// is in the period (completed, failed, outcomes recorded and positive). Area and
/// category are the orders'.
pub fn providers(
    conn: &mut DbConn,
    filter: &ReportFilter,
) -> Result<(Vec<ProviderRow>, Vec<DeclineReasonRow>), StoreError> {
    let mut s = Statement::default();
    s.push(
        "SELECT g.*, p.name AS provider_name FROM (SELECT x.provider_id AS provider_id, \
         CAST(SUM(x.made) AS BIGINT) AS offers_made, CAST(SUM(x.accepted) AS BIGINT) AS accepted, \
         CAST(SUM(x.declined) AS BIGINT) AS declined, CAST(SUM(x.expired) AS BIGINT) AS expired, \
         CAST(SUM(x.price) AS BIGINT) AS accepted_price_pence, \
         CAST(SUM(x.cap) AS BIGINT) AS accepted_cap_pence, \
         CAST(SUM(x.orders) AS BIGINT) AS orders, CAST(SUM(x.completed) AS BIGINT) AS completed, \
         CAST(SUM(x.failed) AS BIGINT) AS failed, CAST(SUM(x.outcomes) AS BIGINT) AS outcomes, \
         CAST(SUM(x.no_reoffence) AS BIGINT) AS no_reoffence \
         FROM (SELECT f.provider_id AS provider_id, 1 AS made, \
         CASE WHEN f.status = 'accepted' THEN 1 ELSE 0 END AS accepted, \
         CASE WHEN f.status = 'declined' THEN 1 ELSE 0 END AS declined, \
         CASE WHEN f.status = 'expired' THEN 1 ELSE 0 END AS expired, \
         CASE WHEN f.status = 'accepted' THEN f.price_pence ELSE 0 END AS price, \
         CASE WHEN f.status = 'accepted' THEN sp.price_cap_pence ELSE 0 END AS cap, \
         0 AS orders, 0 AS completed, 0 AS failed, 0 AS outcomes, 0 AS no_reoffence \
         FROM offers f JOIN listings l ON l.id = f.listing_id \
         JOIN specifications sp ON sp.id = l.specification_id",
    );
    offers_in_scope(&mut s, filter);
    s.push(
        " UNION ALL SELECT o.provider_id, 0, 0, 0, 0, 0, 0, 1, \
         CASE WHEN o.status = 'completed' THEN 1 ELSE 0 END, \
         CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END, \
         CASE WHEN o.outcome IS NOT NULL THEN 1 ELSE 0 END, \
         CASE WHEN o.outcome = 'no_proven_reoffence_12m' THEN 1 ELSE 0 END \
         FROM orders o WHERE o.provider_id IS NOT NULL AND o.status IN ",
    )
    .push(COMMITTED)
    .on_days("o.starts_on", filter)
    .area_and_category("o", filter)
    .equals("o.provider_id", &filter.provider_id)
    .push(
        ") x GROUP BY x.provider_id) g JOIN providers p ON p.id = g.provider_id \
         ORDER BY p.name, g.provider_id",
    );
    let rows = s.load(conn)?;

    let mut s = Statement::default();
    s.push(
        "SELECT provider_id, reason, declines FROM (\
         SELECT provider_id, reason, declines, \
         ROW_NUMBER() OVER (PARTITION BY provider_id ORDER BY declines DESC, reason) AS nth \
         FROM (SELECT f.provider_id AS provider_id, f.reason AS reason, \
         CAST(COUNT(*) AS BIGINT) AS declines \
         FROM offers f",
    );
    offers_in_scope(&mut s, filter);
    s.push(" AND f.status = 'declined' AND f.reason IS NOT NULL")
        .push(&format!(
            " GROUP BY f.provider_id, f.reason) r) t WHERE nth <= {DECLINE_REASONS_LISTED} \
         ORDER BY provider_id, nth"
        ));
    let reasons = s.load(conn)?;
    Ok((rows, reasons))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_for_postgres_in_order() {
        let mut s = Statement::default();
        s.push("SELECT 1 WHERE 1 = 1")
            .equals("a", &Some("x".into()))
            .on_days(
                "d",
                &ReportFilter {
                    from: NaiveDate::from_ymd_opt(2026, 1, 1),
                    to: NaiveDate::from_ymd_opt(2026, 1, 31),
                    ..ReportFilter::default()
                },
            );
        assert_eq!(
            s.numbered(),
            "SELECT 1 WHERE 1 = 1 AND a = $1 AND d >= $2 AND d <= $3"
        );
        assert_eq!(s.binds.len(), 3);
    }
}
