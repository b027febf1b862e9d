//! The read model: how the use cases' objects read back (orders with their plan item,
//! delivery and payments; assessments; budgets), each narrowed to what the caller may
//! see by [`crate::access`]. It depends on no use case, so every use case may read
//! through it without the modules importing each other in circles.

pub mod assessments;
pub mod budgets;
pub mod delivery;
pub mod enforcement;
pub mod names;
pub mod orders;
pub mod plans;
pub mod pool;
