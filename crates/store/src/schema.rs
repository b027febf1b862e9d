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
        prev_hash -> Nullable<Text>,
        row_hash -> Nullable<Text>,
        chain_pos -> Nullable<BigInt>,
    }
}

diesel::table! {
    idempotency_keys (actor_sub, actor_scope, idempotency_key) {
        actor_sub -> Text,
        actor_scope -> Text,
        idempotency_key -> Text,
        route -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quality_threshold (id) {
        id -> Integer,
        threshold -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    providers (id) {
        id -> Text,
        name -> Text,
        sector -> Text,
        registration_number -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        standing -> Text,
        standing_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accreditations (id) {
        id -> Text,
        provider_id -> Text,
        category -> Text,
        score -> Integer,
        assessed_on -> Date,
        expires_on -> Date,
        notes -> Text,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    listings (id) {
        id -> Text,
        provider_id -> Text,
        specification_id -> Text,
        specification_code -> Text,
        specification_version -> Integer,
        category -> Text,
        title -> Text,
        description -> Text,
        price_pence -> BigInt,
        delivery_format -> Text,
        delivery_mode -> Text,
        eligibility -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    listing_areas (listing_id, area_code) {
        listing_id -> Text,
        area_code -> Text,
    }
}

diesel::table! {
    listing_prices (id) {
        id -> Text,
        listing_id -> Text,
        price_pence -> BigInt,
        effective_from -> Timestamp,
        set_by -> Text,
    }
}

diesel::table! {
    capacity_slots (listing_id, starts_on) {
        listing_id -> Text,
        starts_on -> Date,
        places -> Integer,
        places_taken -> Integer,
    }
}

diesel::table! {
    cases (crn) {
        crn -> Text,
        sex -> Text,
        date_of_birth -> Date,
        area_code -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        external_ref -> Text,
        crn -> Text,
        area_code -> Text,
        status -> Text,
        tier -> Integer,
        risk_of_serious_harm -> Text,
        reoffending_probability -> Integer,
        needs -> Text,
        requirements -> Text,
        sentence_date -> Date,
        content_hash -> Text,
        author_sub -> Text,
        decided_by -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lead_times (category) {
        category -> Text,
        days -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    sentence_plans (id) {
        id -> Text,
        assessment_id -> Text,
        crn -> Text,
        area_code -> Text,
        status -> Text,
        created_at -> Timestamp,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    plan_items (id) {
        id -> Text,
        plan_id -> Text,
        position -> Integer,
        category -> Text,
        specification_code -> Nullable<Text>,
        requirement -> Nullable<Text>,
        needs -> Text,
        priority -> Integer,
        required_by -> Date,
        lead_time_days -> Integer,
        late -> Bool,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        plan_id -> Text,
        plan_item_id -> Text,
        crn -> Text,
        area_code -> Text,
        category -> Text,
        specification_code -> Nullable<Text>,
        required_by -> Date,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        listing_id -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        price_pence -> Nullable<BigInt>,
        starts_on -> Nullable<Date>,
        explanation -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        actual_start -> Nullable<Date>,
        outcome -> Nullable<Text>,
        budget_approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    budgets (area_code, financial_year) {
        area_code -> Text,
        financial_year -> Integer,
        allocated_pence -> BigInt,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    delivery_events (id) {
        id -> Text,
        order_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        details -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        order_id -> Text,
        milestone -> Text,
        amount_pence -> BigInt,
        area_code -> Text,
        provider_id -> Text,
        financial_year -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        order_id -> Text,
        listing_id -> Text,
        provider_id -> Text,
        starts_on -> Date,
        price_pence -> BigInt,
        status -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        award_id -> Nullable<Text>,
        awarded_on -> Nullable<Date>,
        withdrawn_on -> Nullable<Date>,
    }
}

diesel::table! {
    area_policies (area_code) {
        area_code -> Text,
        policy -> Text,
        price_weight -> Integer,
        quality_weight -> Integer,
        days_weight -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    rematch_requests (id) {
        id -> Text,
        category -> Nullable<Text>,
        reason -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    matching_runs (id) {
        id -> Text,
        area_code -> Nullable<Text>,
        orders_considered -> Integer,
        placed -> Integer,
        total_cost_pence -> BigInt,
        greedy_cost_pence -> BigInt,
        greedy_placed -> Integer,
        placements -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        kind -> Text,
        order_id -> Text,
        offer_id -> Nullable<Text>,
        area_code -> Text,
        provider_id -> Nullable<Text>,
        occurred_at -> Timestamp,
        payload -> Text,
        position -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhooks (provider_id) {
        provider_id -> Text,
        url -> Text,
        secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        event_seq -> BigInt,
        provider_id -> Text,
        order_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(accreditations -> providers (provider_id));
diesel::joinable!(listings -> providers (provider_id));
diesel::joinable!(listings -> specifications (specification_id));
diesel::joinable!(listing_areas -> listings (listing_id));
diesel::joinable!(listing_prices -> listings (listing_id));
diesel::joinable!(capacity_slots -> listings (listing_id));
diesel::joinable!(plan_items -> sentence_plans (plan_id));
diesel::joinable!(orders -> plan_items (plan_item_id));
diesel::joinable!(offers -> orders (order_id));
diesel::joinable!(webhook_deliveries -> events (event_seq));
diesel::joinable!(webhook_deliveries -> webhooks (provider_id));

diesel::allow_tables_to_appear_in_same_query!(
    areas,
    specifications,
    audit_log,
    idempotency_keys,
    quality_threshold,
    providers,
    accreditations,
    listings,
    listing_areas,
    listing_prices,
    capacity_slots,
    cases,
    assessments,
    lead_times,
    sentence_plans,
    plan_items,
    orders,
    offers,
    area_policies,
    matching_runs,
    rematch_requests,
    delivery_events,
    payments,
    budgets,
    events,
    webhooks,
    webhook_deliveries,
);
