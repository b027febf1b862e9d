//! The equality report ("Who is served"): for orders created in the period and placed
//! with a provider, per area and category — placements, the median wait (days from the
//! order's creation to its actual start), completions and positive outcomes
//! (`no_proven_reoffence_12m`) — by sex, by age band (age when the order was created) and
//! by ethnic group (the ONS high-level groups, prefer not to say, not recorded). Every
//! figure goes through [`provider_hub_domain::disclosure`]: counts of 1 to 4 and what
//! would give them away are published as null (`[c]` in CSV).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use provider_hub_domain::case::age_on;
use provider_hub_domain::disclosure::{self, CSV_MARK};
use provider_hub_domain::equality::{AgeBand, EthnicGroup, EthnicReportGroup};
use provider_hub_domain::need::Sex;
use provider_hub_store::equality::{self as store, EqualityOrderRow};
use provider_hub_store::reports::ReportFilter;
use provider_hub_store::DbConn;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::reports::{check, ReportScope};
use crate::Error;

/// Figures of one group (or of all of an area and category); null: suppressed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct EqualityFigures {
    /// Orders placed with a provider.
    pub placements: Option<u64>,
    /// Median (nearest rank) days from the order's creation to its actual start, over
    /// the orders started; null when suppressed or none started.
    pub median_wait_days: Option<i64>,
    /// Orders completed.
    pub completions: Option<u64>,
    /// Orders whose outcome is no proven reoffence within 12 months.
    pub positive_outcomes: Option<u64>,
}

/// One group of one breakdown: `dimension` is `sex`, `age_band` or `ethnic_group`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EqualityGroup {
    #[schema(example = "ethnic_group")]
    pub dimension: String,
    #[schema(example = "white")]
    pub group: String,
    #[serde(flatten)]
    pub figures: EqualityFigures,
}

/// An area and category: its totals and its groups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EqualityLine {
    pub area: String,
    pub category: String,
    pub total: EqualityFigures,
    pub groups: Vec<EqualityGroup>,
}

/// `GET /v1/reports/equality`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EqualityReport {
    /// Always `equality`.
    #[schema(example = "equality")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// The smallest count published (5): smaller ones, and one more cell of a breakdown
    /// that has only one, are null.
    pub threshold: u64,
    pub rows: Vec<EqualityLine>,
}

/// One group's raw counts.
#[derive(Debug, Clone, Default)]
struct Tally {
    placements: u64,
    waits: Vec<i64>,
    completions: u64,
    positive: u64,
}

impl Tally {
    fn add(&mut self, row: &EqualityOrderRow) {
        self.placements += 1;
        if let Some(start) = row.actual_start {
            self.waits.push((start - row.created_at.date()).num_days());
        }
        if row.status == "completed" {
            self.completions += 1;
        }
        if row.outcome.as_deref() == Some("no_proven_reoffence_12m") {
            self.positive += 1;
        }
    }
}

/// Nearest-rank median, as the waiting times report computes its p50.
fn median(waits: &[i64]) -> Option<i64> {
    let mut sorted = waits.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let rank = (50 * n).div_ceil(100);
    rank.checked_sub(1).and_then(|i| sorted.get(i)).copied()
}

/// The groups of one dimension, in report order, with the word of each.
type Breakdown = Vec<(&'static str, Tally)>;

/// Applies disclosure control to one breakdown's measures; the groups' figures.
fn published(breakdown: &Breakdown) -> Vec<EqualityFigures> {
    let counts =
        |f: fn(&Tally) -> u64| -> Vec<u64> { breakdown.iter().map(|(_, t)| f(t)).collect() };
    let placements = disclosure::suppress(&counts(|t| t.placements)).cells;
    let completions = disclosure::suppress(&counts(|t| t.completions)).cells;
    let positive = disclosure::suppress(&counts(|t| t.positive)).cells;
    breakdown
        .iter()
        .enumerate()
        .map(|(i, (_, t))| EqualityFigures {
            placements: placements[i],
            median_wait_days: disclosure::derived(
                median(&t.waits),
                t.waits.len() as u64,
                placements[i].is_some(),
            ),
            completions: completions[i],
            positive_outcomes: positive[i],
        })
        .collect()
}

fn total(all: &Tally) -> EqualityFigures {
    let shown = |n: u64| (!disclosure::is_small(n)).then_some(n);
    let placements = shown(all.placements);
    EqualityFigures {
        placements,
        median_wait_days: disclosure::derived(
            median(&all.waits),
            all.waits.len() as u64,
            placements.is_some(),
        ),
        completions: shown(all.completions),
        positive_outcomes: shown(all.positive),
    }
}

fn line(
    area: String,
    category: String,
    orders: &[EqualityOrderRow],
) -> Result<EqualityLine, Error> {
    let mut all = Tally::default();
    let mut sex: Breakdown = Sex::ALL
        .iter()
        .map(|s| (s.as_str(), Tally::default()))
        .collect();
    let mut ages: Breakdown = AgeBand::ALL
        .iter()
        .map(|a| (a.as_str(), Tally::default()))
        .collect();
    let mut ethnic: Breakdown = EthnicReportGroup::ALL
        .iter()
        .map(|g| (g.as_str(), Tally::default()))
        .collect();
    for o in orders {
        all.add(o);
        let s: Sex = o.sex.parse().map_err(|e| Error::corrupt("cases.sex", e))?;
        let group = o
            .ethnic_group
            .as_deref()
            .map(|g| g.parse::<EthnicGroup>())
            .transpose()
            .map_err(|e| Error::corrupt("case_equality.ethnic_group", e))?;
        let age = AgeBand::of(age_on(o.date_of_birth, o.created_at.date()));
        for (breakdown, word) in [
            (&mut sex, s.as_str()),
            (&mut ages, age.as_str()),
            (&mut ethnic, EthnicReportGroup::of(group).as_str()),
        ] {
            if let Some((_, t)) = breakdown.iter_mut().find(|(w, _)| *w == word) {
                t.add(o);
            }
        }
    }
    let mut groups = Vec::new();
    for (dimension, breakdown) in [
        ("sex", &sex),
        ("age_band", &ages),
        ("ethnic_group", &ethnic),
    ] {
        for ((word, _), figures) in breakdown.iter().zip(published(breakdown)) {
            groups.push(EqualityGroup {
                dimension: dimension.into(),
                group: (*word).into(),
                figures,
            });
        }
    }
    Ok(EqualityLine {
        area,
        category,
        total: total(&all),
        groups,
    })
}

/// The equality report for `filter`.
pub fn equality(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<EqualityReport, Error> {
    check(filter)?;
    let mut by_line: BTreeMap<(String, String), Vec<EqualityOrderRow>> = BTreeMap::new();
    for row in store::placed_orders(conn, filter)? {
        by_line
            .entry((row.area_code.clone(), row.category.clone()))
            .or_default()
            .push(row);
    }
    let rows: Vec<EqualityLine> = by_line
        .into_iter()
        .map(|((area, category), orders)| line(area, category, &orders))
        .collect::<Result<_, _>>()?;
    Ok(EqualityReport {
        report: "equality".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        threshold: disclosure::THRESHOLD,
        rows,
    })
}

/// A figure in CSV: the number, `[c]` when suppressed.
#[derive(Debug, Clone, Copy, Default)]
struct Mark<T>(Option<T>);

impl<T: std::fmt::Display> Serialize for Mark<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_str(CSV_MARK),
        }
    }
}

#[derive(Serialize, Default)]
struct CsvRow<'a> {
    area: crate::csv::Text<'a>,
    category: &'a str,
    dimension: &'a str,
    group: &'a str,
    placements: Mark<u64>,
    median_wait_days: String,
    completions: Mark<u64>,
    positive_outcomes: Mark<u64>,
}

fn csv_row<'a>(
    line: &'a EqualityLine,
    dimension: &'a str,
    group: &'a str,
    f: &EqualityFigures,
) -> CsvRow<'a> {
    CsvRow {
        area: crate::csv::Text(&line.area),
        category: &line.category,
        dimension,
        group,
        placements: Mark(f.placements),
        // No order at all is not a suppression: an empty field.
        median_wait_days: match (f.median_wait_days, f.placements) {
            (Some(days), _) => days.to_string(),
            (None, Some(0)) => String::new(),
            (None, _) => CSV_MARK.to_owned(),
        },
        completions: Mark(f.completions),
        positive_outcomes: Mark(f.positive_outcomes),
    }
}

/// The report as CSV: per area and category a row `all`/`all` (the totals), then a row per
/// group; `[c]` marks a suppressed figure.
pub fn csv(report: &EqualityReport) -> Result<String, Error> {
    crate::csv::table(report.rows.iter().flat_map(|l| {
        std::iter::once(csv_row(l, "all", "all", &l.total)).chain(
            l.groups
                .iter()
                .map(move |g| csv_row(l, &g.dimension, &g.group, &g.figures)),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_nearest_rank() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median(&[9, 1]), Some(1));
        assert_eq!(median(&[3, 1, 2]), Some(2));
    }
}
