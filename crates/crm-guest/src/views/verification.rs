//! Bodies, queries and answers of `crm:records/verification`.

use super::activities::ActivityView;
use super::rules;
use crate::names::{self, CheckOutcome};
use crate::problem::Problem;
use crate::verification::{RepRate, SampleRequest};
use serde::{Deserialize, Serialize};

/// Which of a rep's visits to sample.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawSample {
    /// The rep whose visits are checked.
    pub rep_id: String,
    /// First day, `YYYY-MM-DD` (UTC).
    #[schema(value_type = rules::Day)]
    pub first_day: String,
    /// Last day, inclusive, `YYYY-MM-DD`.
    #[schema(value_type = rules::Day)]
    pub last_day: String,
    /// How many visits to draw, 1–200.
    #[schema(value_type = rules::SampleSize)]
    pub size: u32,
    /// The same seed over the same visits draws the same sample; any `u64`.
    #[schema(value_type = rules::U64)]
    pub seed: u64,
}

impl From<DrawSample> for SampleRequest {
    fn from(b: DrawSample) -> Self {
        Self {
            rep_id: b.rep_id,
            first_day: b.first_day,
            last_day: b.last_day,
            size: b.size,
            seed: b.seed,
        }
    }
}

/// The visits drawn, in the order drawn, with the seed that draws them again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Sample {
    /// The seed of the request.
    pub seed: u64,
    pub items: Vec<ActivityView>,
}

/// What calling the customer about a visit found.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckVisit {
    /// What the call found.
    #[schema(value_type = CheckOutcome)]
    pub outcome: String,
    /// Notes of the call, at most 1000 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text1000)]
    pub note: String,
}

impl CheckVisit {
    /// The outcome as records takes it.
    pub fn parse_outcome(&self) -> Result<crate::verification::CheckOutcome, Problem> {
        Ok(names::parse::<CheckOutcome>("outcome", &self.outcome)?.into())
    }
}

/// The period whose visits count, in whole days (UTC).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, `YYYY-MM-DD`.
    #[param(value_type = rules::Day, inline)]
    pub first_day: String,
    /// Last day, inclusive, `YYYY-MM-DD`.
    #[param(value_type = rules::Day, inline)]
    pub last_day: String,
}

/// Each rep's verification figures over the period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RateList {
    pub items: Vec<RepRate>,
}
