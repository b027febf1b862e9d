//! Provider Hub's HTTP API: actix-web handlers, one module per resource, with the
//! OpenAPI document collected from the handlers themselves.

pub mod areas;
pub mod assessments;
pub mod auth;
pub mod awards;
pub mod budgets;
pub mod cases;
pub mod cherry_picking;
pub mod contributions;
pub mod court;
pub mod csv;
pub mod enforcement;
pub mod error;
pub mod events;
pub mod filters;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod listings;
pub mod metrics;
pub mod offers;
pub mod orders;
pub mod outcomes;
pub mod pagination;
pub mod paging;
pub mod payments;
pub mod plans;
pub mod problems;
pub mod providers;
pub mod query_params;
pub mod quotes;
pub mod rate_limit;
pub mod referral;
pub mod reports;
pub mod request_id;
pub mod revisions;
pub mod runs;
pub mod specifications;
pub mod state;
pub mod transfers;
pub mod webhooks;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpRequest, HttpResponse};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, PROBLEM_JSON};
pub use crate::state::AppState;
/// The clock lives with the use cases (the background worker reads it too); kept here
/// for callers that build the API.
pub use provider_hub_market::clock::{Clock, SystemClock};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Provider Hub",
        description = "Spot-purchasing rehabilitation interventions from accredited providers at the point of need. \
                       Every route but health, the OpenAPI document, the docs and published awards needs \
                       `Authorization: Bearer <JWT>`. Errors are RFC 9457 problem details.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    // Schemas only a query parameter names (bodies and answers bring their own).
    components(schemas(orders::Expand)),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "problems", description = "The kinds of problem the hub answers: a problem's `type` is the path of its page here, saying what it means and what to do"),
        (name = "areas", description = "Probation delivery units"),
        (name = "specifications", description = "Published service specifications, owned by the quality team"),
        (name = "providers", description = "Provider registration, accreditation and standing"),
        (name = "quality", description = "The quality threshold"),
        (name = "listings", description = "Providers' listings: prices, areas, eligibility and capacity"),
        (name = "cases", description = "People on probation, by case reference number"),
        (name = "transfers", description = "Cases moved between areas, and what each move did to their orders"),
        (name = "assessments", description = "The single assessment and its countersignature"),
        (name = "sentence plans", description = "Costed sentence plans, whose approval purchases, and the lead times behind their dates"),
        (name = "orders", description = "Intervention orders, one per approved plan item, with where they are placed and why"),
        (name = "offers", description = "Orders offered to providers, waiting for their answer"),
        (name = "budgets", description = "Areas' pooled budgets: contributions, contributors' statements, carry-over, and approvals over budget"),
        (name = "enforcement", description = "Enforcement: decisions on missed appointments and non-compliance, breach proceedings and their outcome"),
        (name = "delivery", description = "Delivery reports and milestone payments"),
        (name = "outcomes", description = "Outcomes per person: proven reoffending over a measurement period, recorded one by one or uploaded as CSV, and the graduated outcome payments they earn"),
        (name = "matching", description = "Batch matching runs: exact minimum-cost placement of many orders"),
        (name = "events", description = "Events about orders and offers: polled, or pushed to providers' signed webhooks"),
        (name = "awards", description = "Published awards: an Open Contracting Data Standard 1.1 release package, public"),
        (name = "courts", description = "The court's view of its sentences' orders and start dates, and pre-sentence availability quotes"),
        (name = "reports", description = "Commissioning reports: spend, unmet demand, waiting times and providers, as JSON or CSV"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// What any route may answer beyond its own responses: 429 on writes (the per-client
/// rate limit, with `Retry-After`) and 503 under `/v1` (the database did not answer in
/// time, or the identity provider's keys could not be fetched; with `Retry-After`).
struct Limits;

impl Modify for Limits {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        let seconds = |what: &str| {
            HeaderBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .build(),
                ))
                .description(Some(what))
                .build()
        };
        let limited = ResponseBuilder::new()
            .description("Too many changes from this client: wait `Retry-After` seconds")
            .content(PROBLEM_JSON, problem())
            .header(
                "Retry-After",
                seconds("Seconds until the client may write again"),
            )
            .build();
        let unavailable = ResponseBuilder::new()
            .description(
                "The database did not answer in time, or the identity provider's signing keys \
                 could not be fetched to check the token; try again after `Retry-After` seconds",
            )
            .content(PROBLEM_JSON, problem())
            .header(
                "Retry-After",
                seconds("Seconds to wait before trying again"),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            let operations = [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.patch.as_mut()),
                (true, item.delete.as_mut()),
            ];
            for (writes, operation) in operations {
                let Some(operation) = operation else { continue };
                let responses = &mut operation.responses.responses;
                if writes {
                    responses
                        .entry("429".into())
                        .or_insert_with(|| limited.clone().into());
                }
                responses
                    .entry("503".into())
                    .or_insert_with(|| unavailable.clone().into());
            }
        }
    }
}

/// Registers every route of the API; the one place routes are wired.
fn routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(scope::scope("/health").configure(health::configure))
        .configure(metrics::configure)
        .configure(problems::configure)
        .service(
            scope::scope("/v1")
                // The listing search first: it is the busiest route, and actix tries each
                // route in turn until one matches (each route with a parameter by regex).
                .configure(listings::configure)
                .configure(areas::configure)
                .configure(specifications::configure)
                .configure(providers::configure)
                .configure(cases::configure)
                .configure(transfers::configure)
                .configure(assessments::configure)
                .configure(plans::configure)
                .configure(revisions::configure)
                .configure(orders::configure)
                .configure(enforcement::configure)
                .configure(court::configure)
                .configure(quotes::configure)
                .configure(referral::configure)
                .configure(offers::configure)
                .configure(runs::configure)
                .configure(payments::configure)
                .configure(outcomes::configure)
                .configure(budgets::configure)
                .configure(contributions::configure)
                .configure(events::configure)
                .configure(webhooks::configure)
                .configure(awards::configure)
                .configure(reports::configure)
                .configure(cherry_picking::configure),
        )
}

/// The OpenAPI document of the whole API, as served at `/v1/openapi.json`.
pub fn openapi() -> OpenApiDoc {
    static DOC: std::sync::OnceLock<OpenApiDoc> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = routes(App::new().into_utoipa_app()).split_for_parts().1;
        // After the routes are in: it adds to every operation.
        Limits.modify(&mut doc);
        query_params::UnknownParameters.modify(&mut doc);
        paging::NextLinks.modify(&mut doc);
        doc
    })
    .clone()
}

/// The whole application: docs, routes, error shaping. Used by the server and by tests.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    app_with(state, |_| {})
}

/// The application with more services beside the API's (the web front end at `/`),
/// registered after the API's routes and before the 404 of unknown paths.
pub fn app_with(
    state: web::Data<AppState>,
    more: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(json::MAX_BODY_BYTES))
        // A path part of the wrong kind (`/v1/budgets/SY-SHF/next-year`) names no resource.
        .app_data(web::PathConfig::default().error_handler(|_, req| {
            ApiError::not_found(format!("no such resource: {}", req.path())).into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|_, req| {
            ApiError::invalid(
                "query",
                format!(
                    "cannot be read: {} (give each parameter once, as name=value)",
                    req.query_string()
                ),
            )
            .into()
        }))
        // The docs come first: `/v1/openapi.json` lives beside the `/v1` scope.
        .service(SwaggerUi::new("/docs/{_:.*}").url("/v1/openapi.json", openapi()))
        .service(web::redirect("/docs", "/docs/"));
    routes(app.into_utoipa_app())
        .into_app()
        .configure(more)
        .default_service(web::to(not_found))
        .wrap(actix_web::middleware::from_fn(paging::middleware))
        .wrap(actix_web::middleware::from_fn(query_params::middleware))
        .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
        .wrap(actix_web::middleware::from_fn(rate_limit::middleware))
        .wrap(actix_web::middleware::NormalizePath::new(
            actix_web::middleware::TrailingSlash::MergeOnly,
        ))
        .wrap(actix_web::middleware::from_fn(metrics::middleware))
        .wrap(actix_web::middleware::from_fn(request_id::middleware))
}

/// No route matched: 405 with `Allow` when the path exists under other methods, else 404.
async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        let problem = ApiError::not_found(format!("no route for {} {}", req.method(), req.path()));
        return actix_web::ResponseError::error_response(&problem);
    }
    let problem = ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        crate::problems::ProblemType::MethodNotAllowed,
        format!(
            "{} is not allowed on {}; use {}",
            req.method(),
            req.path(),
            allowed.join(", ")
        ),
    );
    let mut response = actix_web::ResponseError::error_response(&problem);
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Every route template of the API document with its methods, worked out once.
fn route_table() -> &'static [(Vec<String>, Vec<String>)] {
    static TABLE: std::sync::OnceLock<Vec<(Vec<String>, Vec<String>)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = serde_json::to_value(openapi()).unwrap_or_default();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        paths
            .into_iter()
            .map(|(template, item)| {
                let parts = template.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|o| o.keys().map(|k| k.to_uppercase()).collect())
                    .unwrap_or_default();
                methods.retain(|m| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()));
                (parts, methods)
            })
            .collect()
    })
}

/// The methods the API document lists for the route template a path matches.
fn allowed_methods(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut methods: Vec<String> = route_table()
        .iter()
        .filter(|(parts, _)| {
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        })
        .flat_map(|(_, methods)| methods.iter().cloned())
        .collect();
    methods.sort();
    methods.dedup();
    methods
}

/// Any 4xx/5xx answer not already a problem (e.g. from actix itself) becomes one.
fn problem_for_plain_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A problem already, or a web page (the front end's own error pages).
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if is_problem || !(res.status().is_client_error() || res.status().is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let problem = ApiError::new(
        status,
        crate::problems::ProblemType::Http,
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_lowercase(),
    );
    let (req, _) = res.into_parts();
    let response: HttpResponse = actix_web::ResponseError::error_response(&problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
