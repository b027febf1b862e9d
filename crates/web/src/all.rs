//! Whole lists, for the pages that show everything at once: the market's lists answer a
//! page at a time (at most `MAX_PAGE`), so these read page after page.

use provider_hub_domain::Scope;
use provider_hub_market::providers::{self, ProviderView};
use provider_hub_market::{areas, MAX_PAGE};
use provider_hub_store::areas::AreaRow;

use crate::page::WebError;
use crate::WebState;

/// Every provider, with membership as of now, in id order.
pub async fn providers(state: &WebState) -> Result<Vec<ProviderView>, WebError> {
    let now = state.now();
    state
        .db(move |conn| {
            let mut out: Vec<ProviderView> = Vec::new();
            loop {
                let after = out.last().map(|p| p.id.clone());
                let page = providers::list(conn, &Scope::Hub, after, MAX_PAGE, now)?;
                let more = page.next.is_some();
                out.extend(page.items);
                if !more {
                    return Ok(out);
                }
            }
        })
        .await
}

/// Every area, in code order.
pub async fn areas(state: &WebState) -> Result<Vec<AreaRow>, WebError> {
    state
        .db(|conn| {
            let mut out: Vec<AreaRow> = Vec::new();
            loop {
                let after = out.last().map(|a| a.code.clone());
                let page = areas::list(conn, after, MAX_PAGE)?;
                let more = page.next.is_some();
                out.extend(page.items);
                if !more {
                    return Ok(out);
                }
            }
        })
        .await
}
