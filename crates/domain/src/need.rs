//! Criminogenic needs, risk of harm, sex and tier (SPEC.md §2).

crate::string_enum! {
    /// A criminogenic need scored by the single assessment.
    pub enum Need {
        Accommodation => "accommodation",
        EducationTrainingEmployment => "education_training_employment",
        Finance => "finance",
        Relationships => "relationships",
        Lifestyle => "lifestyle",
        Drugs => "drugs",
        Alcohol => "alcohol",
        EmotionalWellbeing => "emotional_wellbeing",
        ThinkingBehaviour => "thinking_behaviour",
        Attitudes => "attitudes",
    }
}

crate::string_enum! {
    /// Risk of serious harm, in increasing order.
    pub enum RiskOfHarm {
        Low => "low",
        Medium => "medium",
        High => "high",
        VeryHigh => "very_high",
    }
}

crate::string_enum! {
    /// Sex as recorded on the case; used only for eligibility.
    pub enum Sex {
        Female => "female",
        Male => "male",
    }
}

/// Lowest and highest risk tier.
pub const TIERS: std::ops::RangeInclusive<u8> = 1..=4;

/// A risk tier: a whole number from 1 (lowest) to 4 (highest).
// The document's name for the bounds of `TIERS`; the hub keeps tiers as plain numbers.
#[derive(Debug, Clone, Copy, utoipa::ToSchema)]
#[schema(value_type = u8, minimum = 1, maximum = 4)]
pub struct RiskTier(pub u8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_of_harm_is_ordered_from_low_to_very_high() {
        assert!(RiskOfHarm::Low < RiskOfHarm::Medium);
        assert!(RiskOfHarm::High < RiskOfHarm::VeryHigh);
    }

    #[test]
    fn there_are_ten_needs() {
        assert_eq!(Need::ALL.len(), 10);
        assert!("drugs".parse::<Need>().is_ok());
        assert!("gambling".parse::<Need>().is_err());
    }
}
