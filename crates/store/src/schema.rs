// @generated automatically by Diesel CLI.

diesel::table! {
    accreditations (id) {
        id -> Text,
        provider_id -> Text,
        category -> Text,
        score -> Int4,
        assessed_on -> Date,
        expires_on -> Date,
        notes -> Text,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    area_policies (area_code) {
        area_code -> Text,
        policy -> Text,
        price_weight -> Int4,
        quality_weight -> Int4,
        days_weight -> Int4,
        updated_at -> Timestamp,
        updated_by -> Text,
        continuity_pence -> Int4,
    }
}

diesel::table! {
    areas (code) {
        code -> Text,
        name -> Text,
        region -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        external_ref -> Text,
        crn -> Text,
        area_code -> Text,
        status -> Text,
        tier -> Int4,
        risk_of_serious_harm -> Text,
        reoffending_probability -> Int4,
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
        court_code -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
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
        chain_pos -> Nullable<Int8>,
    }
}

diesel::table! {
    breaches (id) {
        id -> Text,
        order_id -> Text,
        area_code -> Text,
        status -> Text,
        flagged_at -> Timestamp,
        proceedings_started_by -> Nullable<Text>,
        proceedings_started_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        variation -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    budget_contributions (area_code, financial_year, contributor) {
        area_code -> Text,
        financial_year -> Int4,
        contributor -> Text,
        amount_pence -> Int8,
    }
}

diesel::table! {
    budgets (area_code, financial_year) {
        area_code -> Text,
        financial_year -> Int4,
        allocated_pence -> Int8,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    capacity_shares (listing_id, starts_on, share) {
        listing_id -> Text,
        starts_on -> Date,
        share -> Int4,
        places -> Int4,
        places_taken -> Int4,
    }
}

diesel::table! {
    carry_over_rules (area_code) {
        area_code -> Text,
        rule -> Text,
        cap_percent -> Nullable<Int4>,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    case_contacts (crn) {
        crn -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    case_equality (crn) {
        crn -> Text,
        ethnic_group -> Nullable<Text>,
        disability -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
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
    delivery_events (id) {
        id -> Text,
        order_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        details -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        minutes -> Nullable<Int4>,
    }
}

diesel::table! {
    events (seq) {
        seq -> Int8,
        id -> Text,
        kind -> Text,
        order_id -> Text,
        offer_id -> Nullable<Text>,
        area_code -> Text,
        provider_id -> Nullable<Text>,
        occurred_at -> Timestamp,
        payload -> Text,
        position -> Nullable<Int8>,
    }
}

diesel::table! {
    idempotency_keys (actor_sub, actor_scope, idempotency_key) {
        actor_sub -> Text,
        actor_scope -> Text,
        idempotency_key -> Text,
        route -> Text,
        request_hash -> Text,
        response_status -> Int4,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_times (category) {
        category -> Text,
        days -> Int4,
        updated_at -> Timestamp,
        updated_by -> Text,
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
        price_pence -> Int8,
        effective_from -> Timestamp,
        set_by -> Text,
    }
}

diesel::table! {
    listings (id) {
        id -> Text,
        provider_id -> Text,
        specification_id -> Text,
        specification_code -> Text,
        specification_version -> Int4,
        category -> Text,
        title -> Text,
        description -> Text,
        price_pence -> Int8,
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
    matching_runs (id) {
        id -> Text,
        area_code -> Nullable<Text>,
        orders_considered -> Int4,
        placed -> Int4,
        total_cost_pence -> Int8,
        greedy_cost_pence -> Int8,
        greedy_placed -> Int4,
        placements -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        held_for_budget -> Int4,
        changed_meanwhile -> Int4,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        order_id -> Text,
        listing_id -> Text,
        provider_id -> Text,
        starts_on -> Date,
        price_pence -> Int8,
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
    order_failures (id) {
        id -> Text,
        order_id -> Text,
        delivery_event_id -> Text,
        area_code -> Text,
        kind -> Text,
        occurred_on -> Date,
        details -> Nullable<Text>,
        decision -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
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
        price_pence -> Nullable<Int8>,
        starts_on -> Nullable<Date>,
        explanation -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        actual_start -> Nullable<Date>,
        outcome -> Nullable<Text>,
        budget_approved_by -> Nullable<Text>,
        end_reason -> Nullable<Text>,
        end_detail -> Nullable<Text>,
        ended_by -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        list_price_pence -> Nullable<Int8>,
        multiplier_bps -> Nullable<Int4>,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        order_id -> Text,
        milestone -> Text,
        amount_pence -> Int8,
        area_code -> Text,
        provider_id -> Text,
        financial_year -> Int4,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_outcomes (id) {
        id -> Text,
        crn -> Text,
        area_code -> Text,
        period_start -> Date,
        period_end -> Date,
        proven_reoffences -> Int4,
        reoffending_probability -> Int4,
        predicted_milli -> Int8,
        binary_percent -> Int4,
        frequency_percent -> Int4,
        pot_pence -> Int8,
        binary_pence -> Int8,
        frequency_pence -> Int8,
        amount_pence -> Int8,
        attribution -> Text,
        source -> Text,
        upload_id -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    plan_items (id) {
        id -> Text,
        plan_id -> Text,
        position -> Int4,
        category -> Text,
        specification_code -> Nullable<Text>,
        requirement -> Nullable<Text>,
        needs -> Text,
        priority -> Int4,
        required_by -> Date,
        lead_time_days -> Int4,
        late -> Bool,
        set_aside -> Nullable<Text>,
        set_aside_reason -> Nullable<Text>,
        not_before -> Nullable<Date>,
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
    quality_threshold (id) {
        id -> Int4,
        threshold -> Int4,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    referral_notes (order_id) {
        order_id -> Text,
        notes -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    referral_pack_reads (id) {
        id -> Text,
        order_id -> Text,
        provider_id -> Text,
        reader_sub -> Text,
        read_at -> Timestamp,
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
    reoffending_refusals (upload_id, line) {
        upload_id -> Text,
        line -> Int4,
        crn -> Text,
        reason -> Text,
    }
}

diesel::table! {
    reoffending_uploads (id) {
        id -> Text,
        status -> Text,
        body -> Text,
        rows_total -> Int4,
        rows_processed -> Int4,
        rows_recorded -> Int4,
        rows_refused -> Int4,
        uploaded_by -> Text,
        uploaded_role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
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
        revises_plan_id -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        review_on -> Nullable<Date>,
        sequence -> Text,
    }
}

diesel::table! {
    specifications (id) {
        id -> Text,
        code -> Text,
        version -> Int4,
        status -> Text,
        title -> Text,
        description -> Text,
        category -> Text,
        needs -> Text,
        delivery_standard -> Text,
        unit_of_purchase -> Text,
        price_cap_pence -> Int8,
        eligibility -> Text,
        payment_model -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    supply_versions (id) {
        id -> Int4,
        version -> Int8,
    }
}

diesel::table! {
    transfers (id) {
        id -> Text,
        crn -> Text,
        from_area -> Text,
        to_area -> Text,
        reason -> Text,
        orders -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        event_seq -> Int8,
        provider_id -> Text,
        order_id -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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

diesel::joinable!(accreditations -> providers (provider_id));
diesel::joinable!(area_policies -> areas (area_code));
diesel::joinable!(assessments -> areas (area_code));
diesel::joinable!(assessments -> cases (crn));
diesel::joinable!(breaches -> areas (area_code));
diesel::joinable!(breaches -> orders (order_id));
diesel::joinable!(budgets -> areas (area_code));
diesel::joinable!(capacity_shares -> listings (listing_id));
diesel::joinable!(carry_over_rules -> areas (area_code));
diesel::joinable!(case_contacts -> cases (crn));
diesel::joinable!(case_equality -> cases (crn));
diesel::joinable!(cases -> areas (area_code));
diesel::joinable!(delivery_events -> orders (order_id));
diesel::joinable!(events -> areas (area_code));
diesel::joinable!(events -> orders (order_id));
diesel::joinable!(events -> providers (provider_id));
diesel::joinable!(listing_areas -> areas (area_code));
diesel::joinable!(listing_areas -> listings (listing_id));
diesel::joinable!(listing_prices -> listings (listing_id));
diesel::joinable!(listings -> providers (provider_id));
diesel::joinable!(listings -> specifications (specification_id));
diesel::joinable!(matching_runs -> areas (area_code));
diesel::joinable!(offers -> listings (listing_id));
diesel::joinable!(offers -> orders (order_id));
diesel::joinable!(offers -> providers (provider_id));
diesel::joinable!(order_failures -> areas (area_code));
diesel::joinable!(order_failures -> delivery_events (delivery_event_id));
diesel::joinable!(order_failures -> orders (order_id));
diesel::joinable!(orders -> areas (area_code));
diesel::joinable!(orders -> cases (crn));
diesel::joinable!(orders -> listings (listing_id));
diesel::joinable!(orders -> plan_items (plan_item_id));
diesel::joinable!(orders -> providers (provider_id));
diesel::joinable!(orders -> sentence_plans (plan_id));
diesel::joinable!(payments -> areas (area_code));
diesel::joinable!(payments -> orders (order_id));
diesel::joinable!(payments -> providers (provider_id));
diesel::joinable!(person_outcomes -> areas (area_code));
diesel::joinable!(person_outcomes -> cases (crn));
diesel::joinable!(plan_items -> sentence_plans (plan_id));
diesel::joinable!(referral_notes -> orders (order_id));
diesel::joinable!(referral_pack_reads -> orders (order_id));
diesel::joinable!(referral_pack_reads -> providers (provider_id));
diesel::joinable!(reoffending_refusals -> reoffending_uploads (upload_id));
diesel::joinable!(sentence_plans -> areas (area_code));
diesel::joinable!(sentence_plans -> assessments (assessment_id));
diesel::joinable!(sentence_plans -> cases (crn));
diesel::joinable!(transfers -> cases (crn));
diesel::joinable!(webhook_deliveries -> events (event_seq));
diesel::joinable!(webhook_deliveries -> orders (order_id));
diesel::joinable!(webhook_deliveries -> providers (provider_id));
diesel::joinable!(webhooks -> providers (provider_id));

diesel::allow_tables_to_appear_in_same_query!(
    accreditations,
    area_policies,
    areas,
    assessments,
    audit_log,
    breaches,
    budget_contributions,
    budgets,
    capacity_shares,
    carry_over_rules,
    case_contacts,
    case_equality,
    cases,
    delivery_events,
    events,
    idempotency_keys,
    lead_times,
    listing_areas,
    listing_prices,
    listings,
    matching_runs,
    offers,
    order_failures,
    orders,
    payments,
    person_outcomes,
    plan_items,
    providers,
    quality_threshold,
    referral_notes,
    referral_pack_reads,
    rematch_requests,
    reoffending_refusals,
    reoffending_uploads,
    sentence_plans,
    specifications,
    supply_versions,
    transfers,
    webhook_deliveries,
    webhooks,
);
