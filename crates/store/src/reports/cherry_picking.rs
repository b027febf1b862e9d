//! The cherry-picking report's data: offers by provider, category and the person's risk
//! tier; and the orders whose people the providers' eligibility might exclude. The rules
//! over them (shares, the narrowing index, the flag) are in
//! `provider_hub_domain::cherry_picking`.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use super::{ReportFilter, Statement};
use crate::{DbConn, StoreError};

/// Offers one provider was made for one category and one risk tier, and how many of
/// them it declined.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct TierOffersRow {
    #[diesel(sql_type = Text)]
    pub provider_id: String,
    #[diesel(sql_type = Text)]
    pub provider_name: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Integer)]
    pub tier: i32,
    #[diesel(sql_type = BigInt)]
    pub offers: i64,
    #[diesel(sql_type = BigInt)]
    pub declined: i64,
}

/// Offers created in the period (the area and category are their orders'), by provider,
/// category and the tier of the assessment the order's plan was made from. Every
/// provider's: the market's shares are the sum, so the provider filter is the caller's.
pub fn offers_by_tier(
    conn: &mut DbConn,
    filter: &ReportFilter,
) -> Result<Vec<TierOffersRow>, StoreError> {
    let mut s = Statement::default();
    s.push(
        "SELECT f.provider_id AS provider_id, p.name AS provider_name, \
         o.category AS category, a.tier AS tier, CAST(COUNT(*) AS BIGINT) AS offers, \
         CAST(SUM(CASE WHEN f.status = 'declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined \
         FROM offers f JOIN orders o ON o.id = f.order_id \
         JOIN sentence_plans sp ON sp.id = o.plan_id \
         JOIN assessments a ON a.id = sp.assessment_id \
         JOIN providers p ON p.id = f.provider_id WHERE 1 = 1",
    )
    .at_times("f.created_at", filter)
    .area_and_category("o", filter)
    .push(
        " GROUP BY f.provider_id, p.name, o.category, a.tier \
         ORDER BY p.name, f.provider_id, o.category, a.tier",
    );
    s.load(conn)
}

/// An order created in the period with the person it is for, as eligibility reads them.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PersonOrderRow {
    #[diesel(sql_type = Text)]
    pub area_code: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub sex: String,
    #[diesel(sql_type = Date)]
    pub date_of_birth: NaiveDate,
    #[diesel(sql_type = Date)]
    pub created_on: NaiveDate,
    #[diesel(sql_type = Text)]
    pub risk_of_harm: String,
    #[diesel(sql_type = Integer)]
    pub tier: i32,
}

/// Orders created in the period (in the area and category asked for), each with its
/// person's sex, date of birth, risk of serious harm and tier.
pub fn orders_with_people(
    conn: &mut DbConn,
    filter: &ReportFilter,
) -> Result<Vec<PersonOrderRow>, StoreError> {
    let created_on = match conn {
        DbConn::Pg(_) => "CAST(o.created_at AS DATE)",
        DbConn::Sqlite(_) => "substr(o.created_at, 1, 10)",
    };
    let mut s = Statement::default();
    s.push(&format!(
        "SELECT o.area_code AS area_code, o.category AS category, c.sex AS sex, \
         c.date_of_birth AS date_of_birth, {created_on} AS created_on, \
         a.risk_of_serious_harm AS risk_of_harm, a.tier AS tier \
         FROM orders o JOIN sentence_plans sp ON sp.id = o.plan_id \
         JOIN assessments a ON a.id = sp.assessment_id \
         JOIN cases c ON c.crn = o.crn WHERE 1 = 1"
    ))
    .at_times("o.created_at", filter)
    .area_and_category("o", filter)
    .push(" ORDER BY o.id");
    s.load(conn)
}
