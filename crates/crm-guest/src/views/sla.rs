//! Bodies of `crm:records/sla`: business calendars, and SLA policies with their escalation
//! levels.

use super::rules;
use crate::names::{self, ClockKind, EscalationTrigger, Priority, Role, Tier};
use crate::problem::Problem;
use crate::sla::{EscalationRule, Interval, NewCalendar, PolicyInput, Target};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// Working hours of one day, local time: from `start` to `end`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalBody {
    /// When they start, `HH:MM`; before `end`.
    #[schema(value_type = rules::ClockTime)]
    pub start: String,
    /// When they end, `HH:MM`; `24:00` ends the day.
    #[schema(value_type = rules::ClockTime)]
    pub end: String,
}

impl From<IntervalBody> for Interval {
    fn from(b: IntervalBody) -> Self {
        Self {
            start: b.start,
            end: b.end,
        }
    }
}

/// A business calendar: when the service desk works, for targets that count business time.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendar {
    /// A name for people, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// The IANA time zone the working hours are local to, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// The working hours of the seven days of the week, Monday first: each day a list of
    /// intervals that may touch but not overlap, empty for a day off. At least one day has
    /// working hours.
    #[schema(min_items = 7, max_items = 7)]
    pub week: Vec<Vec<IntervalBody>>,
    /// Days without working hours, `YYYY-MM-DD`, at most 1000.
    #[serde(default)]
    #[schema(value_type = Vec<rules::Day>, max_items = 1000)]
    pub holidays: Vec<String>,
}

impl From<CreateCalendar> for NewCalendar {
    fn from(b: CreateCalendar) -> Self {
        Self {
            name: b.name,
            time_zone: b.time_zone,
            week: b
                .week
                .into_iter()
                .map(|day| day.into_iter().map(Into::into).collect())
                .collect(),
            holidays: b.holidays,
        }
    }
}

/// A target: how long, counted how.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// Counted seconds, from 60 (a minute) to 31536000 (a year).
    #[schema(minimum = 60, maximum = 31536000)]
    pub seconds: i64,
    /// `wall`: every second counts; `business`: only seconds inside the working hours of the
    /// policy's calendar, holidays excluded.
    #[schema(value_type = ClockKind)]
    pub clock: String,
}

impl TargetBody {
    /// The records target; an unknown clock is an error of `<field>.clock`.
    pub fn into_target(self, field: &str) -> Result<Target, Problem> {
        Ok(Target {
            seconds: self.seconds,
            clock: names::parse::<ClockKind>(&format!("{field}.clock"), &self.clock)?.into(),
        })
    }
}

/// The roles an escalation level may reassign to: those that work with customers.
pub struct AssignableRole;

impl utoipa::PartialSchema for AssignableRole {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                Role::ALL
                    .iter()
                    .copied()
                    .filter(|role| role.works_with_customers())
                    .map(Role::as_str),
            ))
            .description(Some(
                "A role that works with customers: any but `ops`, `finance` and `warehouse`.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for AssignableRole {}

/// One escalation level of a policy.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// The level, 1–20: the first level is 1, and levels rise strictly in list order.
    #[schema(minimum = 1, maximum = 20)]
    pub level: u8,
    /// What makes the level due.
    #[schema(value_type = EscalationTrigger)]
    pub trigger: String,
    /// For `first_response_warning` and `resolution_warning` (required there, refused
    /// elsewhere): the share of the target used, 1–99 percent.
    #[schema(minimum = 1, maximum = 99)]
    pub percent: Option<u8>,
    /// For `unanswered_for` (required there, refused elsewhere): wall-clock seconds since
    /// filing, from 60 (a minute) to 31536000 (a year).
    #[schema(minimum = 60, maximum = 31536000)]
    pub after_seconds: Option<i64>,
    /// Reassign the complaint to an active member of staff with this role: the one with the
    /// fewest open complaints, then the lowest id.
    #[schema(value_type = Option<AssignableRole>)]
    pub assign_role: Option<String>,
    /// Write a `complaint.escalated` notification for the webhooks.
    #[serde(default)]
    pub notify: bool,
}

impl RuleBody {
    /// The records rule; an error names the field with `field_prefix` before it
    /// (`escalation[2].`).
    pub fn into_rule(self, field_prefix: &str) -> Result<EscalationRule, Problem> {
        let trigger =
            names::parse::<EscalationTrigger>(&format!("{field_prefix}trigger"), &self.trigger)?;
        let assign_role = self
            .assign_role
            .map(|r| names::parse::<Role>(&format!("{field_prefix}assign_role"), &r))
            .transpose()?;
        Ok(EscalationRule {
            level: self.level,
            trigger: trigger.into(),
            percent: self.percent,
            after_seconds: self.after_seconds,
            assign_role: assign_role.map(Into::into),
            notify: self.notify,
        })
    }
}

/// An SLA policy's settings, all of them: a create, or a change that replaces them.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// A name for people, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// Applies to complaints of this priority; absent matches any. A policy names a priority, a
    /// tier or both, except the default policy (`pol_default`), which names neither.
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Applies to complaints of customers of this tier; absent matches any.
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// Time to the first response: a staff reply, or the complaint leaving `new`.
    pub first_response: TargetBody,
    /// Time to resolution, pauses (waiting on the customer) excluded.
    pub resolution: TargetBody,
    /// The calendar business-time targets count in; required when a target counts business
    /// time.
    pub calendar_id: Option<String>,
    /// Escalation levels in rising order, at most 10; none means the policy never escalates.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub escalation: Vec<RuleBody>,
    /// Days after a replacement ships when the agent's callback task is due, 0–90.
    #[serde(default = "three_days")]
    #[schema(minimum = 0, maximum = 90, default = 3)]
    pub callback_days: u32,
    /// How many units a replacement may ship, in percent of the units on the complained order
    /// line: 100 is like for like; a policy for top tiers may allow more, up to 1000.
    #[serde(default = "like_for_like")]
    #[schema(minimum = 100, maximum = 1000, default = 100)]
    pub remedy_percent: u32,
}

fn three_days() -> u32 {
    3
}

fn like_for_like() -> u32 {
    crm_domain::sla::DEFAULT_REMEDY_PERCENT
}

impl PolicyBody {
    pub fn into_input(self) -> Result<PolicyInput, Problem> {
        Ok(PolicyInput {
            name: self.name,
            priority: self
                .priority
                .map(|p| names::parse::<Priority>("priority", &p).map(Into::into))
                .transpose()?,
            tier: self
                .tier
                .map(|t| names::parse::<Tier>("tier", &t).map(Into::into))
                .transpose()?,
            first_response: self.first_response.into_target("first_response")?,
            resolution: self.resolution.into_target("resolution")?,
            calendar_id: self.calendar_id,
            escalation: self
                .escalation
                .into_iter()
                .enumerate()
                .map(|(i, rule)| rule.into_rule(&format!("escalation[{i}].")))
                .collect::<Result<Vec<_>, _>>()?,
            callback_days: self.callback_days,
            remedy_percent: self.remedy_percent,
        })
    }
}
