// Diesel table definitions, matching migrations/postgres and migrations/sqlite.
// Checked against both migrated databases by the store's schema test.

diesel::table! {
    areas (code) {
        code -> Text,
        name -> Text,
        region -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    specifications (id) {
        id -> Text,
        code -> Text,
        version -> Integer,
        status -> Text,
        title -> Text,
        description -> Text,
        category -> Text,
        needs -> Text,
        delivery_standard -> Text,
        unit_of_purchase -> Text,
        price_cap_pence -> BigInt,
        eligibility -> Text,
        payment_model -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_sub -> Text,
        actor_role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (actor_sub, idempotency_key) {
        actor_sub -> Text,
        idempotency_key -> Text,
        route -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(areas, specifications, audit_log, idempotency_keys);
