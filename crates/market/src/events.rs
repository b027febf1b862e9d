//! Events about orders and offers: recorded in the transaction of the change they report,
//! with its audit row (see [`crate::change`]), pushed to providers' webhooks by the dispatcher, and read by
//! `GET /v1/events` — a provider its own, an offender manager its area's.

use chrono::{DateTime, Timelike, Utc};
use provider_hub_domain::event::EventKind;
use provider_hub_store::cursor::{self, Page};
use provider_hub_store::events::{self as store, EventFilter, NewEvent};
use provider_hub_store::orders::OrderRow;
use provider_hub_store::{to_utc, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
pub use crate::event_data::EventData;
use crate::{naive, Error};

/// One event, as a webhook receives it (the body of the POST) and as `/v1/events` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Stable across deliveries and retries: receivers de-duplicate on it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub order_id: String,
    /// The offer the event is about, for `offer.*` events and cancellations of an offered
    /// order.
    pub offer_id: Option<String>,
    /// The area of the order's case.
    pub area: String,
    /// The provider the event concerns (its offer, or the order placed with it), if any.
    pub provider_id: Option<String>,
    /// What changed: the order's status and, by type, the offer's terms, the reason, the
    /// delivery report or the outcome (one shape per event type).
    #[schema(value_type = EventData)]
    pub data: serde_json::Value,
}

/// An event in a list, with the cursor to poll from after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventItem {
    /// Pass as `after` to read the events after this one.
    pub cursor: String,
    #[serde(flatten)]
    pub event: Event,
}

/// The event about `order` a change records (see [`crate::change`]): `provider_id`
/// names the provider it concerns (its webhook then receives it), if any.
pub(crate) fn new_event(
    kind: EventKind,
    order: &OrderRow,
    offer_id: Option<&str>,
    provider_id: Option<&str>,
    data: EventData,
    now: DateTime<Utc>,
) -> Result<NewEvent, Error> {
    // Stored to the microsecond on both backends: the payload says what is stored.
    let at = naive(now);
    let at = at
        .with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at);
    let event = Event {
        id: provider_hub_store::new_id("evt"),
        kind,
        occurred_at: to_utc(at),
        order_id: order.id.clone(),
        offer_id: offer_id.map(str::to_owned),
        area: order.area_code.clone(),
        provider_id: provider_id.map(str::to_owned),
        // As a JSON value: its keys in alphabetical order, as the hub has always sent them.
        data: serde_json::to_value(&data).map_err(|e| Error::corrupt("event", e))?,
    };
    let payload = serde_json::to_string(&event).map_err(|e| Error::corrupt("event", e))?;
    Ok(NewEvent {
        id: event.id,
        kind: kind.as_str().to_owned(),
        order_id: order.id.clone(),
        offer_id: event.offer_id,
        area_code: order.area_code.clone(),
        provider_id: event.provider_id,
        occurred_at: at,
        payload,
    })
}

/// What a reader asks for, besides the page.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub order_id: Option<String>,
    pub kind: Option<EventKind>,
}

/// The events the caller may see, oldest first: a provider the events concerning it, an
/// offender manager those of its area's cases, the other roles all. `after` is the
/// sequence number of the last event read.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    query: EventQuery,
    after: Option<i64>,
    limit: usize,
) -> Result<Page<EventItem>, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    let mut filter = EventFilter {
        order_id: query.order_id,
        kind: query.kind.map(|k| k.as_str().to_owned()),
        ..EventFilter::default()
    };
    access::require(role, access::readers(Objects::Events))?;
    let reach = access::reach(role, scope, Objects::Events).ok_or_else(|| {
        Error::Forbidden(format!(
            "the {role} token carries no scope to read events for"
        ))
    })?;
    filter.provider_id = reach.provider();
    filter.area = reach.area();
    filter.court = reach.court().map(|court| {
        let kinds = provider_hub_domain::court::court_event_kinds();
        (court, kinds.iter().map(|k| k.as_str().to_owned()).collect())
    });
    store::list(conn, &filter, after, limit)?.try_map(|row| {
        let event: Event =
            serde_json::from_str(&row.payload).map_err(|e| Error::corrupt("events.payload", e))?;
        Ok(EventItem {
            cursor: cursor::encode(&row.position.unwrap_or_default()),
            event,
        })
    })
}
