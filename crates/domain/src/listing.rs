//! Listings (SPEC.md §2): a provider's offer to deliver one specification version,
//! with areas, a price, eligibility no wider than the specification's, and capacity.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::need::{RiskOfHarm, RiskTier, Sex, TIERS};
use crate::specification::{DeliveryFormat, Eligibility, SpecificationStatus};
use crate::validation::ValidationErrors;
use crate::{AreaCode, Role, Scope};

crate::string_enum! {
    /// `draft → published → paused → published | withdrawn`.
    pub enum ListingStatus {
        Draft => "draft",
        Published => "published",
        Paused => "paused",
        Withdrawn => "withdrawn",
    }
}

crate::string_enum! {
    /// How a listing's sessions are attended.
    pub enum DeliveryMode {
        InPerson => "in_person",
        Remote => "remote",
        Blended => "blended",
    }
}

crate::string_enum! {
    /// Group or one-to-one delivery.
    pub enum ListingFormat {
        Group => "group",
        OneToOne => "one_to_one",
    }
}

/// A refused change of a listing's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a listing that is {current}")]
pub struct IllegalListingTransition {
    pub action: &'static str,
    pub current: ListingStatus,
}

impl ListingStatus {
    pub fn publish(self) -> Result<Self, IllegalListingTransition> {
        match self {
            Self::Draft | Self::Paused => Ok(Self::Published),
            current => Err(IllegalListingTransition {
                action: "publish",
                current,
            }),
        }
    }

    pub fn pause(self) -> Result<Self, IllegalListingTransition> {
        match self {
            Self::Published => Ok(Self::Paused),
            current => Err(IllegalListingTransition {
                action: "pause",
                current,
            }),
        }
    }

    pub fn withdraw(self) -> Result<Self, IllegalListingTransition> {
        match self {
            Self::Draft | Self::Published | Self::Paused => Ok(Self::Withdrawn),
            current => Err(IllegalListingTransition {
                action: "withdraw",
                current,
            }),
        }
    }

    /// A withdrawn listing is history; everything else may be edited.
    pub fn edit(self) -> Result<Self, IllegalListingTransition> {
        match self {
            Self::Withdrawn => Err(IllegalListingTransition {
                action: "edit",
                current: self,
            }),
            other => Ok(other),
        }
    }
}

/// Optional narrowing of the specification's eligibility; each part only ever narrower.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityNarrowing {
    /// e.g. `["female"]` for a women-only service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1)]
    pub sexes: Option<Vec<Sex>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 18, maximum = 120)]
    pub min_age: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 18, maximum = 120)]
    pub max_age: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_risk_of_harm: Option<RiskOfHarm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<RiskTier>>, min_items = 1, max_items = 4)]
    pub tiers: Option<Vec<u8>>,
}

impl EligibilityNarrowing {
    /// Refuses any part wider than the specification allows.
    pub fn validate_within(&self, spec: &Eligibility) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Some(sexes) = &self.sexes {
            if sexes.is_empty() || sexes.iter().any(|s| !spec.sexes.contains(s)) {
                errors.add(
                    "eligibility.sexes",
                    "must be a non-empty subset of the specification's sexes",
                );
            }
        }
        let min = self.min_age.unwrap_or(spec.min_age);
        let max = self.max_age.unwrap_or(spec.max_age);
        if min < spec.min_age || min > spec.max_age {
            errors.add(
                "eligibility.min_age",
                format!(
                    "must be within the specification's {}-{}",
                    spec.min_age, spec.max_age
                ),
            );
        }
        if max > spec.max_age || max < spec.min_age {
            errors.add(
                "eligibility.max_age",
                format!(
                    "must be within the specification's {}-{}",
                    spec.min_age, spec.max_age
                ),
            );
        } else if max < min {
            errors.add("eligibility.max_age", "must not be below min_age");
        }
        if let Some(risk) = self.max_risk_of_harm {
            if risk > spec.max_risk_of_harm {
                errors.add(
                    "eligibility.max_risk_of_harm",
                    format!(
                        "must not exceed the specification's {}",
                        spec.max_risk_of_harm
                    ),
                );
            }
        }
        if let Some(tiers) = &self.tiers {
            let unique: BTreeSet<&u8> = tiers.iter().collect();
            if tiers.is_empty()
                || unique.len() != tiers.len()
                || tiers
                    .iter()
                    .any(|t| !TIERS.contains(t) || !spec.tiers.contains(t))
            {
                errors.add(
                    "eligibility.tiers",
                    "must be a non-empty subset of the specification's tiers",
                );
            }
        }
        errors.into_result()
    }

    /// The eligibility that applies: the specification's, narrowed.
    pub fn apply_to(&self, spec: &Eligibility) -> Eligibility {
        Eligibility {
            sexes: self.sexes.clone().unwrap_or_else(|| spec.sexes.clone()),
            min_age: self.min_age.unwrap_or(spec.min_age),
            max_age: self.max_age.unwrap_or(spec.max_age),
            max_risk_of_harm: self.max_risk_of_harm.unwrap_or(spec.max_risk_of_harm),
            tiers: self.tiers.clone().unwrap_or_else(|| spec.tiers.clone()),
        }
    }
}

/// Does a listing's format fit the specification's delivery standard?
pub fn format_fits(spec: DeliveryFormat, listing: ListingFormat) -> bool {
    matches!(
        (spec, listing),
        (DeliveryFormat::Either, _)
            | (DeliveryFormat::Group, ListingFormat::Group)
            | (DeliveryFormat::OneToOne, ListingFormat::OneToOne)
    )
}

/// What a listing says, as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListingTerms {
    pub title: String,
    pub description: String,
    pub areas: Vec<AreaCode>,
    pub price_pence: i64,
    pub delivery_format: ListingFormat,
    pub delivery_mode: DeliveryMode,
    pub eligibility: EligibilityNarrowing,
}

/// A new listing, to deliver one published specification version.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    #[schema(example = "UPW-STD")]
    pub specification_code: String,
    #[schema(minimum = 1)]
    pub specification_version: i32,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    /// Area codes served; at least one.
    #[schema(min_items = 1, max_items = 200)]
    pub areas: Vec<AreaCode>,
    /// Price per order, in pence; within the specification's price cap to publish.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub price_pence: i64,
    pub delivery_format: ListingFormat,
    pub delivery_mode: DeliveryMode,
    #[serde(default)]
    pub eligibility: EligibilityNarrowing,
}

impl NewListing {
    pub fn into_terms(self) -> ((String, i32), ListingTerms) {
        (
            (self.specification_code, self.specification_version),
            ListingTerms {
                title: self.title,
                description: self.description,
                areas: self.areas,
                price_pence: self.price_pence,
                delivery_format: self.delivery_format,
                delivery_mode: self.delivery_mode,
                eligibility: self.eligibility,
            },
        )
    }
}

/// A change to a listing; absent fields are unchanged. A price change applies from now on.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    #[schema(min_items = 1, max_items = 200)]
    pub areas: Option<Vec<AreaCode>>,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub price_pence: Option<i64>,
    pub delivery_format: Option<ListingFormat>,
    pub delivery_mode: Option<DeliveryMode>,
    pub eligibility: Option<EligibilityNarrowing>,
}

impl ListingPatch {
    pub fn apply(self, mut t: ListingTerms) -> ListingTerms {
        if let Some(v) = self.title {
            t.title = v;
        }
        if let Some(v) = self.description {
            t.description = v;
        }
        if let Some(v) = self.areas {
            t.areas = v;
        }
        if let Some(v) = self.price_pence {
            t.price_pence = v;
        }
        if let Some(v) = self.delivery_format {
            t.delivery_format = v;
        }
        if let Some(v) = self.delivery_mode {
            t.delivery_mode = v;
        }
        if let Some(v) = self.eligibility {
            t.eligibility = v;
        }
        t
    }
}

impl ListingTerms {
    /// The rules a listing's terms must meet against its specification at all times.
    pub fn validate(
        &self,
        spec_eligibility: &Eligibility,
        spec_format: DeliveryFormat,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = self.title.trim().chars().count();
        if title == 0 || title > 200 {
            errors.add("title", "must be 1-200 characters");
        }
        if self.description.chars().count() > 10_000 {
            errors.add("description", "must be at most 10000 characters");
        }
        if self.areas.is_empty() || self.areas.len() > 200 {
            errors.add("areas", "must name 1-200 areas");
        } else if self.areas.iter().collect::<BTreeSet<_>>().len() != self.areas.len() {
            errors.add("areas", "must not repeat an area");
        }
        if self.price_pence <= 0 || self.price_pence > crate::money::MAX_PENCE {
            errors.add("price_pence", "must be a positive number of pence");
        }
        if !format_fits(spec_format, self.delivery_format) {
            errors.add(
                "delivery_format",
                format!("the specification requires {spec_format} delivery"),
            );
        }
        if let Err(e) = self.eligibility.validate_within(spec_eligibility) {
            errors.0.extend(e.0);
        }
        errors.into_result()
    }
}

/// Why a listing cannot be published now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishRefusal {
    /// 409: the specification version is not published.
    SpecificationNotPublished(SpecificationStatus),
    /// 409: the provider is not a member for the specification's category.
    NotAMember,
    /// 422: the price is above the specification's cap.
    OverPriceCap { price_pence: i64, cap_pence: i64 },
}

/// May a listing be published (or stay publishable after a price change)?
pub fn check_publishable(
    spec_status: SpecificationStatus,
    price_pence: i64,
    cap_pence: i64,
    provider_is_member: bool,
) -> Result<(), PublishRefusal> {
    if spec_status != SpecificationStatus::Published {
        return Err(PublishRefusal::SpecificationNotPublished(spec_status));
    }
    if !provider_is_member {
        return Err(PublishRefusal::NotAMember);
    }
    if price_pence > cap_pence {
        return Err(PublishRefusal::OverPriceCap {
            price_pence,
            cap_pence,
        });
    }
    Ok(())
}

/// Which listings a caller sees (SPEC.md §1): a provider sees only its own, in any
/// status; offender managers see the published listings of current members; the quality
/// team, commissioners and admins see everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingAudience {
    Everything,
    PublishedOfMembers,
    OwnedBy(String),
}

pub fn audience(role: Role, scope: &Scope) -> ListingAudience {
    match (role, scope) {
        (Role::Quality | Role::Commissioner | Role::Admin, _) => ListingAudience::Everything,
        (Role::Provider, Scope::Provider(own)) => ListingAudience::OwnedBy(own.clone()),
        _ => ListingAudience::PublishedOfMembers,
    }
}

/// Places offered for one start date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacitySlot {
    pub starts_on: NaiveDate,
    #[schema(minimum = 0, maximum = 10000)]
    pub places: u32,
}

/// A slot as stored: places offered and places already sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSlot {
    pub starts_on: NaiveDate,
    pub places: u32,
    pub taken: u32,
}

/// Most start dates one listing may hold.
pub const MAX_SLOTS: usize = 520;

/// Checks a full replacement of a listing's capacity: no place already sold is lost.
pub fn check_capacity(current: &[HeldSlot], new: &[CapacitySlot]) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if new.len() > MAX_SLOTS {
        errors.add("slots", format!("at most {MAX_SLOTS} start dates"));
    }
    let dates: BTreeSet<NaiveDate> = new.iter().map(|s| s.starts_on).collect();
    if dates.len() != new.len() {
        errors.add("slots", "must not repeat a start date");
    }
    for (i, slot) in new.iter().enumerate() {
        if slot.places > 10_000 {
            errors.add(format!("slots[{i}].places"), "must be at most 10000");
        }
    }
    for held in current.iter().filter(|h| h.taken > 0) {
        match new.iter().position(|s| s.starts_on == held.starts_on) {
            None => errors.add(
                "slots",
                format!(
                    "{} has {} places sold and cannot be removed",
                    held.starts_on, held.taken
                ),
            ),
            Some(i) if new[i].places < held.taken => errors.add(
                format!("slots[{i}].places"),
                format!(
                    "{} places are already sold for {}",
                    held.taken, held.starts_on
                ),
            ),
            Some(_) => {}
        }
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Eligibility {
        Eligibility {
            sexes: vec![Sex::Female, Sex::Male],
            min_age: 18,
            max_age: 65,
            max_risk_of_harm: RiskOfHarm::High,
            tiers: vec![1, 2, 3],
        }
    }

    #[test]
    fn narrowing_may_only_narrow() {
        let women_only = EligibilityNarrowing {
            sexes: Some(vec![Sex::Female]),
            ..Default::default()
        };
        assert!(women_only.validate_within(&spec()).is_ok());
        assert_eq!(women_only.apply_to(&spec()).sexes, vec![Sex::Female]);
        let narrower_ages = EligibilityNarrowing {
            min_age: Some(25),
            max_age: Some(40),
            ..Default::default()
        };
        assert!(narrower_ages.validate_within(&spec()).is_ok());

        let wider: Vec<EligibilityNarrowing> = vec![
            EligibilityNarrowing {
                min_age: Some(17),
                ..Default::default()
            },
            EligibilityNarrowing {
                max_age: Some(70),
                ..Default::default()
            },
            EligibilityNarrowing {
                min_age: Some(50),
                max_age: Some(40),
                ..Default::default()
            },
            EligibilityNarrowing {
                max_risk_of_harm: Some(RiskOfHarm::VeryHigh),
                ..Default::default()
            },
            EligibilityNarrowing {
                tiers: Some(vec![4]),
                ..Default::default()
            },
            EligibilityNarrowing {
                tiers: Some(vec![]),
                ..Default::default()
            },
            EligibilityNarrowing {
                sexes: Some(vec![]),
                ..Default::default()
            },
        ];
        for n in wider {
            assert!(n.validate_within(&spec()).is_err(), "{n:?}");
        }
        let women_spec = Eligibility {
            sexes: vec![Sex::Female],
            ..spec()
        };
        let men = EligibilityNarrowing {
            sexes: Some(vec![Sex::Male]),
            ..Default::default()
        };
        assert!(men.validate_within(&women_spec).is_err());
    }

    #[test]
    fn each_role_sees_its_share_of_listings() {
        let area = Scope::Area(AreaCode::parse("SY-SHF").expect("area"));
        assert_eq!(
            audience(Role::Quality, &Scope::Hub),
            ListingAudience::Everything
        );
        assert_eq!(
            audience(Role::Commissioner, &Scope::Hub),
            ListingAudience::Everything
        );
        assert_eq!(
            audience(Role::OffenderManager, &area),
            ListingAudience::PublishedOfMembers
        );
        assert_eq!(
            audience(Role::Provider, &Scope::Provider("prv_1".into())),
            ListingAudience::OwnedBy("prv_1".into())
        );
    }

    #[test]
    fn listing_lifecycle() {
        use ListingStatus::*;
        assert_eq!(Draft.publish(), Ok(Published));
        assert_eq!(Published.pause(), Ok(Paused));
        assert_eq!(Paused.publish(), Ok(Published));
        assert_eq!(Paused.withdraw(), Ok(Withdrawn));
        assert_eq!(Draft.withdraw(), Ok(Withdrawn));
        assert!(Draft.pause().is_err());
        assert!(Published.publish().is_err());
        assert!(Withdrawn.publish().is_err());
        assert!(Withdrawn.withdraw().is_err());
        assert!(Withdrawn.edit().is_err());
        assert!(Paused.edit().is_ok());
    }

    #[test]
    fn publishing_needs_a_published_specification_a_price_within_cap_and_membership() {
        use SpecificationStatus::*;
        assert_eq!(check_publishable(Published, 500, 500, true), Ok(()));
        assert_eq!(
            check_publishable(Published, 501, 500, true),
            Err(PublishRefusal::OverPriceCap {
                price_pence: 501,
                cap_pence: 500
            })
        );
        assert_eq!(
            check_publishable(Published, 100, 500, false),
            Err(PublishRefusal::NotAMember)
        );
        assert_eq!(
            check_publishable(Retired, 100, 500, true),
            Err(PublishRefusal::SpecificationNotPublished(Retired))
        );
        assert!(check_publishable(Draft, 100, 500, true).is_err());
    }

    #[test]
    fn formats_fit_the_delivery_standard() {
        assert!(format_fits(DeliveryFormat::Either, ListingFormat::OneToOne));
        assert!(format_fits(DeliveryFormat::Group, ListingFormat::Group));
        assert!(!format_fits(DeliveryFormat::Group, ListingFormat::OneToOne));
    }

    #[test]
    fn capacity_updates_never_lose_sold_places() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let current = vec![
            HeldSlot {
                starts_on: d("2026-12-07"),
                places: 8,
                taken: 3,
            },
            HeldSlot {
                starts_on: d("2026-12-14"),
                places: 8,
                taken: 0,
            },
        ];
        let ok = vec![CapacitySlot {
            starts_on: d("2026-12-07"),
            places: 3,
        }];
        assert!(
            check_capacity(&current, &ok).is_ok(),
            "an unsold slot may go; a sold one may shrink to what is sold"
        );
        let too_low = vec![CapacitySlot {
            starts_on: d("2026-12-07"),
            places: 2,
        }];
        assert!(check_capacity(&current, &too_low).is_err());
        let dropped = vec![CapacitySlot {
            starts_on: d("2026-12-14"),
            places: 8,
        }];
        assert!(check_capacity(&current, &dropped).is_err());
        let repeated = vec![
            CapacitySlot {
                starts_on: d("2026-12-21"),
                places: 1,
            },
            CapacitySlot {
                starts_on: d("2026-12-21"),
                places: 2,
            },
        ];
        assert!(check_capacity(&[], &repeated).is_err());
    }
}
