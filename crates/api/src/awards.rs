//! Published awards (`/v1/awards`): every accepted order as an Open Contracting Data
//! Standard 1.1 release package. Public by design: no token is needed, and nothing about
//! the person on probation is in it.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use provider_hub_domain::area::AreaCode;
use provider_hub_market::awards::{self as market, ReleasePackage};
use provider_hub_store::awards::AwardFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, Problem};
use crate::pagination::{day, page_request};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AwardQuery {
    /// Only this area's awards.
    #[param(value_type = Option<String>, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16, example = "SY-SHF")]
    pub area: Option<String>,
    /// Accepted on or after this day.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Accepted on or before this day.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `Link: <…>; rel="next"`.
    pub after: Option<String>,
}

/// The published awards: one OCDS release per order whose offer a provider accepted
/// (cancelled ones as award cancellations), by the day of acceptance, oldest first. Each
/// award has its own random id and ocid (never the order id) and is dated by the day
/// only, so awards cannot be grouped by the person they are for. The buyer is the
/// area's commissioning body, the supplier the provider, the value the locked price; the
/// tender carries the specification and the award criteria, and `bids` every candidate
/// the policy ranked with its score. No token needed. The next page is in the `Link`
/// header.
#[utoipa::path(tag = "awards", params(AwardQuery), security(()), responses(
    (status = 200, description = "An OCDS 1.1 release package", body = ReleasePackage,
        headers(("Link" = String, description = "The next page, `<url>; rel=\"next\"`, when there is one"))),
    (status = 422, description = "Bad or unknown area, date, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/awards")]
async fn list_awards(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AwardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) =
        page_request::<(NaiveDate, String)>(query.limit.as_deref(), query.after.as_deref())?;
    let area = query
        .area
        .as_deref()
        .map(|a| AreaCode::parse(a).map_err(|message| ApiError::invalid("area", message)))
        .transpose()?;
    let from = day("from", query.from.as_deref())?;
    let to = day("to", query.to.as_deref())?;
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(ApiError::invalid("to", "must be on or after from"));
        }
    }
    let filter = AwardFilter {
        area: area.as_ref().map(|a| a.as_str().to_owned()),
        from,
        to,
    };
    let here = {
        let info = req.connection_info();
        format!("{}://{}{}", info.scheme(), info.host(), req.path())
    };
    let uri = match req.query_string() {
        "" => here.clone(),
        q => format!("{here}?{q}"),
    };
    let (publication, now) = (state.awards.clone(), state.now());
    let published = state
        .db(move |conn| {
            if let Some(area) = &filter.area {
                provider_hub_market::areas::require_known(conn, "area", area)?;
            }
            Ok(market::list(
                conn,
                &publication,
                uri,
                filter,
                after,
                limit,
                now,
            )?)
        })
        .await?;
    let mut response = HttpResponse::Ok();
    if let Some(next) = &published.next {
        // The same filters and page size, from the next cursor on (every value is checked
        // above, and cursors are URL-safe, so none needs escaping).
        let mut query = vec![format!("limit={limit}")];
        if let Some(area) = &area {
            query.push(format!("area={area}"));
        }
        if let Some(from) = from {
            query.push(format!("from={from}"));
        }
        if let Some(to) = to {
            query.push(format!("to={to}"));
        }
        query.push(format!("after={next}"));
        response.insert_header((
            header::LINK,
            format!("<{here}?{}>; rel=\"next\"", query.join("&")),
        ));
    }
    Ok(response.json(published.package))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_awards);
}
