//! Service levels: business calendars and SLA policies with their escalation rules. The
//! arithmetic of the clocks is `crm_domain::sla`'s; this module stores the settings and hands a
//! complaint the policy that governs it ([`Governing`]).

use crate::audit;
use crate::auth::Actor;
use crate::complaints;
use crate::db::{self, Db};
use crate::exports::crm::records::sla::{
    Calendar, EscalationRule as WitRule, Interval, NewCalendar, Policy, PolicyInput, Target,
};
use crate::exports::crm::records::types::Error;
use crate::names::stored;
use crate::secrets;
use crm_domain::calendar::Calendar as DomainCalendar;
use crm_domain::customer::{parse_required_text, Tier};
use crm_domain::role::Role;
use crm_domain::sla::{
    select_policy, Clock, ClockKind, EscalationRule, EscalationStep, EscalationTrigger, NewPolicy,
    PolicyDraft, PolicyScope, Priority, TargetDraft,
};
use serde_json::json;
use spin_sdk::sqlite3::{RowResult, Value};

/// The id of the policy that matches every complaint no other policy matches.
pub const DEFAULT_POLICY: &str = crm_domain::sla::DEFAULT_POLICY;

const CALENDAR_COLUMNS: &str = "id, name, time_zone, week_json, holidays_json, created_at";

const POLICY_COLUMNS: &str = "id, name, priority, tier, first_response_secs, \
     first_response_clock, resolution_secs, resolution_clock, calendar_id, escalation_json, \
     callback_days, updated_at, remedy_percent";

/// A policy with what its clocks need: the calendar of its business-time targets and its
/// escalation rules as the domain checks them.
pub struct Governing {
    pub policy: Policy,
    pub calendar: Option<DomainCalendar>,
    pub rules: Vec<EscalationRule>,
    /// The role each level reassigns to, and whether it notifies, by position in `rules`.
    pub actions: Vec<(Option<Role>, bool)>,
}

impl Governing {
    fn clock(&self, kind: ClockKind) -> Clock<'_> {
        match (kind, &self.calendar) {
            (ClockKind::Business, Some(calendar)) => Clock::Business(calendar),
            _ => Clock::Wall,
        }
    }

    /// The clock the first-response target counts in.
    pub fn first_response_clock(&self) -> Clock<'_> {
        self.clock(self.policy.first_response.clock.into())
    }

    /// The clock the resolution target counts in.
    pub fn resolution_clock(&self) -> Clock<'_> {
        self.clock(self.policy.resolution.clock.into())
    }
}

fn authorized_to_read(actor: &Actor) -> Result<(), Error> {
    if actor.role().works_with_customers() || actor.role().runs_sweeps() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "role {} may not see service levels",
            actor.role()
        )))
    }
}

// --- calendars ---

fn week_json(week: &[Vec<Interval>]) -> String {
    json!(week
        .iter()
        .map(|day| day
            .iter()
            .map(|i| [i.start.as_str(), i.end.as_str()])
            .collect::<Vec<_>>())
        .collect::<Vec<_>>())
    .to_string()
}

fn calendar_from_row(row: &RowResult) -> Result<Calendar, Error> {
    let week: Vec<Vec<[String; 2]>> = serde_json::from_str(&db::text(row, 3, "week_json")?)
        .map_err(|e| db::internal("read a calendar's week", e))?;
    let holidays: Vec<String> = serde_json::from_str(&db::text(row, 4, "holidays_json")?)
        .map_err(|e| db::internal("read a calendar's holidays", e))?;
    Ok(Calendar {
        id: db::text(row, 0, "id")?,
        name: db::text(row, 1, "name")?,
        time_zone: db::text(row, 2, "time_zone")?,
        week: week
            .into_iter()
            .map(|day| {
                day.into_iter()
                    .map(|[start, end]| Interval { start, end })
                    .collect()
            })
            .collect(),
        holidays,
        created_at: db::text(row, 5, "created_at")?,
    })
}

/// The calendar as the domain counts with it.
fn domain_calendar(calendar: &Calendar) -> Result<DomainCalendar, crm_domain::FieldError> {
    let week: Vec<Vec<(String, String)>> = calendar
        .week
        .iter()
        .map(|day| {
            day.iter()
                .map(|i| (i.start.clone(), i.end.clone()))
                .collect()
        })
        .collect();
    DomainCalendar::parse(&calendar.time_zone, &week, &calendar.holidays)
}

fn find_calendar(db: &Db, id: &str) -> Result<Calendar, Error> {
    let found = db.query(
        &format!("SELECT {CALENDAR_COLUMNS} FROM sla_calendar WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => calendar_from_row(row),
        None => Err(Error::NotFound(format!("no calendar {id}"))),
    }
}

pub fn create_calendar(db: &Db, actor: &Actor, input: NewCalendar) -> Result<Calendar, Error> {
    actor.require(Role::manages_service, "set up service levels")?;
    let name = parse_required_text("name", &input.name, 100)?;
    let mut calendar = Calendar {
        id: secrets::new_id("cal")?,
        name,
        time_zone: input.time_zone,
        week: input.week,
        holidays: input.holidays,
        created_at: db::now(),
    };
    // Validated by the domain, then stored as it normalised it: canonical zone name, intervals
    // in order, holidays ascending.
    let parsed = domain_calendar(&calendar)?;
    calendar.time_zone = parsed.time_zone().to_owned();
    calendar.week = parsed
        .week()
        .iter()
        .map(|day| {
            day.iter()
                .map(|i| Interval {
                    start: crm_domain::calendar::format_minute(i.start_minute),
                    end: crm_domain::calendar::format_minute(i.end_minute),
                })
                .collect()
        })
        .collect();
    calendar.holidays = parsed.holidays().map(|d| d.to_string()).collect();
    db.transaction(|db| {
        db.exec(
            &format!("INSERT INTO sla_calendar ({CALENDAR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"),
            &[
                Value::Text(calendar.id.clone()),
                Value::Text(calendar.name.clone()),
                Value::Text(calendar.time_zone.clone()),
                Value::Text(week_json(&calendar.week)),
                Value::Text(json!(calendar.holidays).to_string()),
                Value::Text(calendar.created_at.clone()),
            ],
        )?;
        audit::record(
            db,
            actor,
            "calendar.create",
            "calendar",
            &calendar.id,
            None,
            Some(
                json!({"name": calendar.name, "time_zone": calendar.time_zone,
                        "week": week_json(&calendar.week), "holidays": calendar.holidays}),
            ),
        )?;
        Ok(calendar.clone())
    })
}

pub fn get_calendar(db: &Db, actor: &Actor, id: &str) -> Result<Calendar, Error> {
    authorized_to_read(actor)?;
    find_calendar(db, id)
}

pub fn list_calendars(db: &Db, actor: &Actor) -> Result<Vec<Calendar>, Error> {
    authorized_to_read(actor)?;
    let found = db.query(
        &format!("SELECT {CALENDAR_COLUMNS} FROM sla_calendar ORDER BY name, id"),
        &[],
    )?;
    found.rows.iter().map(calendar_from_row).collect()
}

// --- policies ---

fn rules_json(rules: &[WitRule]) -> String {
    json!(rules
        .iter()
        .map(|r| json!({
            "level": r.level,
            "trigger": EscalationTrigger::from(r.trigger).as_str(),
            "percent": r.percent,
            "after_seconds": r.after_seconds,
            "assign_role": r.assign_role.map(|role| Role::from(role).as_str()),
            "notify": r.notify,
        }))
        .collect::<Vec<_>>())
    .to_string()
}

fn rules_from_json(text: &str) -> Result<Vec<WitRule>, Error> {
    let corrupt = |e: &dyn std::fmt::Display| db::internal("read a policy's escalation rules", e);
    let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| corrupt(&e))?;
    values
        .iter()
        .map(|v| {
            let name = |key: &str| v[key].as_str().map(str::to_owned);
            Ok(WitRule {
                level: v["level"]
                    .as_u64()
                    .and_then(|l| u8::try_from(l).ok())
                    .ok_or_else(|| corrupt(&"level"))?,
                trigger: stored::<EscalationTrigger>(&name("trigger").unwrap_or_default())?.into(),
                percent: v["percent"].as_u64().and_then(|p| u8::try_from(p).ok()),
                after_seconds: v["after_seconds"].as_i64(),
                assign_role: name("assign_role")
                    .map(|r| stored::<Role>(&r).map(Into::into))
                    .transpose()?,
                notify: v["notify"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

fn policy_from_row(row: &RowResult) -> Result<Policy, Error> {
    let optional = |i: usize| row.get::<&str>(i).map(str::to_owned);
    Ok(Policy {
        id: db::text(row, 0, "id")?,
        name: db::text(row, 1, "name")?,
        priority: optional(2)
            .map(|p| stored::<Priority>(&p).map(Into::into))
            .transpose()?,
        tier: optional(3)
            .map(|t| stored::<Tier>(&t).map(Into::into))
            .transpose()?,
        first_response: Target {
            seconds: db::integer(row, 4, "first_response_secs")?,
            clock: stored::<ClockKind>(&db::text(row, 5, "first_response_clock")?)?.into(),
        },
        resolution: Target {
            seconds: db::integer(row, 6, "resolution_secs")?,
            clock: stored::<ClockKind>(&db::text(row, 7, "resolution_clock")?)?.into(),
        },
        calendar_id: optional(8),
        escalation: rules_from_json(&db::text(row, 9, "escalation_json")?)?,
        callback_days: db::count(row, 10, "callback_days")?,
        updated_at: db::text(row, 11, "updated_at")?,
        remedy_percent: db::count(row, 12, "remedy_percent")?,
    })
}

fn policy_json(p: &Policy) -> serde_json::Value {
    json!({
        "name": p.name,
        "priority": p.priority.map(|x| Priority::from(x).as_str()),
        "tier": p.tier.map(|x| Tier::from(x).as_str()),
        "first_response": [p.first_response.seconds, ClockKind::from(p.first_response.clock).as_str()],
        "resolution": [p.resolution.seconds, ClockKind::from(p.resolution.clock).as_str()],
        "calendar_id": p.calendar_id,
        "escalation": rules_json(&p.escalation),
        "callback_days": p.callback_days,
        "remedy_percent": p.remedy_percent,
    })
}

fn find_policy(db: &Db, id: &str) -> Result<Policy, Error> {
    let found = db.query(
        &format!("SELECT {POLICY_COLUMNS} FROM sla_policy WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => policy_from_row(row),
        None => Err(Error::NotFound(format!("no policy {id}"))),
    }
}

fn all_policies(db: &Db) -> Result<Vec<Policy>, Error> {
    let found = db.query(
        &format!("SELECT {POLICY_COLUMNS} FROM sla_policy ORDER BY id"),
        &[],
    )?;
    found.rows.iter().map(policy_from_row).collect()
}

fn scope(p: &Policy) -> PolicyScope {
    PolicyScope {
        priority: p.priority.map(Into::into),
        tier: p.tier.map(Into::into),
    }
}

/// One level of a policy's escalation list as the domain has it.
fn escalation_step(r: &WitRule) -> EscalationStep {
    EscalationStep {
        rule: EscalationRule {
            level: r.level,
            trigger: r.trigger.into(),
            percent: r.percent,
            after_seconds: r.after_seconds,
        },
        assign_role: r.assign_role.map(Into::into),
        notify: r.notify,
    }
}

/// A level of a policy's escalation list as stored and shown.
fn wit_rule(step: &EscalationStep) -> WitRule {
    WitRule {
        level: step.rule.level,
        trigger: step.rule.trigger.into(),
        percent: step.rule.percent,
        after_seconds: step.rule.after_seconds,
        assign_role: step.assign_role.map(Into::into),
        notify: step.notify,
    }
}

/// Domain rules and actions of a policy's escalation list.
fn domain_rules(rules: &[WitRule]) -> (Vec<EscalationRule>, Vec<(Option<Role>, bool)>) {
    rules
        .iter()
        .map(|r| {
            let step = escalation_step(r);
            (step.rule, (step.assign_role, step.notify))
        })
        .unzip()
}

fn governing_of(db: &Db, policy: Policy) -> Result<Governing, Error> {
    let calendar = match &policy.calendar_id {
        Some(id) => Some(
            domain_calendar(&find_calendar(db, id)?)
                .map_err(|e| db::internal("read a stored calendar", e))?,
        ),
        None => None,
    };
    let (rules, actions) = domain_rules(&policy.escalation);
    Ok(Governing {
        policy,
        calendar,
        rules,
        actions,
    })
}

/// The policy `id` with its calendar and rules.
pub fn governing(db: &Db, id: &str) -> Result<Governing, Error> {
    governing_of(db, find_policy(db, id)?)
}

/// The policy that governs a complaint of this priority from a customer of this tier: the most
/// specific match (see `crm_domain::sla::select_policy`), the default policy at least.
pub fn select(db: &Db, priority: Priority, tier: Tier) -> Result<Governing, Error> {
    let policies = all_policies(db)?;
    let chosen = select_policy(&policies, scope, priority, Some(tier))
        .cloned()
        .ok_or_else(|| db::internal("choose an SLA policy", "the default policy is missing"))?;
    governing_of(db, chosen)
}

/// Checks a policy's input, parsed whole (`crm_domain::sla::NewPolicy`), then that its calendar
/// exists, and returns it as stored (name trimmed).
fn checked(db: &Db, id: &str, input: PolicyInput) -> Result<Policy, Error> {
    let target = |t: &Target| TargetDraft {
        seconds: t.seconds,
        clock: t.clock.into(),
    };
    let parsed = NewPolicy::parse(PolicyDraft {
        name: &input.name,
        priority: input.priority.map(Into::into),
        tier: input.tier.map(Into::into),
        first_response: target(&input.first_response),
        resolution: target(&input.resolution),
        calendar_id: input.calendar_id.as_deref(),
        escalation: input.escalation.iter().map(escalation_step).collect(),
        callback_days: input.callback_days,
        remedy_percent: input.remedy_percent,
        is_default: id == DEFAULT_POLICY,
    })?;
    if let Some(calendar) = &parsed.calendar_id {
        find_calendar(db, calendar).map_err(|e| match e {
            Error::NotFound(what) => db::missing("calendar_id", what),
            other => other,
        })?;
    }
    Ok(Policy {
        id: id.to_owned(),
        name: parsed.name,
        priority: parsed.priority.map(Into::into),
        tier: parsed.tier.map(Into::into),
        first_response: Target {
            seconds: parsed.first_response.seconds,
            clock: parsed.first_response.clock.into(),
        },
        resolution: Target {
            seconds: parsed.resolution.seconds,
            clock: parsed.resolution.clock.into(),
        },
        calendar_id: parsed.calendar_id,
        escalation: parsed.escalation.iter().map(wit_rule).collect(),
        callback_days: parsed.callback_days,
        remedy_percent: parsed.remedy_percent,
        updated_at: db::now(),
    })
}

/// The conflict of a second policy with the same scope.
fn check_scope_free(db: &Db, policy: &Policy) -> Result<(), Error> {
    let taken = all_policies(db)?
        .into_iter()
        .find(|p| p.id != policy.id && scope(p) == scope(policy));
    match taken {
        Some(other) => Err(Error::Conflict(format!(
            "policy {} already applies to this priority and tier",
            other.id
        ))),
        None => Ok(()),
    }
}

fn write_policy(db: &Db, p: &Policy, insert: bool) -> Result<(), Error> {
    let sql = if insert {
        format!(
            "INSERT INTO sla_policy ({POLICY_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
    } else {
        "UPDATE sla_policy SET id = ?1, name = ?2, priority = ?3, tier = ?4,
                first_response_secs = ?5, first_response_clock = ?6, resolution_secs = ?7,
                resolution_clock = ?8, calendar_id = ?9, escalation_json = ?10,
                callback_days = ?11, updated_at = ?12, remedy_percent = ?13
          WHERE id = ?1"
            .to_owned()
    };
    db.exec(
        &sql,
        &[
            Value::Text(p.id.clone()),
            Value::Text(p.name.clone()),
            p.priority.map_or(Value::Null, |x| {
                Value::Text(Priority::from(x).as_str().into())
            }),
            p.tier
                .map_or(Value::Null, |x| Value::Text(Tier::from(x).as_str().into())),
            Value::Integer(p.first_response.seconds),
            Value::Text(ClockKind::from(p.first_response.clock).as_str().into()),
            Value::Integer(p.resolution.seconds),
            Value::Text(ClockKind::from(p.resolution.clock).as_str().into()),
            p.calendar_id.clone().map_or(Value::Null, Value::Text),
            Value::Text(rules_json(&p.escalation)),
            Value::Integer(i64::from(p.callback_days)),
            Value::Text(p.updated_at.clone()),
            Value::Integer(i64::from(p.remedy_percent)),
        ],
    )
}

pub fn create_policy(db: &Db, actor: &Actor, input: PolicyInput) -> Result<Policy, Error> {
    actor.require(Role::manages_service, "set up service levels")?;
    let id = secrets::new_id("pol")?;
    db.transaction(|db| {
        let policy = checked(db, &id, input)?;
        check_scope_free(db, &policy)?;
        write_policy(db, &policy, true)?;
        audit::record(
            db,
            actor,
            "policy.create",
            "policy",
            &id,
            None,
            Some(policy_json(&policy)),
        )?;
        // A new policy may match open complaints more closely than the one governing them.
        complaints::reselect_open(db, actor, &id)?;
        Ok(policy)
    })
}

pub fn update_policy(
    db: &Db,
    actor: &Actor,
    id: &str,
    input: PolicyInput,
) -> Result<Policy, Error> {
    actor.require(Role::manages_service, "set up service levels")?;
    db.transaction(|db| {
        let before = find_policy(db, id)?;
        let after = checked(db, id, input)?;
        check_scope_free(db, &after)?;
        write_policy(db, &after, false)?;
        audit::record(
            db,
            actor,
            "policy.update",
            "policy",
            id,
            Some(policy_json(&before)),
            Some(policy_json(&after)),
        )?;
        complaints::reselect_open(db, actor, id)?;
        Ok(after)
    })
}

pub fn get_policy(db: &Db, actor: &Actor, id: &str) -> Result<Policy, Error> {
    authorized_to_read(actor)?;
    find_policy(db, id)
}

pub fn list_policies(db: &Db, actor: &Actor) -> Result<Vec<Policy>, Error> {
    authorized_to_read(actor)?;
    let mut policies = all_policies(db)?;
    policies.sort_by(|a, b| {
        scope(b)
            .rank()
            .cmp(&scope(a).rank())
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(policies)
}
