//! Provider Hub's domain: the words of SPEC.md as types and the rules over them.
//! No IO, no storage, no HTTP: everything here is plain data and pure functions.

pub mod area;
pub mod assessment;
pub mod auth;
pub mod case;
pub mod category;
pub mod cherry_picking;
pub mod court;
pub mod delivery;
pub mod disclosure;
pub mod enforcement;
pub mod equality;
pub mod event;
pub mod listing;
pub mod money;
pub mod need;
pub mod network;
pub mod offer;
pub mod order;
pub mod outcome;
pub mod payment;
pub mod performance;
pub mod plan;
pub mod pooled;
pub mod price;
pub mod provider;
pub mod quote;
pub mod referral;
pub mod revision;
pub mod sequence;
pub mod specification;
pub mod string_enum;
pub mod transfer;
pub mod validation;

pub use area::AreaCode;
pub use auth::{Role, Scope};
pub use category::Category;
pub use money::Money;
pub use need::Need;
pub use validation::{FieldError, ValidationErrors};
