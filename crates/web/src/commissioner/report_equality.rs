//! The equality report's page: a table per area and category, each group's figures as
//! the API gives them; a suppressed figure reads "suppressed (fewer than 5)" (the CSV's
//! `[c]`), explained above the tables.

use provider_hub_domain::equality::{EthnicGroupHighLevel, EthnicReportGroup};
use provider_hub_market::equality::report::{EqualityFigures, EqualityReport};

use super::report_pages::{cells, Table};
use crate::page;

/// How a suppressed figure reads on the page.
pub(super) const SUPPRESSED: &str = "suppressed (fewer than 5)";

fn figure<T: ToString>(value: Option<T>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| SUPPRESSED.to_owned())
}

fn figures(label: String, f: &EqualityFigures) -> Vec<super::report_pages::Cell> {
    let median = match (f.median_wait_days, f.placements) {
        (Some(d), _) => d.to_string(),
        (None, Some(0)) => "–".to_owned(),
        (None, _) => SUPPRESSED.to_owned(),
    };
    cells(
        &[label],
        &[
            figure(f.placements),
            median,
            figure(f.completions),
            figure(f.positive_outcomes),
        ],
    )
}

/// A group's words: `Sex: female`, `Age: 25-34`, `Ethnic group: White`.
fn group_words(dimension: &str, group: &str) -> String {
    match dimension {
        "sex" => format!("Sex: {}", page::words(group).to_lowercase()),
        "age_band" => format!("Age: {group}"),
        _ => {
            let words = EthnicReportGroup::ALL
                .iter()
                .find(|g| g.as_str() == group)
                .map(|g| g.words())
                .or_else(|| {
                    group
                        .parse::<EthnicGroupHighLevel>()
                        .ok()
                        .map(EthnicGroupHighLevel::words)
                })
                .unwrap_or(group);
            format!("Ethnic group: {words}")
        }
    }
}

fn head() -> Vec<super::report_pages::Cell> {
    cells(
        &["Group".to_owned()],
        &[
            "Placements".to_owned(),
            "Median wait (days)".to_owned(),
            "Completions".to_owned(),
            "Positive outcomes".to_owned(),
        ],
    )
}

pub(super) fn tables(
    tables: &mut Vec<Table>,
    report: &EqualityReport,
    name: &dyn Fn(&str) -> String,
) {
    for line in &report.rows {
        tables.push(Table {
            caption: format!("{}, {}", name(&line.area), page::words(&line.category)),
            head: head(),
            rows: line
                .groups
                .iter()
                .map(|g| figures(group_words(&g.dimension, &g.group), &g.figures))
                .collect(),
            totals: Some(figures("All placements".to_owned(), &line.total)),
            left_out: 0,
        });
    }
}
