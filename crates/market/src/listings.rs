//! Listings: providers offer to deliver published specification versions, at a price,
//! in areas, with capacity; everyone searches what they may see.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::category::Category;
use provider_hub_domain::listing::{
    self, check_capacity, check_publishable, CapacitySlot, DeliveryMode, EligibilityNarrowing,
    IllegalListingTransition, ListingAudience, ListingFormat, ListingPatch, ListingStatus,
    ListingTerms, NewListing, PublishRefusal,
};
use provider_hub_domain::provider::{self, Standing};
use provider_hub_domain::specification::SpecificationVersion;
use provider_hub_domain::AreaCode;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::listings::{
    self as store, ListingChangeset, ListingFilter, ListingRow, Visibility,
};
use provider_hub_store::{areas, providers, specifications, write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::change::{transition_of, Audit, Subject};
use crate::{naive, Actor, Error};

mod search;
mod supply;
use provider_hub_store::names::ListingNames;
use provider_hub_store::to_utc;
pub use search::{search, search_eligible, search_visibility, EligibilityBasis, EligibleListings};
pub use supply::Supply;

/// A listing as searched and read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingView {
    pub id: String,
    pub provider_id: String,
    /// The provider's name, beside its id.
    pub provider_name: String,
    #[schema(example = "UPW-STD")]
    pub specification_code: String,
    pub specification_version: i32,
    /// The title of the specification version it delivers to.
    pub specification_title: String,
    pub category: Category,
    pub title: String,
    pub description: String,
    /// Area codes served.
    pub areas: Vec<String>,
    /// Price per order now, in pence.
    pub price_pence: i64,
    pub delivery_format: ListingFormat,
    pub delivery_mode: DeliveryMode,
    /// How the listing narrows the specification's eligibility.
    pub eligibility: EligibilityNarrowing,
    pub status: ListingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Places for one start date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    pub starts_on: NaiveDate,
    pub places: u32,
    /// Places already sold.
    pub taken: u32,
    pub free: u32,
}

/// One price the listing has had.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceView {
    pub price_pence: i64,
    pub effective_from: DateTime<Utc>,
}

/// A listing with its capacity and price history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingDetail {
    #[serde(flatten)]
    pub listing: ListingView,
    /// Start dates in date order.
    pub capacity: Vec<SlotView>,
    /// Every price, oldest first; orders keep the price they were placed at.
    pub price_history: Vec<PriceView>,
}

/// A full replacement of a listing's capacity.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityUpdate {
    #[schema(max_items = 520)]
    pub slots: Vec<CapacitySlot>,
}

fn corrupt(field: &str, e: impl std::fmt::Display) -> Error {
    Error::corrupt(&format!("listings.{field}"), e)
}

fn to_view(
    row: ListingRow,
    areas: Vec<String>,
    names: Option<ListingNames>,
) -> Result<ListingView, Error> {
    let names = names.ok_or_else(|| corrupt("provider_id", "no provider or specification"))?;
    Ok(ListingView {
        provider_name: names.provider_name,
        specification_title: names.specification_title,
        category: row.category,
        delivery_format: row.delivery_format,
        delivery_mode: row.delivery_mode,
        eligibility: serde_json::from_str(&row.eligibility)
            .map_err(|e| corrupt("eligibility", e))?,
        status: row.status,
        id: row.id,
        provider_id: row.provider_id,
        specification_code: row.specification_code,
        specification_version: row.specification_version,
        title: row.title,
        description: row.description,
        areas,
        price_pence: row.price_pence,
        created_at: to_utc(row.created_at),
        updated_at: to_utc(row.updated_at),
        published_at: row.published_at.map(to_utc),
        withdrawn_at: row.withdrawn_at.map(to_utc),
    })
}

fn terms_of(view: &ListingView) -> Result<ListingTerms, Error> {
    Ok(ListingTerms {
        title: view.title.clone(),
        description: view.description.clone(),
        areas: view
            .areas
            .iter()
            .map(|a| AreaCode::parse(a).map_err(|e| corrupt("areas", e)))
            .collect::<Result<_, _>>()?,
        price_pence: view.price_pence,
        delivery_format: view.delivery_format,
        delivery_mode: view.delivery_mode,
        eligibility: view.eligibility.clone(),
    })
}

fn load_view(conn: &mut DbConn, row: ListingRow) -> Result<ListingView, Error> {
    let areas = store::areas_of(conn, std::slice::from_ref(&row.id))?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let names = provider_hub_store::names::of_listings(conn, std::slice::from_ref(&row.id))?
        .remove(&row.id);
    to_view(row, areas, names)
}

fn visibility(audience: &ListingAudience, today: NaiveDate) -> Visibility {
    match audience {
        ListingAudience::Everything => Visibility::Everything,
        ListingAudience::OwnedBy(provider_id) => Visibility::OwnedBy(provider_id.clone()),
        ListingAudience::PublishedOfMembers => Visibility::PublishedOfMembers { on: today },
    }
}

/// Is the provider a member for `category` today?
fn provider_is_member(
    conn: &mut DbConn,
    provider_id: &str,
    category: Category,
    today: NaiveDate,
) -> Result<bool, Error> {
    let Some(p) = providers::find(conn, provider_id)? else {
        return Ok(false);
    };
    let standing = p.standing;
    let accreditations = providers::accreditations_of(conn, std::slice::from_ref(&p.id))?
        .iter()
        .map(|a| a.to_domain())
        .collect::<Result<Vec<_>, _>>()?;
    let (threshold, _, _) = providers::threshold(conn)?;
    Ok(provider::is_member(
        standing,
        &accreditations,
        category,
        threshold,
        today,
    ))
}

/// A listing the caller may see, or 404 — never a hint that someone else's exists.
fn visible_listing(
    conn: &mut DbConn,
    audience: &ListingAudience,
    id: &str,
    today: NaiveDate,
) -> Result<ListingRow, Error> {
    let not_found = || Error::NotFound(format!("listing {id}"));
    let row = store::find(conn, id)?.ok_or_else(not_found)?;
    let visible = match audience {
        ListingAudience::Everything => true,
        ListingAudience::OwnedBy(provider_id) => row.provider_id == *provider_id,
        ListingAudience::PublishedOfMembers => {
            // The same rule search applies, asked of this one listing.
            let filter = ListingFilter {
                id: Some(id.to_owned()),
                ..ListingFilter::default()
            };
            let vis = visibility(audience, today);
            !store::search(conn, &filter, &vis, None, 1)?
                .items
                .is_empty()
        }
    };
    if visible {
        Ok(row)
    } else {
        Err(not_found())
    }
}

/// A listing of the calling provider, or 404.
fn own_listing(conn: &mut DbConn, provider_id: &str, id: &str) -> Result<ListingView, Error> {
    let row = store::find(conn, id)?
        .filter(|l| l.provider_id == provider_id)
        .ok_or_else(|| Error::NotFound(format!("listing {id}")))?;
    load_view(conn, row)
}

fn load_spec(conn: &mut DbConn, code: &str, version: i32) -> Result<SpecificationVersion, Error> {
    specifications::find(conn, code, version)?.ok_or_else(|| {
        Error::invalid(
            "specification_code",
            format!("there is no specification {code} version {version}"),
        )
    })
}

fn check_areas_exist(conn: &mut DbConn, areas_served: &[AreaCode]) -> Result<(), Error> {
    for (i, area) in areas_served.iter().enumerate() {
        if areas::find(conn, area.as_str())?.is_none() {
            return Err(Error::invalid(
                &format!("areas[{i}]"),
                format!("there is no area {area}"),
            ));
        }
    }
    Ok(())
}

fn eligibility_json(e: &EligibilityNarrowing) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| "{}".into())
}

fn record(
    conn: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&ListingView>,
    after: &ListingView,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    conn.audit(AuditEntry {
        actor,
        action,
        entity_type: "listing",
        entity_id: id,
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: serde_json::to_value(after).ok(),
        at: naive(now),
    });
    Ok(())
}

/// A provider creates a draft listing for a published specification version.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    new: NewListing,
    now: DateTime<Utc>,
) -> Result<ListingDetail, Error> {
    let ((code, version), terms) = new.into_terms();
    write_transaction(conn, |conn| {
        let provider = providers::find(conn, provider_id)?.ok_or_else(|| {
            Error::Forbidden(format!(
                "provider {provider_id} is not registered in the hub"
            ))
        })?;
        if provider.standing != Standing::Active {
            return Err(Error::conflict(
                format!(
                    "provider {provider_id} is {} and cannot list services",
                    provider.standing
                ),
                Some(provider.standing.as_str()),
            ));
        }
        let spec = load_spec(conn, &code, version)?;
        if spec.status != provider_hub_domain::specification::SpecificationStatus::Published {
            return Err(Error::conflict(
                format!("specification {code} version {version} is {}: list against a published version", spec.status),
                Some(spec.status.as_str()),
            ));
        }
        terms.validate(
            &spec.content.eligibility,
            spec.content.delivery_standard.format,
        )?;
        check_areas_exist(conn, &terms.areas)?;
        let spec_id = specifications::id_of(conn, &code, version)?
            .ok_or_else(|| Error::NotFound(format!("specification {code} version {version}")))?;
        let row = ListingRow {
            id: provider_hub_store::new_id("lst"),
            provider_id: provider_id.to_owned(),
            specification_id: spec_id,
            specification_code: code.clone(),
            specification_version: version,
            category: spec.content.category,
            title: terms.title.trim().to_owned(),
            description: terms.description.clone(),
            price_pence: terms.price_pence,
            delivery_format: terms.delivery_format,
            delivery_mode: terms.delivery_mode,
            eligibility: eligibility_json(&terms.eligibility),
            status: ListingStatus::Draft,
            created_at: naive(now),
            updated_at: naive(now),
            published_at: None,
            withdrawn_at: None,
        };
        store::insert(conn, &row)?;
        let area_codes: Vec<String> = terms.areas.iter().map(|a| a.as_str().to_owned()).collect();
        store::set_areas(conn, &row.id, &area_codes)?;
        store::record_price(conn, &row.id, row.price_pence, &actor.sub, naive(now))?;
        let id = row.id.clone();
        let created = load_view(conn, row)?;
        record(conn, actor, "listing.created", &id, None, &created, now)?;
        detail(conn, created)
    })
}

fn detail(conn: &mut DbConn, listing: ListingView) -> Result<ListingDetail, Error> {
    let capacity = store::capacity(conn, &listing.id)?
        .into_iter()
        .map(|s| SlotView {
            starts_on: s.starts_on,
            places: s.places,
            taken: s.taken,
            free: s.places.saturating_sub(s.taken),
        })
        .collect();
    let price_history = store::price_history(conn, &listing.id)?
        .into_iter()
        .map(|p| PriceView {
            price_pence: p.price_pence,
            effective_from: to_utc(p.effective_from),
        })
        .collect();
    Ok(ListingDetail {
        listing,
        capacity,
        price_history,
    })
}

/// Reads one listing as the caller may see it.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<ListingDetail, Error> {
    let (role, scope, now) = (caller.role, &caller.scope, caller.now);
    let audience = listing::audience(role, scope);
    let row = visible_listing(conn, &audience, id, now.date_naive())?;
    let view = load_view(conn, row)?;
    detail(conn, view)
}

fn refusal(r: PublishRefusal, category: &str) -> Error {
    match r {
        PublishRefusal::SpecificationNotPublished(status) => Error::conflict(
            format!("the listing's specification version is {status}"),
            Some(status.as_str()),
        ),
        PublishRefusal::NotAMember => Error::conflict(
            format!("the provider is not a member for {category}: it needs a current accreditation at or above the quality threshold"),
            None,
        ),
        PublishRefusal::OverPriceCap { price_pence, cap_pence } => Error::invalid(
            "price_pence",
            format!("{price_pence} is above the specification's price cap of {cap_pence}"),
        ),
    }
}

/// A provider edits its listing; a new price applies from now on and is kept in history.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    id: &str,
    patch: ListingPatch,
    now: DateTime<Utc>,
) -> Result<ListingDetail, Error> {
    write_transaction(conn, |conn| {
        let before = own_listing(conn, provider_id, id)?;
        before.status.edit()?;
        let spec = load_spec(
            conn,
            &before.specification_code,
            before.specification_version,
        )?;
        let new_areas = patch.areas.is_some();
        let terms = patch.apply(terms_of(&before)?);
        terms.validate(
            &spec.content.eligibility,
            spec.content.delivery_standard.format,
        )?;
        if before.status == ListingStatus::Published
            && terms.price_pence > spec.content.price_cap_pence
        {
            return Err(refusal(
                PublishRefusal::OverPriceCap {
                    price_pence: terms.price_pence,
                    cap_pence: spec.content.price_cap_pence,
                },
                before.category.as_str(),
            ));
        }
        if new_areas {
            check_areas_exist(conn, &terms.areas)?;
            let codes: Vec<String> = terms.areas.iter().map(|a| a.as_str().to_owned()).collect();
            store::set_areas(conn, id, &codes)?;
        }
        if terms.price_pence != before.price_pence {
            store::record_price(conn, id, terms.price_pence, &actor.sub, naive(now))?;
        }
        store::update_terms(
            conn,
            id,
            &ListingChangeset {
                title: terms.title.trim().to_owned(),
                description: terms.description.clone(),
                price_pence: terms.price_pence,
                delivery_format: terms.delivery_format.as_str().to_owned(),
                delivery_mode: terms.delivery_mode.as_str().to_owned(),
                eligibility: eligibility_json(&terms.eligibility),
                updated_at: naive(now),
            },
        )?;
        let after = own_listing(conn, provider_id, id)?;
        record(
            conn,
            actor,
            "listing.updated",
            id,
            Some(&before),
            &after,
            now,
        )?;
        detail(conn, after)
    })
}

/// Publishes, pauses or withdraws a provider's own listing.
pub fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    id: &str,
    rule: fn(ListingStatus) -> Result<ListingStatus, IllegalListingTransition>,
    action: &str,
    now: DateTime<Utc>,
) -> Result<ListingDetail, Error> {
    write_transaction(conn, |conn| {
        let before = own_listing(conn, provider_id, id)?;
        let subject = Subject {
            entity_type: "listing",
            id,
            status: before.status,
        };
        let after = transition_of(
            conn,
            subject,
            |status| Ok(rule(status)?),
            |conn, from, to| {
                if to == ListingStatus::Published {
                    publishable(conn, provider_id, &before, now)?;
                }
                Ok(store::set_status(conn, id, from, to, naive(now))?)
            },
            |conn| own_listing(conn, provider_id, id).ok().map(|l| l.status),
            |conn, _, _| {
                let after = own_listing(conn, provider_id, id)?;
                let entry = Audit {
                    actor,
                    action,
                    before: serde_json::to_value(&before).ok(),
                    after: serde_json::to_value(&after).ok(),
                    now,
                };
                Ok((entry, after))
            },
        )?;
        if after.status == ListingStatus::Published {
            crate::placement::market_changed(
                conn,
                Some(before.category),
                "listing published",
                now,
            )?;
        }
        detail(conn, after)
    })
}

/// Whether a listing may be published now: its specification version published, its
/// price within the cap, its provider a member of the category's framework.
fn publishable(
    conn: &mut DbConn,
    provider_id: &str,
    listing: &ListingView,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let spec = load_spec(
        conn,
        &listing.specification_code,
        listing.specification_version,
    )?;
    let member = provider_is_member(conn, provider_id, listing.category, now.date_naive())?;
    check_publishable(
        spec.status,
        listing.price_pence,
        spec.content.price_cap_pence,
        member,
    )
    .map_err(|r| refusal(r, listing.category.as_str()))
}

/// Replaces a listing's capacity; places already sold are never lost.
pub fn set_capacity(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    id: &str,
    update: CapacityUpdate,
    now: DateTime<Utc>,
) -> Result<ListingDetail, Error> {
    write_transaction(conn, |conn| {
        let view = own_listing(conn, provider_id, id)?;
        if view.status == ListingStatus::Withdrawn {
            return Err(Error::conflict(
                "a withdrawn listing has no capacity",
                Some(view.status.as_str()),
            ));
        }
        let category = view.category;
        let held = store::capacity(conn, id)?;
        check_capacity(&held, &update.slots)?;
        if !store::replace_capacity(conn, id, &update.slots)? {
            return Err(Error::conflict(
                "places were sold meanwhile; read the capacity and try again",
                None,
            ));
        }
        let before: Vec<serde_json::Value> = held
            .iter()
            .map(|s| serde_json::json!({"starts_on": s.starts_on, "places": s.places, "taken": s.taken}))
            .collect();
        let result = detail(conn, view)?;
        conn.audit(AuditEntry {
            actor,
            action: "listing.capacity_set",
            entity_type: "listing",
            entity_id: id,
            before: Some(serde_json::Value::Array(before)),
            after: serde_json::to_value(&result.capacity).ok(),
            at: naive(now),
        });
        crate::placement::market_changed(conn, Some(category), "capacity set", now)?;
        Ok(result)
    })
}
