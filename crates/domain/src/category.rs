//! Specification categories (SPEC.md §2).

crate::string_enum! {
    /// The kind of intervention a specification describes.
    pub enum Category {
        AccreditedProgramme => "accredited_programme",
        UnpaidWork => "unpaid_work",
        AttendanceCentre => "attendance_centre",
        AlcoholTreatment => "alcohol_treatment",
        DrugRehabilitation => "drug_rehabilitation",
        MentalHealthTreatment => "mental_health_treatment",
        RestorativeJustice => "restorative_justice",
        Accommodation => "accommodation",
        EducationTrainingEmployment => "education_training_employment",
        FinanceBenefitDebt => "finance_benefit_debt",
        FamilyRelationships => "family_relationships",
        WomensServices => "womens_services",
        ThinkingBehaviour => "thinking_behaviour",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_category_through_text() {
        assert_eq!(Category::ALL.len(), 13);
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(*c));
            let json = serde_json::to_string(c).expect("serialize");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert!("unpaid-work".parse::<Category>().is_err());
    }

    #[test]
    fn the_api_document_lists_the_wire_values() {
        let schema =
            serde_json::to_value(<Category as utoipa::PartialSchema>::schema()).expect("schema");
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let wire: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, wire);
    }
}
