//! Many orders at once, for batch runs: copies of one person's order written in SQL.

use diesel::RunQueryDsl;

/// Copies the order of the person `template` (their case, plan item and order, in the
/// status it has) `n` times as people `{prefix}1`…`{prefix}n`.
pub fn copy_orders(
    conn: &mut provider_hub_store::DbConn,
    template: &str,
    prefix: &str,
    n: usize,
) -> Result<(), String> {
    if n == 0 {
        return Ok(());
    }
    let series =
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    let statements = [
        format!(
            "INSERT INTO cases (crn, sex, date_of_birth, area_code, created_at, created_by) \
             {series} SELECT '{prefix}' || n.i, sex, date_of_birth, area_code, created_at, created_by \
             FROM cases, n WHERE crn = '{template}'"
        ),
        format!(
            "INSERT INTO plan_items (id, plan_id, position, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before) \
             {series} SELECT id || '-{prefix}' || n.i, plan_id, position + n.i, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before \
             FROM plan_items, n WHERE id = (SELECT plan_item_id FROM orders WHERE crn = '{template}')"
        ),
        format!(
            "INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, explanation) \
             {series} SELECT id || '-{prefix}' || n.i, plan_id, plan_item_id || '-{prefix}' || n.i, '{prefix}' || n.i, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, explanation \
             FROM orders, n WHERE crn = '{template}'"
        ),
    ];
    for sql in statements {
        diesel::sql_query(&sql)
            .execute(conn)
            .map_err(|e| format!("{e}: {sql}"))?;
    }
    Ok(())
}
