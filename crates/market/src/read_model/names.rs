//! The names a view carries beside its ids (`provider_name`, `listing_title`,
//! `specification`), so a reader recognises what an id stands for without another request.

use provider_hub_store::names::ListingNames;
use serde::Serialize;
use utoipa::ToSchema;

/// A specification version, named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpecificationRef {
    #[schema(example = "UPW-STD")]
    pub code: String,
    pub version: i32,
    #[schema(example = "Unpaid work, standard placement")]
    pub title: String,
}

impl SpecificationRef {
    pub fn of(names: &ListingNames) -> Self {
        SpecificationRef {
            code: names.specification_code.clone(),
            version: names.specification_version,
            title: names.specification_title.clone(),
        }
    }
}
