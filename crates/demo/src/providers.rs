//! A demo provider: registered, accredited, its listings published with capacity.

use super::*;

/// What every provider's seeding works with: who registers and accredits, the quality
/// threshold, the specifications' versions and the time of the run.
#[derive(Clone, Copy)]
pub(super) struct Seeding<'a> {
    pub admin: &'a Actor,
    pub quality: &'a Actor,
    pub threshold: u8,
    pub spec_versions: &'a HashMap<&'a str, i32>,
    pub now: DateTime<Utc>,
}

pub(super) fn ensure_provider(
    conn: &mut DbConn,
    seed: &ProviderSeed,
    seeding: &Seeding,
    refusals: &mut HashMap<String, String>,
    added: &mut Added,
) -> Result<String, Error> {
    let Seeding {
        admin,
        quality,
        threshold,
        spec_versions,
        now,
    } = *seeding;
    let today = now.date_naive();
    let id = match lookup::provider_by_registration(conn, seed.registration)? {
        Some(row) => row.id,
        None => {
            let created = provider_hub_market::providers::register(
                conn,
                admin,
                NewProvider {
                    name: seed.name.to_owned(),
                    sector: seed.sector,
                    registration_number: seed.registration.to_owned(),
                    contact: Contact {
                        name: seed.contact.to_owned(),
                        email: seed.email.to_owned(),
                        phone: Some(seed.phone.to_owned()),
                    },
                },
                now,
            )?;
            added.providers += 1;
            created.id
        }
    };
    // A category's accreditations are recorded in order: the first before the listings,
    // later ones (re-inspections) after them. Each only while fewer are on record.
    let accredit = |conn: &mut DbConn, later: bool, added: &mut Added| -> Result<(), Error> {
        let held = lookup::accreditations(conn, &id)?;
        let mut seen: HashMap<Category, usize> = HashMap::new();
        for a in seed.accreditations {
            let position = seen.entry(a.category).or_default();
            let index = *position;
            *position += 1;
            if (index > 0) != later {
                continue;
            }
            let on_record = held.iter().filter(|h| h.category == a.category).count();
            if on_record > index {
                continue;
            }
            let assessed_on = days_before(today, a.assessed_days_ago);
            provider_hub_market::providers::accredit(
                conn,
                quality,
                &id,
                NewAccreditation {
                    category: a.category,
                    score: score(threshold, a.margin),
                    assessed_on,
                    expires_on: days_after(assessed_on, 3 * 365),
                    notes: a.notes.to_owned(),
                },
                now,
            )?;
            added.accreditations += 1;
        }
        Ok(())
    };
    accredit(conn, false, added)?;

    let staff = actor("demo-provider", Role::Provider);
    let scope = Scope::Provider(id.clone());
    for l in seed.listings {
        let version = *spec_versions
            .get(l.spec)
            .ok_or_else(|| corrupt("listing specification", l.spec))?;
        let filter = ListingFilter {
            code: Some(l.spec.to_owned()),
            ..ListingFilter::default()
        };
        let caller = Caller::new("demo-provider", Role::Provider, scope.clone(), now);
        let existing =
            provider_hub_market::listings::search(conn, &caller, &filter, None, None, 1)?
                .items
                .into_iter()
                .next();
        let listing = match existing {
            Some(found) => found,
            None => {
                let areas = l
                    .areas
                    .iter()
                    .map(|a| AreaCode::parse(a).map_err(|e| corrupt("listing area", e)))
                    .collect::<Result<Vec<_>, _>>()?;
                let created = provider_hub_market::listings::create(
                    conn,
                    &staff,
                    &id,
                    NewListing {
                        specification_code: l.spec.to_owned(),
                        specification_version: version,
                        title: l.title.to_owned(),
                        description: String::new(),
                        areas,
                        price_pence: l.price_pence,
                        delivery_format: l.format,
                        delivery_mode: l.mode,
                        eligibility: EligibilityNarrowing {
                            sexes: l.only.map(|sex| vec![sex]),
                            ..EligibilityNarrowing::default()
                        },
                    },
                    now,
                )?;
                added.listings += 1;
                created.listing
            }
        };
        if lookup::capacity(conn, &listing.id)?.is_empty() {
            provider_hub_market::listings::set_capacity(
                conn,
                &staff,
                &id,
                &listing.id,
                CapacityUpdate {
                    slots: slots(l.capacity, today),
                },
                now,
            )?;
        }
        if listing.status == ListingStatus::Draft {
            // Refused for a provider below the threshold or a price above the cap:
            // nothing is written, and the reason is reported.
            match provider_hub_market::listings::transition(
                conn,
                &staff,
                &id,
                &listing.id,
                ListingStatus::publish,
                "listing.published",
                now,
            ) {
                Ok(_) => {}
                Err(Error::Conflict { detail, .. }) => {
                    refusals.insert(listing.id.clone(), format!("publication refused: {detail}"));
                }
                Err(Error::Validation(errors)) => {
                    let said = errors
                        .0
                        .iter()
                        .map(|e| format!("{} {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                    refusals.insert(listing.id.clone(), format!("publication refused: {said}"));
                }
                Err(other) => return Err(other),
            }
        }
    }
    accredit(conn, true, added)?;
    Ok(id)
}
