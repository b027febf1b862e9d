//! What `provider-hub demo` reports: the demo market as it stands, read back from the
//! database through the market's use cases, and how it prints.

use super::*;

/// What one run added, kind by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    pub areas: usize,
    pub specifications: usize,
    pub providers: usize,
    pub accreditations: usize,
    pub listings: usize,
    pub budgets: usize,
    pub policies: usize,
    pub cases: usize,
    pub assessments: usize,
    pub plans_approved: usize,
    pub orders: usize,
}

/// A listing of the demo market, as it stands.
#[derive(Debug, Clone)]
pub struct ListingLine {
    pub provider: String,
    pub specification_code: String,
    pub title: String,
    pub areas: Vec<String>,
    pub price_pence: i64,
    pub status: ListingStatus,
    /// The one sex it serves, for a women-only or men-only listing.
    pub only: Option<Sex>,
    /// Why it is not published, when it is not.
    pub not_published_because: Option<String>,
}

/// A provider of the demo market and its membership today.
#[derive(Debug, Clone)]
pub struct ProviderLine {
    pub name: String,
    pub sector: Sector,
    /// Categories it is a member for today.
    pub member_of: Vec<Category>,
    /// Its current accreditation scores, by category.
    pub scores: Vec<(Category, u8)>,
}

/// An order the demo's plans bought (or tried to).
#[derive(Debug, Clone)]
pub struct OrderLine {
    pub crn: String,
    pub area: String,
    pub category: Category,
    pub status: OrderStatus,
    /// Who it is placed with (or, awaiting budget approval, would be).
    pub provider: Option<String>,
    pub price_pence: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    /// For an order with no place: why, in words, and how many listings each rule excluded.
    pub reason: Option<String>,
    pub excluded: Vec<(String, u32)>,
}

/// What the demo market holds, read back from the database.
#[derive(Debug, Clone)]
pub struct Report {
    pub region: &'static str,
    pub threshold: u8,
    pub added: Added,
    /// Audit rows this run wrote: none on a second run.
    pub audit_rows_written: i64,
    pub areas: Vec<(String, String)>,
    pub specifications: Vec<(String, i32, Category, i64)>,
    pub providers: Vec<ProviderLine>,
    pub listings: Vec<ListingLine>,
    pub budget: Option<provider_hub_market::budgets::BudgetView>,
    pub cases: usize,
    pub orders: Vec<OrderLine>,
}

pub(super) struct ReportInputs {
    pub(super) threshold: u8,
    pub(super) added: Added,
    pub(super) audit_before: i64,
    pub(super) provider_ids: Vec<String>,
    pub(super) refusals: HashMap<String, String>,
    pub(super) orders: Vec<OrderView>,
    pub(super) today: NaiveDate,
}

pub(super) fn report(
    conn: &mut DbConn,
    inputs: ReportInputs,
    now: DateTime<Utc>,
) -> Result<Report, Error> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut providers = Vec::new();
    let mut listings = Vec::new();
    for id in &inputs.provider_ids {
        let p = provider_hub_market::providers::get(conn, &Scope::Hub, id, now)?;
        names.insert(p.id.clone(), p.name.clone());
        let scope = Scope::Provider(p.id.clone());
        let caller = Caller::new("demo-report", Role::Provider, scope, now);
        let own = provider_hub_market::listings::search(
            conn,
            &caller,
            &ListingFilter::default(),
            None,
            None,
            provider_hub_market::MAX_PAGE,
        )?;
        for l in own.items {
            let not_published_because = match l.status {
                ListingStatus::Published => None,
                _ => Some(
                    inputs
                        .refusals
                        .get(&l.id)
                        .cloned()
                        .unwrap_or_else(|| format!("it is {}", l.status)),
                ),
            };
            listings.push(ListingLine {
                provider: p.name.clone(),
                only: match l.eligibility.sexes.as_deref() {
                    Some([sex]) => Some(*sex),
                    _ => None,
                },
                specification_code: l.specification_code,
                title: l.title,
                areas: l.areas,
                price_pence: l.price_pence,
                status: l.status,
                not_published_because,
            });
        }
        providers.push(ProviderLine {
            name: p.name,
            sector: p.sector,
            member_of: p.member_categories,
            scores: p
                .accreditations
                .iter()
                .filter(|a| a.current)
                .map(|a| (a.category, a.score))
                .collect(),
        });
    }
    let mut orders = Vec::new();
    for o in inputs.orders {
        let chosen = o.explanation.as_ref().and_then(|e| e.chosen.clone());
        let provider_id = o
            .provider_id
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.provider_id.clone()));
        let provider = match provider_id {
            Some(pid) => Some(match names.get(&pid) {
                Some(name) => name.clone(),
                None => lookup::provider(conn, &pid)?.map(|p| p.name).unwrap_or(pid),
            }),
            None => None,
        };
        let reason = match o.status {
            OrderStatus::Unmatched => o
                .explanation
                .as_ref()
                .and_then(|e| e.no_candidate_reason.clone()),
            OrderStatus::AwaitingApproval => Some(format!(
                "its price would take {} over its budget for the year: it waits for a commissioner",
                o.area
            )),
            _ => None,
        };
        let excluded = match o.status {
            OrderStatus::Unmatched => o
                .explanation
                .as_ref()
                .map(|e| {
                    e.excluded
                        .iter()
                        .filter(|x| x.excluded > 0)
                        .map(|x| {
                            let rule = serde_json::to_value(x.rule)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_else(|| format!("{:?}", x.rule));
                            (rule, x.excluded)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        orders.push(OrderLine {
            crn: o.crn,
            area: o.area,
            category: o.category,
            status: o.status,
            provider,
            price_pence: o.price_pence.or(chosen.as_ref().map(|c| c.price_pence)),
            starts_on: o.starts_on.or(chosen.as_ref().map(|c| c.starts_on)),
            reason,
            excluded,
        });
    }
    let mut specifications = Vec::new();
    for spec in SPECS {
        let detail = provider_hub_market::specifications::get(conn, spec.code)?;
        if let Some(v) = detail.latest_published {
            specifications.push((
                spec.code.to_owned(),
                v.version,
                v.content.category,
                v.content.price_cap_pence,
            ));
        }
    }
    let areas = AREAS
        .iter()
        .map(|a| {
            Ok((
                a.code.to_owned(),
                provider_hub_market::areas::get(conn, a.code)?.name,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let year = provider_hub_domain::payment::financial_year(inputs.today);
    let budget = provider_hub_market::budgets::get(conn, BUDGET.0, year).ok();
    let audit_rows_written = lookup::audit_rows(conn)? - inputs.audit_before;
    Ok(Report {
        region: REGION,
        threshold: inputs.threshold,
        added: inputs.added,
        audit_rows_written,
        areas,
        specifications,
        providers,
        listings,
        budget,
        cases: CASES.len(),
        orders,
    })
}

impl Report {
    /// True when the run wrote nothing: the demo market was already there.
    pub fn nothing_added(&self) -> bool {
        self.audit_rows_written == 0 && self.added == Added::default()
    }

    fn count_orders(&self, status: OrderStatus) -> usize {
        self.orders.iter().filter(|o| o.status == status).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Provider Hub demo market: {} (quality threshold {})",
            self.region, self.threshold
        )?;
        writeln!(f)?;
        let a = &self.added;
        if self.nothing_added() {
            writeln!(
                f,
                "Nothing new was added: the demo market is already in this database. As it stands:"
            )?;
        } else {
            writeln!(
                f,
                "Added: {} areas, {} specifications, {} providers ({} accreditations), {} listings, \
                 {} budgets, {} policies, {} cases, {} assessments, {} plans approved ({} orders); \
                 {} audit rows written.",
                a.areas,
                a.specifications,
                a.providers,
                a.accreditations,
                a.listings,
                a.budgets,
                a.policies,
                a.cases,
                a.assessments,
                a.plans_approved,
                a.orders,
                self.audit_rows_written
            )?;
        }
        writeln!(f)?;

        let areas: Vec<String> = self
            .areas
            .iter()
            .map(|(code, name)| format!("{name} {code}"))
            .collect();
        writeln!(f, "Areas ({}): {}", self.areas.len(), areas.join(", "))?;
        writeln!(f, "Specifications ({}):", self.specifications.len())?;
        for (code, version, category, cap) in &self.specifications {
            writeln!(
                f,
                "  {code:<14} v{version}  {:<30} cap {}",
                category.as_str(),
                pounds(*cap)
            )?;
        }
        let sectors: Vec<String> = Sector::ALL
            .iter()
            .map(|s| {
                let n = self.providers.iter().filter(|p| p.sector == *s).count();
                format!("{n} {s}")
            })
            .collect();
        let below: Vec<&ProviderLine> = self
            .providers
            .iter()
            .filter(|p| p.scores.iter().any(|(c, _)| !p.member_of.contains(c)))
            .collect();
        writeln!(
            f,
            "Providers ({}): {}; {} below the threshold for a category they are accredited in:",
            self.providers.len(),
            sectors.join(", "),
            below.len()
        )?;
        for p in below {
            let scores: Vec<String> = p
                .scores
                .iter()
                .filter(|(c, _)| !p.member_of.contains(c))
                .map(|(c, s)| format!("{c} scored {s}"))
                .collect();
            writeln!(f, "  {} ({}): {}", p.name, p.sector, scores.join(", "))?;
        }
        let published = self
            .listings
            .iter()
            .filter(|l| l.status == ListingStatus::Published)
            .count();
        writeln!(
            f,
            "Listings ({}): {published} published, {} not on the market:",
            self.listings.len(),
            self.listings.len() - published
        )?;
        for l in self
            .listings
            .iter()
            .filter(|l| l.not_published_because.is_some())
        {
            writeln!(
                f,
                "  {} — {} at {} ({}): {}",
                l.provider,
                l.specification_code,
                pounds(l.price_pence),
                l.status,
                l.not_published_because.as_deref().unwrap_or_default()
            )?;
        }
        for sex in Sex::ALL {
            let only: Vec<String> = self
                .listings
                .iter()
                .filter(|l| l.only == Some(*sex))
                .map(|l| {
                    format!(
                        "{} — {} in {}",
                        l.provider,
                        l.specification_code,
                        l.areas.join(", ")
                    )
                })
                .collect();
            if !only.is_empty() {
                let who = match sex {
                    Sex::Female => "Women only",
                    Sex::Male => "Men only",
                };
                writeln!(f, "{who}: {}", only.join("; "))?;
            }
        }
        if let Some(b) = &self.budget {
            writeln!(
                f,
                "Budget of {} for {}-{:02}: allocated {}, offered {}, committed {}, remaining {}",
                b.area,
                b.financial_year,
                (b.financial_year + 1) % 100,
                pounds(b.allocated_pence),
                pounds(b.offered_pence),
                pounds(b.committed_pence),
                pounds(b.remaining_pence)
            )?;
        }
        writeln!(
            f,
            "Cases: {}; orders: {} ({} offered, {} unmatched, {} awaiting budget approval, {} other)",
            self.cases,
            self.orders.len(),
            self.count_orders(OrderStatus::Offered),
            self.count_orders(OrderStatus::Unmatched),
            self.count_orders(OrderStatus::AwaitingApproval),
            self.orders.len()
                - self.count_orders(OrderStatus::Offered)
                - self.count_orders(OrderStatus::Unmatched)
                - self.count_orders(OrderStatus::AwaitingApproval),
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<8} {:<7} {:<30} {:<18} {:<42} {:>10}  starts",
            "crn", "area", "category", "status", "provider", "price"
        )?;
        for o in &self.orders {
            writeln!(
                f,
                "{:<8} {:<7} {:<30} {:<18} {:<42} {:>10}  {}",
                o.crn,
                o.area,
                o.category.as_str(),
                o.status.as_str(),
                o.provider.as_deref().unwrap_or("—"),
                o.price_pence.map(pounds).unwrap_or_else(|| "—".into()),
                o.starts_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
            )?;
            if let Some(reason) = &o.reason {
                let excluded: Vec<String> = o
                    .excluded
                    .iter()
                    .map(|(rule, n)| format!("{rule} {n}"))
                    .collect();
                if excluded.is_empty() {
                    writeln!(f, "         why: {reason}")?;
                } else {
                    writeln!(
                        f,
                        "         why: {reason} (listings excluded by rule: {})",
                        excluded.join(", ")
                    )?;
                }
            }
        }
        Ok(())
    }
}
