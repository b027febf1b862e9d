//! The supply as one committed state, held in memory: every listing with its areas and
//! names, and what the membership rule reads (providers' standing, specifications'
//! status, current accreditations, the quality threshold), read in one transaction at one
//! supply version. A listing search over it answers what [`super::search`] answers at
//! that version without a statement of its own, so a process that keeps searches' answers
//! per version (the API's cache) makes a new answer in microseconds instead of three
//! statements, the first one planned afresh each time.

use std::collections::HashMap;

use chrono::NaiveDate;
use provider_hub_domain::listing::ListingStatus;
use provider_hub_domain::provider::Accreditation;
use provider_hub_domain::Category;
use provider_hub_store::cursor::Page;
use provider_hub_store::listings::{ListingFilter, Visibility};
use provider_hub_store::supply::{self as store, CurrentAccreditation};
use provider_hub_store::DbConn;

use super::{to_view, ListingView};
use crate::Error;

/// The supply at one version (see the module's documentation).
#[derive(Debug)]
pub struct Supply {
    version: i64,
    /// In search order: by id, as the database orders ids.
    listings: Vec<Listed>,
    /// Where each listing is in `listings`.
    positions: HashMap<String, usize>,
    /// Current accreditations by provider.
    accreditations: HashMap<String, Vec<Accreditation>>,
    /// The quality threshold; none (no member at all) when it is not set.
    threshold: Option<u8>,
}

#[derive(Debug)]
struct Listed {
    view: ListingView,
    provider_active: bool,
    specification_published: bool,
}

impl Supply {
    /// Reads the supply as it is now, at the version it is at.
    pub fn load(conn: &mut DbConn) -> Result<Self, Error> {
        let rows = store::rows(conn)?;
        let mut areas: HashMap<String, Vec<String>> = HashMap::new();
        for (listing_id, area) in rows.areas {
            areas.entry(listing_id).or_default().push(area);
        }
        let mut names = rows.names;
        let listings = rows
            .listings
            .into_iter()
            .map(|listed| {
                let id = listed.row.id.clone();
                let view = to_view(
                    listed.row,
                    areas.remove(&id).unwrap_or_default(),
                    names.remove(&id),
                )?;
                Ok(Listed {
                    view,
                    provider_active: listed.provider_active,
                    specification_published: listed.specification_published,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let positions = listings
            .iter()
            .enumerate()
            .map(|(at, listed)| (listed.view.id.clone(), at))
            .collect();
        let mut accreditations: HashMap<String, Vec<Accreditation>> = HashMap::new();
        for a in rows.accreditations {
            let (provider_id, accreditation) = accreditation(a)?;
            accreditations
                .entry(provider_id)
                .or_default()
                .push(accreditation);
        }
        let threshold = rows
            .threshold
            .map(|t| u8::try_from(t).map_err(|e| Error::corrupt("quality_threshold.threshold", e)))
            .transpose()?;
        Ok(Supply {
            version: rows.version,
            listings,
            positions,
            accreditations,
            threshold,
        })
    }

    /// The supply version this is the supply of.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// A page of the listings `visibility` shows that pass `filter`, after the listing
    /// `after`, as [`super::search`] finds it at this version; `None` when `after` is no
    /// listing of this supply (where its place in the database's order of ids is not
    /// known here: ask the database).
    pub fn search(
        &self,
        filter: &ListingFilter,
        visibility: &Visibility,
        after: Option<&str>,
        limit: usize,
    ) -> Option<Page<ListingView>> {
        let start = match after {
            None => 0,
            Some(after) => self.positions.get(after)? + 1,
        };
        let found = self.listings[start..]
            .iter()
            .filter(|listed| self.shows(listed, filter, visibility))
            .take(limit + 1)
            .map(|listed| listed.view.clone())
            .collect();
        Some(Page::from_rows(found, limit, |l| l.id.clone()))
    }

    /// Does the search show this listing?
    fn shows(&self, listed: &Listed, filter: &ListingFilter, visibility: &Visibility) -> bool {
        let view = &listed.view;
        let passes = filter.id.as_ref().is_none_or(|id| *id == view.id)
            && filter
                .category
                .as_deref()
                .is_none_or(|c| c == view.category.as_str())
            && filter
                .code
                .as_ref()
                .is_none_or(|code| *code == view.specification_code)
            && filter
                .provider_id
                .as_ref()
                .is_none_or(|p| *p == view.provider_id)
            && filter.status.is_none_or(|s| s == view.status)
            && filter
                .area
                .as_ref()
                .is_none_or(|area| view.areas.iter().any(|a| a == area));
        passes
            && match visibility {
                Visibility::Everything => true,
                Visibility::OwnedBy(provider_id) => *provider_id == view.provider_id,
                Visibility::PublishedOfMembers { on } => self.of_a_member(listed, *on),
            }
    }

    /// Is the listing published, of a published specification, by a provider that is a
    /// member for its category on `on` (the rule `provider_hub_domain::provider::is_member`)?
    fn of_a_member(&self, listed: &Listed, on: NaiveDate) -> bool {
        let view = &listed.view;
        let Some(threshold) = self.threshold else {
            return false;
        };
        view.status == ListingStatus::Published
            && listed.specification_published
            && listed.provider_active
            && self
                .accreditations
                .get(&view.provider_id)
                .is_some_and(|held| {
                    held.iter()
                        .any(|a| a.category == view.category && a.qualifies(threshold, on))
                })
    }
}

/// A current accreditation as the domain has it, with its provider.
fn accreditation(a: CurrentAccreditation) -> Result<(String, Accreditation), Error> {
    Ok((
        a.provider_id,
        Accreditation {
            category: a
                .category
                .parse::<Category>()
                .map_err(|e| Error::corrupt("accreditations.category", e))?,
            score: u8::try_from(a.score).map_err(|e| Error::corrupt("accreditations.score", e))?,
            assessed_on: a.assessed_on,
            expires_on: a.expires_on,
            superseded: false,
        },
    ))
}
