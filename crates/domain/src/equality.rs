//! Equality monitoring (SPEC.md §2): an optional ethnic group — the ONS 2021 census
//! categories of England and Wales, 19 detailed groups in 5 high-level ones — and
//! disability, recorded by the offender manager on a case. Commissioners, the quality
//! team and analysts read it only as counts in the equality report ("Who is served",
//! with disclosure control, see [`crate::disclosure`]); providers never see it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::string_enum! {
    /// The person's ethnic group, in the words of the ONS 2021 census (England and
    /// Wales): the 19 detailed categories, or `prefer_not_to_say`.
    pub enum EthnicGroup {
        AsianBangladeshi => "asian_bangladeshi",
        AsianChinese => "asian_chinese",
        AsianIndian => "asian_indian",
        AsianPakistani => "asian_pakistani",
        AsianOther => "asian_other",
        BlackAfrican => "black_african",
        BlackCaribbean => "black_caribbean",
        BlackOther => "black_other",
        MixedWhiteAndAsian => "mixed_white_and_asian",
        MixedWhiteAndBlackAfrican => "mixed_white_and_black_african",
        MixedWhiteAndBlackCaribbean => "mixed_white_and_black_caribbean",
        MixedOther => "mixed_other",
        WhiteBritish => "white_british",
        WhiteIrish => "white_irish",
        WhiteGypsyOrIrishTraveller => "white_gypsy_or_irish_traveller",
        WhiteRoma => "white_roma",
        WhiteOther => "white_other",
        OtherArab => "other_arab",
        OtherAny => "other_any",
        PreferNotToSay => "prefer_not_to_say",
    }
}

crate::string_enum! {
    /// The ONS 2021 high-level ethnic groups.
    pub enum EthnicGroupHighLevel {
        Asian => "asian",
        Black => "black",
        Mixed => "mixed",
        White => "white",
        Other => "other",
    }
}

crate::string_enum! {
    /// Whether the person considers themselves disabled.
    pub enum Disability {
        Yes => "yes",
        No => "no",
        PreferNotToSay => "prefer_not_to_say",
    }
}

impl EthnicGroupHighLevel {
    /// The census's words for the group.
    pub fn words(self) -> &'static str {
        match self {
            Self::Asian => "Asian, Asian British or Asian Welsh",
            Self::Black => "Black, Black British, Black Welsh, Caribbean or African",
            Self::Mixed => "Mixed or Multiple ethnic groups",
            Self::White => "White",
            Self::Other => "Other ethnic group",
        }
    }
}

impl EthnicGroup {
    /// The high-level group the category belongs to; none for `prefer_not_to_say`.
    pub fn high_level(self) -> Option<EthnicGroupHighLevel> {
        use EthnicGroup::*;
        use EthnicGroupHighLevel as H;
        Some(match self {
            AsianBangladeshi | AsianChinese | AsianIndian | AsianPakistani | AsianOther => H::Asian,
            BlackAfrican | BlackCaribbean | BlackOther => H::Black,
            MixedWhiteAndAsian
            | MixedWhiteAndBlackAfrican
            | MixedWhiteAndBlackCaribbean
            | MixedOther => H::Mixed,
            WhiteBritish | WhiteIrish | WhiteGypsyOrIrishTraveller | WhiteRoma | WhiteOther => {
                H::White
            }
            OtherArab | OtherAny => H::Other,
            PreferNotToSay => return None,
        })
    }

    /// The census's words for the category (within its high-level group).
    pub fn words(self) -> &'static str {
        use EthnicGroup::*;
        match self {
            AsianBangladeshi => "Bangladeshi",
            AsianChinese => "Chinese",
            AsianIndian => "Indian",
            AsianPakistani => "Pakistani",
            AsianOther => "Other Asian",
            BlackAfrican => "African",
            BlackCaribbean => "Caribbean",
            BlackOther => "Other Black",
            MixedWhiteAndAsian => "White and Asian",
            MixedWhiteAndBlackAfrican => "White and Black African",
            MixedWhiteAndBlackCaribbean => "White and Black Caribbean",
            MixedOther => "Other Mixed or Multiple ethnic groups",
            WhiteBritish => "English, Welsh, Scottish, Northern Irish or British",
            WhiteIrish => "Irish",
            WhiteGypsyOrIrishTraveller => "Gypsy or Irish Traveller",
            WhiteRoma => "Roma",
            WhiteOther => "Other White",
            OtherArab => "Arab",
            OtherAny => "Any other ethnic group",
            PreferNotToSay => "Prefer not to say",
        }
    }
}

impl Disability {
    pub fn words(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::No => "No",
            Self::PreferNotToSay => "Prefer not to say",
        }
    }
}

/// Equality monitoring as recorded on a case: both parts optional (not recorded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Equality {
    /// The ONS 2021 ethnic group; absent when not recorded.
    #[serde(default)]
    pub ethnic_group: Option<EthnicGroup>,
    /// Disability; absent when not recorded.
    #[serde(default)]
    pub disability: Option<Disability>,
}

impl Equality {
    pub fn is_empty(&self) -> bool {
        self.ethnic_group.is_none() && self.disability.is_none()
    }
}

/// The ethnic-group rows of the equality report: the 5 high-level groups, then those who
/// preferred not to say, then those with nothing recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EthnicReportGroup {
    Group(EthnicGroupHighLevel),
    PreferNotToSay,
    NotRecorded,
}

impl EthnicReportGroup {
    pub const ALL: [EthnicReportGroup; 7] = [
        Self::Group(EthnicGroupHighLevel::Asian),
        Self::Group(EthnicGroupHighLevel::Black),
        Self::Group(EthnicGroupHighLevel::Mixed),
        Self::Group(EthnicGroupHighLevel::White),
        Self::Group(EthnicGroupHighLevel::Other),
        Self::PreferNotToSay,
        Self::NotRecorded,
    ];

    pub fn of(group: Option<EthnicGroup>) -> Self {
        match group {
            None => Self::NotRecorded,
            Some(g) => g
                .high_level()
                .map(Self::Group)
                .unwrap_or(Self::PreferNotToSay),
        }
    }

    /// The word on the wire and in the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Group(g) => g.as_str(),
            Self::PreferNotToSay => "prefer_not_to_say",
            Self::NotRecorded => "not_recorded",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Group(g) => g.words(),
            Self::PreferNotToSay => "Prefer not to say",
            Self::NotRecorded => "Not recorded",
        }
    }
}

/// The age bands of the equality report, by age when the order was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    From18To24,
    From25To34,
    From35To49,
    From50,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        Self::From18To24,
        Self::From25To34,
        Self::From35To49,
        Self::From50,
    ];

    /// The band of an age in whole years (under 18 counts with 18–24: the hub holds no
    /// younger people).
    pub fn of(age: u32) -> Self {
        match age {
            0..=24 => Self::From18To24,
            25..=34 => Self::From25To34,
            35..=49 => Self::From35To49,
            _ => Self::From50,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::From18To24 => "18-24",
            Self::From25To34 => "25-34",
            Self::From35To49 => "35-49",
            Self::From50 => "50+",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_has_19_categories_in_5_groups() {
        let detailed: Vec<_> = EthnicGroup::ALL
            .iter()
            .filter(|g| g.high_level().is_some())
            .collect();
        assert_eq!(detailed.len(), 19);
        let count = |h| {
            detailed
                .iter()
                .filter(|g| g.high_level() == Some(h))
                .count()
        };
        use EthnicGroupHighLevel::*;
        assert_eq!(
            [
                count(Asian),
                count(Black),
                count(Mixed),
                count(White),
                count(Other)
            ],
            [5, 3, 4, 5, 2]
        );
        assert_eq!(EthnicGroup::PreferNotToSay.high_level(), None);
        for g in EthnicGroup::ALL {
            // Each word names its group's prefix.
            if let Some(h) = g.high_level() {
                assert!(g.as_str().starts_with(h.as_str()), "{g}");
            }
            assert!(!g.words().is_empty());
        }
    }

    #[test]
    fn report_groups_and_age_bands() {
        assert_eq!(EthnicReportGroup::of(None), EthnicReportGroup::NotRecorded);
        assert_eq!(
            EthnicReportGroup::of(Some(EthnicGroup::PreferNotToSay)),
            EthnicReportGroup::PreferNotToSay
        );
        assert_eq!(
            EthnicReportGroup::of(Some(EthnicGroup::WhiteRoma)),
            EthnicReportGroup::Group(EthnicGroupHighLevel::White)
        );
        let table = [
            (18, "18-24"),
            (24, "18-24"),
            (25, "25-34"),
            (34, "25-34"),
            (35, "35-49"),
            (49, "35-49"),
            (50, "50+"),
            (90, "50+"),
        ];
        for (age, band) in table {
            assert_eq!(AgeBand::of(age).as_str(), band, "{age}");
        }
    }

    #[test]
    fn equality_reads_with_parts_absent_and_refuses_unknown_words() {
        let e: Equality = serde_json::from_str("{}").expect("empty");
        assert!(e.is_empty());
        let e: Equality =
            serde_json::from_str(r#"{"ethnic_group":"black_caribbean","disability":"no"}"#)
                .expect("both");
        assert_eq!(e.ethnic_group, Some(EthnicGroup::BlackCaribbean));
        assert_eq!(e.disability, Some(Disability::No));
        assert!(serde_json::from_str::<Equality>(r#"{"ethnic_group":"martian"}"#).is_err());
        assert!(serde_json::from_str::<Equality>(r#"{"religion":"none"}"#).is_err());
    }
}
