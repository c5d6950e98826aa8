//! SLA clocks: what counts as time, timers that can pause, policies and escalation rules.
//!
//! Two clocks count time. The wall clock counts every second ("answered within 24 hours", the
//! rule that made complaints get answered). A business clock counts only a [`Calendar`]'s working
//! hours ("resolved within 2 working days"). Everything here takes instants as Unix seconds and
//! `now` from the caller: this crate never reads a clock.

use jiff::civil::Date;

use crate::calendar::{Calendar, MAX_INSTANT, MIN_INSTANT};
use crate::customer::{parse_required_text, Tier};
use crate::role::Role;
use crate::FieldError;

/// How far a business clock looks ahead for working time before it gives up: about ten years.
/// Only a calendar whose holidays swallow every working day can get there.
pub const MAX_WALK_DAYS: usize = 3700;

/// The shortest SLA target: one minute.
pub const MIN_TARGET_SECONDS: i64 = 60;

/// The longest SLA target: one year (365 days).
pub const MAX_TARGET_SECONDS: i64 = 31_536_000;

/// What counts as time for a target.
#[derive(Debug, Clone, Copy)]
pub enum Clock<'a> {
    /// Every second counts.
    Wall,
    /// Only the working hours of the calendar count.
    Business(&'a Calendar),
}

fn clamp(at: i64) -> i64 {
    at.clamp(MIN_INSTANT, MAX_INSTANT)
}

/// Walks a calendar's working time day by day, from the local day before an instant (a day's
/// hours can reach past a midnight the clocks moved, so the day before is looked at too).
struct Walk<'c> {
    calendar: &'c Calendar,
    next: Option<Date>,
    floor: i64,
    segments: Vec<(i64, i64)>,
}

impl<'c> Walk<'c> {
    fn new(calendar: &'c Calendar, from: i64) -> Self {
        let next = calendar
            .local_date(from)
            .map(|date| date.yesterday().unwrap_or(date));
        Walk {
            calendar,
            next,
            floor: i64::MIN,
            segments: Vec::with_capacity(4),
        }
    }

    /// The next local date and its working time as ordered, disjoint `[start, end)` instants.
    fn next_day(&mut self) -> Option<(Date, &[(i64, i64)])> {
        let date = self.next?;
        self.next = date.tomorrow().ok();
        self.calendar
            .segments_on(date, &mut self.floor, &mut self.segments);
        Some((date, self.segments.as_slice()))
    }
}

/// The seconds a clock counts in `[from, to)`; 0 when `to <= from`.
///
/// A business clock sums, over each local date, the overlap of `[from, to)` with that date's
/// working intervals, skipping holidays. Intervals become real instants through the calendar's
/// time zone, so `01:00–04:00` counts 2 hours on the night the clocks spring forward and 4 on the
/// night they fall back. The work is a few time-zone conversions per day in the range.
pub fn counted_between(clock: Clock<'_>, from: i64, to: i64) -> i64 {
    if to <= from {
        return 0;
    }
    match clock {
        Clock::Wall => to.saturating_sub(from),
        Clock::Business(calendar) => {
            let (from, to) = (clamp(from), clamp(to));
            if to <= from {
                return 0;
            }
            let last = calendar
                .local_date(to)
                .and_then(|date| date.tomorrow().ok());
            let mut walk = Walk::new(calendar, from);
            let mut total = 0;
            while let Some((date, segments)) = walk.next_day() {
                for &(start, end) in segments {
                    let (start, end) = (start.max(from), end.min(to));
                    if end > start {
                        total += end - start;
                    }
                }
                if last.is_some_and(|last| date >= last) {
                    break;
                }
            }
            total
        }
    }
}

/// The earliest instant `t >= from` with `counted_between(clock, from, t) == seconds`: the
/// deadline of a target of `seconds` started at `from`. `seconds <= 0` gives `from` itself.
///
/// The result is the *end* of counted time: a target used up exactly at closing time is due at
/// closing (18:00), not at the next opening, so a deadline is never later than it must be. A
/// business clock gives up after [`MAX_WALK_DAYS`] without finding enough working time (`None`):
/// holidays could in theory block every working day.
pub fn add_counted(clock: Clock<'_>, from: i64, seconds: i64) -> Option<i64> {
    if seconds <= 0 {
        return Some(from);
    }
    match clock {
        Clock::Wall => from.checked_add(seconds),
        Clock::Business(calendar) => {
            let from = clamp(from);
            let mut remaining = seconds;
            let mut walk = Walk::new(calendar, from);
            // The walk starts on the day before `from`'s local date, hence one day more.
            for _ in 0..=MAX_WALK_DAYS {
                let (_, segments) = walk.next_day()?;
                for &(start, end) in segments {
                    let start = start.max(from);
                    if end <= start {
                        continue;
                    }
                    let available = end - start;
                    if remaining <= available {
                        return Some(start + remaining);
                    }
                    remaining -= available;
                }
            }
            None
        }
    }
}

/// One SLA clock of a complaint (first response or resolution), as plain data the store keeps
/// in the complaint's row.
///
/// `consumed_seconds` is the counted time of earlier running segments (before pauses); a running
/// timer adds the time counted since `running_since`. `due_at` is stored too, and every method
/// that changes the timer recomputes it (the records sweep queries it without counting):
///
/// - met: `due_at` stays what it was at the moment of meeting;
/// - running with time left: the instant the target is used up;
/// - paused with time left: `None` — a paused clock has no deadline;
/// - target already used up (breached before a pause, or the target was lowered): the instant of
///   the breach stays if it is known (an earlier `due_at` no later than the current segment's
///   start, or the pause); otherwise the start of the current segment, or the moment of the
///   change when paused — the latest instant by which the breach had certainly happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// The target, in counted seconds.
    pub target_seconds: i64,
    /// Counted seconds of the running segments before the current one.
    pub consumed_seconds: i64,
    /// When the current running segment began; `None` while paused or met.
    pub running_since: Option<i64>,
    /// When the target was met (first response given, complaint resolved).
    pub met_at: Option<i64>,
    /// When the target is (or was) used up; see the type's documentation.
    pub due_at: Option<i64>,
}

impl Timer {
    /// A timer running from `at` with nothing consumed yet.
    pub fn start(clock: Clock<'_>, at: i64, target_seconds: i64) -> Timer {
        let mut timer = Timer {
            target_seconds,
            consumed_seconds: 0,
            running_since: Some(at),
            met_at: None,
            due_at: None,
        };
        timer.recompute(clock, at);
        timer
    }

    /// Stops counting at `at` (waiting on the customer), keeping what was counted. Does nothing
    /// when already paused or met.
    pub fn pause(&mut self, clock: Clock<'_>, at: i64) {
        if self.met_at.is_some() {
            return;
        }
        let Some(since) = self.running_since.take() else {
            return;
        };
        self.consumed_seconds += counted_between(clock, since, at);
        self.recompute(clock, at);
    }

    /// Counts again from `at` with the time that was left. Does nothing unless paused.
    pub fn resume(&mut self, clock: Clock<'_>, at: i64) {
        if !self.paused() {
            return;
        }
        self.running_since = Some(at);
        self.recompute(clock, at);
    }

    /// Records that the target was met at `at` and stops the clock. The first call wins: a
    /// second response does not move the first.
    pub fn meet(&mut self, clock: Clock<'_>, at: i64) {
        if self.met_at.is_some() {
            return;
        }
        if let Some(since) = self.running_since.take() {
            self.consumed_seconds += counted_between(clock, since, at);
        }
        self.met_at = Some(at);
        self.recompute(clock, at);
    }

    /// Reopens a met timer (a resolved complaint reopened) and runs it from `at`. What was
    /// consumed stays, so the clock resumes with the time that was left; a resolution that was
    /// already late stays breached at the same instant. Does nothing unless met.
    pub fn unmeet_and_resume(&mut self, clock: Clock<'_>, at: i64) {
        if self.met_at.is_none() {
            return;
        }
        self.met_at = None;
        self.running_since = Some(at);
        self.recompute(clock, at);
    }

    /// Changes the target (the priority or the policy changed) at `at`. Nothing else changes: the
    /// deadline follows from the new target. A met timer keeps its deadline. `at` only matters
    /// when a paused timer's new target is already used up: the breach is then dated `at` unless
    /// an earlier breach was recorded.
    pub fn retarget(&mut self, clock: Clock<'_>, at: i64, target_seconds: i64) {
        self.target_seconds = target_seconds;
        self.recompute(clock, at);
    }

    /// Sets `due_at` from the state; see the type's documentation.
    fn recompute(&mut self, clock: Clock<'_>, at: i64) {
        if self.met_at.is_some() {
            return;
        }
        let left = self.target_seconds.saturating_sub(self.consumed_seconds);
        self.due_at = if left > 0 {
            self.running_since
                .and_then(|since| add_counted(clock, since, left))
        } else {
            let latest = self.running_since.unwrap_or(at);
            match self.due_at {
                Some(breach) if breach <= latest => Some(breach),
                _ => Some(latest),
            }
        };
    }

    /// Counted seconds so far: frozen once met or while paused.
    pub fn elapsed(&self, clock: Clock<'_>, now: i64) -> i64 {
        let running = self
            .running_since
            .map_or(0, |since| counted_between(clock, since, now));
        self.consumed_seconds + running
    }

    /// Counted seconds left before the target is used up; negative once it is exceeded.
    pub fn remaining(&self, clock: Clock<'_>, now: i64) -> i64 {
        self.target_seconds - self.elapsed(clock, now)
    }

    /// Whether the target was missed: met after `due_at`, or not met and `now` is past it. A
    /// timer paused after its breach stays breached (it keeps `due_at`); one without a deadline
    /// (paused with time left) is not.
    pub fn breached(&self, now: i64) -> bool {
        match self.due_at {
            Some(due) => self.met_at.unwrap_or(now) > due,
            None => false,
        }
    }

    /// How late the target was or is, in *wall* seconds from `due_at` to the meeting or to `now`
    /// (0 when not breached). Lateness is what the customer waited beyond the promise, nights
    /// included; elapsed and remaining are counted time.
    pub fn late_seconds(&self, now: i64) -> i64 {
        match self.due_at {
            Some(due) if self.breached(now) => self.met_at.unwrap_or(now) - due,
            _ => 0,
        }
    }

    /// Whether the clock stands still without having been met.
    pub fn paused(&self) -> bool {
        self.met_at.is_none() && self.running_since.is_none()
    }

    /// Whether the target was met.
    pub fn is_met(&self) -> bool {
        self.met_at.is_some()
    }
}

crate::named_enum! {
    /// Which clock a target counts on.
    pub enum ClockKind as "clock" {
        Wall = "wall",
        Business = "business",
    }
}

impl ClockKind {
    /// The clock itself, counting `calendar`'s hours when it is the business clock.
    pub fn clock(self, calendar: &Calendar) -> Clock<'_> {
        match self {
            ClockKind::Wall => Clock::Wall,
            ClockKind::Business => Clock::Business(calendar),
        }
    }
}

/// An SLA target: so many seconds on a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Counted seconds, [`MIN_TARGET_SECONDS`] to [`MAX_TARGET_SECONDS`].
    pub seconds: i64,
    /// The clock they count on.
    pub clock: ClockKind,
}

crate::named_enum! {
    /// How urgent a complaint is; SLA policies may depend on it.
    pub enum Priority as "priority" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Urgent = "urgent",
    }
}

/// Which complaints an SLA policy is for: a priority, a customer tier, both, or neither (the
/// default policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PolicyScope {
    /// Only complaints of this priority, when given.
    pub priority: Option<Priority>,
    /// Only complaints of customers of this tier, when given.
    pub tier: Option<Tier>,
}

impl PolicyScope {
    /// Whether a complaint of this priority and customer tier falls under the scope: each part
    /// the scope names must be equal.
    pub fn matches(&self, priority: Priority, tier: Option<Tier>) -> bool {
        self.priority.is_none_or(|p| p == priority) && self.tier.is_none_or(|t| Some(t) == tier)
    }

    /// How specific the scope is: priority and tier 3, tier only 2, priority only 1, default 0.
    /// The tier outranks the priority because a tier is a commercial promise to the customer.
    pub fn rank(&self) -> u8 {
        match (self.priority, self.tier) {
            (Some(_), Some(_)) => 3,
            (None, Some(_)) => 2,
            (Some(_), None) => 1,
            (None, None) => 0,
        }
    }
}

/// Chooses the SLA policy for a complaint. A policy applies when every part of its scope (a
/// priority, a customer tier) equals the complaint's; among those that apply the most specific
/// wins: priority and tier, then tier only, then priority only, then the default policy (no
/// scope). `None` when none applies (no default policy). Two policies of the same scope should
/// not exist; if they do, the first in `policies` wins.
pub fn select_policy<'p, P>(
    policies: &'p [P],
    scope_of: impl Fn(&P) -> PolicyScope,
    priority: Priority,
    tier: Option<Tier>,
) -> Option<&'p P> {
    let mut best: Option<(&'p P, u8)> = None;
    for policy in policies {
        let scope = scope_of(policy);
        if !scope.matches(priority, tier) {
            continue;
        }
        let rank = scope.rank();
        if best.is_none_or(|(_, best_rank)| rank > best_rank) {
            best = Some((policy, rank));
        }
    }
    best.map(|(policy, _)| policy)
}

/// The like-for-like remedy, in percent: a replacement ships as many units as the complained
/// order line had. The least a policy allows, and its default.
pub const DEFAULT_REMEDY_PERCENT: u32 = 100;

/// The most generous remedy a policy may allow, in percent: ten times the line's units.
pub const MAX_REMEDY_PERCENT: u32 = 1000;

/// Checks a policy's remedy percent (how many units a replacement may ship, in percent of the
/// units on the complained order line): from [`DEFAULT_REMEDY_PERCENT`], like for like, up to
/// [`MAX_REMEDY_PERCENT`]. Errors name `field`.
pub fn parse_remedy_percent(field: &'static str, percent: u32) -> Result<u32, FieldError> {
    if (DEFAULT_REMEDY_PERCENT..=MAX_REMEDY_PERCENT).contains(&percent) {
        Ok(percent)
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be from {DEFAULT_REMEDY_PERCENT} (like for like) to {MAX_REMEDY_PERCENT} \
                 percent of the units on the order line"
            ),
        ))
    }
}

crate::named_enum! {
    /// What makes an escalation rule fire.
    pub enum EscalationTrigger as "trigger" {
        /// A share (`percent`) of the first-response target is used up, unanswered.
        FirstResponseWarning = "first_response_warning",
        /// The first-response target was missed.
        FirstResponseBreach = "first_response_breach",
        /// A share (`percent`) of the resolution target is used up, unresolved.
        ResolutionWarning = "resolution_warning",
        /// The resolution target was missed.
        ResolutionBreach = "resolution_breach",
        /// No first response `after_seconds` of wall time after filing ("24 hours").
        UnansweredFor = "unanswered_for",
    }
}

/// One step of an escalation ladder: when `trigger` fires, the complaint rises to `level`
/// (1 service lead, 2 sales GM, … as the desk configures them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationRule {
    /// The level the complaint rises to, from 1.
    pub level: u8,
    /// What makes the rule fire.
    pub trigger: EscalationTrigger,
    /// For warnings: the share of the target, 1–99 percent.
    pub percent: Option<u8>,
    /// For `unanswered_for`: wall seconds since filing.
    pub after_seconds: Option<i64>,
}

/// Checks an escalation ladder (field `escalation`): levels start at 1 and rise strictly in list
/// order, so escalation only ever goes up; warnings need a `percent` of 1–99 and nothing else;
/// `unanswered_for` needs `after_seconds` from a minute to a year and nothing else; breaches need
/// neither. An empty ladder is valid: the desk does not escalate.
pub fn validate_rules(rules: &[EscalationRule]) -> Result<(), FieldError> {
    let error = |message: String| Err(FieldError::new("escalation", message));
    let mut previous = 0u8;
    for rule in rules {
        let name = format!("level {} ({})", rule.level, rule.trigger);
        if previous == 0 && rule.level != 1 {
            return error(format!("{name}: levels must start at 1"));
        }
        if rule.level <= previous {
            return error(format!(
                "{name}: levels must rise in list order, after level {previous}"
            ));
        }
        previous = rule.level;
        match rule.trigger {
            EscalationTrigger::FirstResponseWarning | EscalationTrigger::ResolutionWarning => {
                if !rule.percent.is_some_and(|p| (1..=99).contains(&p)) {
                    return error(format!("{name} needs a percent from 1 to 99"));
                }
                if rule.after_seconds.is_some() {
                    return error(format!("{name} takes no after_seconds"));
                }
            }
            EscalationTrigger::UnansweredFor => {
                let window = MIN_TARGET_SECONDS..=MAX_TARGET_SECONDS;
                if !rule.after_seconds.is_some_and(|s| window.contains(&s)) {
                    return error(format!(
                        "{name} needs after_seconds from {MIN_TARGET_SECONDS} to \
                         {MAX_TARGET_SECONDS}"
                    ));
                }
                if rule.percent.is_some() {
                    return error(format!("{name} takes no percent"));
                }
            }
            EscalationTrigger::FirstResponseBreach | EscalationTrigger::ResolutionBreach => {
                if rule.percent.is_some() || rule.after_seconds.is_some() {
                    return error(format!("{name} takes neither percent nor after_seconds"));
                }
            }
        }
    }
    Ok(())
}

/// The id of the policy that matches every complaint no other policy matches.
pub const DEFAULT_POLICY: &str = "pol_default";

/// The most characters of a policy's name.
pub const MAX_POLICY_NAME_CHARS: usize = 100;

/// The most escalation levels one policy has.
pub const MAX_ESCALATION_LEVELS: usize = 10;

/// The most days after shipping a replacement that the agent's callback may be set.
pub const MAX_CALLBACK_DAYS: u32 = 90;

/// A target of a policy, as it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetDraft {
    pub seconds: i64,
    pub clock: ClockKind,
}

/// One level of a policy's escalation ladder with what it does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationStep {
    /// When it fires, and the level the complaint rises to.
    pub rule: EscalationRule,
    /// Reassign the complaint to an active member of staff with this role.
    pub assign_role: Option<Role>,
    /// Write a `complaint.escalated` notification.
    pub notify: bool,
}

/// An SLA policy's settings, as they were sent for a new policy or a change (its calendar is
/// looked up where it is stored).
#[derive(Debug, Clone)]
pub struct PolicyDraft<'a> {
    pub name: &'a str,
    pub priority: Option<Priority>,
    pub tier: Option<Tier>,
    pub first_response: TargetDraft,
    pub resolution: TargetDraft,
    pub calendar_id: Option<&'a str>,
    pub escalation: Vec<EscalationStep>,
    pub callback_days: u32,
    pub remedy_percent: u32,
    /// Whether these are the settings of the default policy ([`DEFAULT_POLICY`]), which has no
    /// scope; every other policy names a priority, a tier or both.
    pub is_default: bool,
}

/// An SLA policy's settings, every field past its rule, parsed whole and once: a name of 1–100
/// characters; targets of [`MIN_TARGET_SECONDS`] to [`MAX_TARGET_SECONDS`]; a calendar named
/// when a target counts business time; at most [`MAX_ESCALATION_LEVELS`] escalation levels
/// that pass [`validate_rules`], each reassigning (if at all) to a role that works with
/// customers; a callback at most [`MAX_CALLBACK_DAYS`] days after shipping; a remedy percent
/// that passes [`parse_remedy_percent`]; a scope only on a policy other than the default one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: String,
    pub priority: Option<Priority>,
    pub tier: Option<Tier>,
    pub first_response: Target,
    pub resolution: Target,
    /// As sent; whether it exists is checked where calendars are stored.
    pub calendar_id: Option<String>,
    pub escalation: Vec<EscalationStep>,
    pub callback_days: u32,
    pub remedy_percent: u32,
}

impl NewPolicy {
    /// Parses the whole policy. Errors name their field: `name`, `first_response.seconds`,
    /// `resolution.seconds`, `calendar_id`, `escalation`, `callback_days`, `remedy_percent`, and
    /// `priority` for the scope; with several fields at fault, the first in that order.
    pub fn parse(draft: PolicyDraft<'_>) -> Result<Self, FieldError> {
        let name = parse_required_text("name", draft.name, MAX_POLICY_NAME_CHARS)?;
        let first_response = policy_target("first_response.seconds", draft.first_response)?;
        let resolution = policy_target("resolution.seconds", draft.resolution)?;
        let business = [first_response.clock, resolution.clock].contains(&ClockKind::Business);
        if business && draft.calendar_id.is_none() {
            return Err(FieldError::new(
                "calendar_id",
                "is required when a target counts business time",
            ));
        }
        if draft.escalation.len() > MAX_ESCALATION_LEVELS {
            return Err(FieldError::new(
                "escalation",
                format!("must have at most {MAX_ESCALATION_LEVELS} levels"),
            ));
        }
        let rules: Vec<EscalationRule> = draft.escalation.iter().map(|step| step.rule).collect();
        validate_rules(&rules)?;
        if draft.escalation.iter().any(|step| {
            step.assign_role
                .is_some_and(|role| !role.works_with_customers())
        }) {
            return Err(FieldError::new(
                "escalation",
                "assign_role must be a role that works with customers",
            ));
        }
        if draft.callback_days > MAX_CALLBACK_DAYS {
            return Err(FieldError::new(
                "callback_days",
                format!("must be at most {MAX_CALLBACK_DAYS}"),
            ));
        }
        let remedy_percent = parse_remedy_percent("remedy_percent", draft.remedy_percent)?;
        let scoped = draft.priority.is_some() || draft.tier.is_some();
        if draft.is_default && scoped {
            return Err(FieldError::new(
                "priority",
                "the default policy matches every priority and tier",
            ));
        }
        if !draft.is_default && !scoped {
            return Err(FieldError::new(
                "priority",
                format!(
                    "a policy names a priority, a tier or both; the default policy is \
                     {DEFAULT_POLICY}"
                ),
            ));
        }
        Ok(Self {
            name,
            priority: draft.priority,
            tier: draft.tier,
            first_response,
            resolution,
            calendar_id: draft.calendar_id.map(str::to_owned),
            escalation: draft.escalation,
            callback_days: draft.callback_days,
            remedy_percent,
        })
    }
}

/// A policy's target: [`MIN_TARGET_SECONDS`] to [`MAX_TARGET_SECONDS`] on its clock. Errors
/// name `field`, the target's seconds.
fn policy_target(field: &'static str, draft: TargetDraft) -> Result<Target, FieldError> {
    if !(MIN_TARGET_SECONDS..=MAX_TARGET_SECONDS).contains(&draft.seconds) {
        return Err(FieldError::new(
            field,
            format!("must be between {MIN_TARGET_SECONDS} and {MAX_TARGET_SECONDS} seconds"),
        ));
    }
    Ok(Target {
        seconds: draft.seconds,
        clock: draft.clock,
    })
}

/// A breach is due at `due_at` unless the target was met in time; a late meeting keeps it due,
/// so a breach stays on record.
fn breach_due(timer: &Timer) -> Option<i64> {
    let due = timer.due_at?;
    match timer.met_at {
        Some(met) if met <= due => None,
        _ => Some(due),
    }
}

/// A warning is due when `percent` of the target is used up; only while the timer runs unmet.
fn warning_due(timer: &Timer, clock: Clock<'_>, percent: Option<u8>) -> Option<i64> {
    if timer.met_at.is_some() {
        return None;
    }
    let since = timer.running_since?;
    let threshold = timer.target_seconds.saturating_mul(i64::from(percent?)) / 100;
    let left = threshold - timer.consumed_seconds;
    if left > 0 {
        add_counted(clock, since, left)
    } else {
        Some(since)
    }
}

/// The instant a rule becomes (or became) due, or `None` if in the current state it cannot:
///
/// - breaches: the timer's `due_at`, unless the target was met by then (met late stays due: the
///   breach is recorded);
/// - warnings: while the timer runs unmet, the instant `percent` of its target is used up (the
///   start of the current running segment if that happened before a pause); `None` while paused
///   or once met;
/// - `unanswered_for`: `filed_at + after_seconds` in wall time, unless the first response came by
///   then (answering too late still counts).
pub fn rule_due_at(
    rule: &EscalationRule,
    filed_at: i64,
    first_response: &Timer,
    resolution: &Timer,
    fr_clock: Clock<'_>,
    res_clock: Clock<'_>,
) -> Option<i64> {
    match rule.trigger {
        EscalationTrigger::FirstResponseBreach => breach_due(first_response),
        EscalationTrigger::ResolutionBreach => breach_due(resolution),
        EscalationTrigger::FirstResponseWarning => {
            warning_due(first_response, fr_clock, rule.percent)
        }
        EscalationTrigger::ResolutionWarning => warning_due(resolution, res_clock, rule.percent),
        EscalationTrigger::UnansweredFor => {
            let deadline = filed_at.checked_add(rule.after_seconds?)?;
            match first_response.met_at {
                Some(met) if met <= deadline => None,
                _ => Some(deadline),
            }
        }
    }
}

/// The rules above `current_level` that are due by `now`, with the instant each became due, in
/// level order. Escalation never goes down: the caller raises the complaint to the highest level
/// returned, and records the lower ones due at the same sweep as fired too.
#[allow(clippy::too_many_arguments)]
pub fn due_levels<'r>(
    rules: &'r [EscalationRule],
    filed_at: i64,
    first_response: &Timer,
    resolution: &Timer,
    fr_clock: Clock<'_>,
    res_clock: Clock<'_>,
    current_level: u8,
    now: i64,
) -> Vec<(&'r EscalationRule, i64)> {
    let mut due: Vec<(&'r EscalationRule, i64)> = rules
        .iter()
        .filter(|rule| rule.level > current_level)
        .filter_map(|rule| {
            rule_due_at(
                rule,
                filed_at,
                first_response,
                resolution,
                fr_clock,
                res_clock,
            )
            .filter(|&at| at <= now)
            .map(|at| (rule, at))
        })
        .collect();
    due.sort_by_key(|(rule, _)| rule.level);
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testing::{at, berlin_sunday_nights, office, sh};
    use proptest::prelude::*;

    const HOUR: i64 = 3600;

    #[test]
    fn business_deadlines_skip_nights_lunch_weekends_and_holidays() {
        let plain = office(&[]);
        let friday_off = office(&["2026-11-27"]);
        // 2026-11-23 is a Monday; 2026-11-27 a Friday; 2026-11-30 the next Monday.
        let cases = [
            (
                "before opening",
                &plain,
                sh(11, 23, 7, 0),
                HOUR,
                sh(11, 23, 10, 0),
            ),
            (
                "after hours",
                &plain,
                sh(11, 23, 20, 0),
                HOUR,
                sh(11, 24, 10, 0),
            ),
            (
                "over the weekend",
                &plain,
                sh(11, 27, 17, 0),
                2 * HOUR,
                sh(11, 30, 10, 0),
            ),
            (
                "during lunch",
                &plain,
                sh(11, 23, 12, 30),
                30 * 60,
                sh(11, 23, 13, 30),
            ),
            (
                "two intervals",
                &plain,
                sh(11, 23, 11, 0),
                2 * HOUR,
                sh(11, 23, 14, 0),
            ),
            (
                "ends at closing",
                &plain,
                sh(11, 27, 17, 0),
                HOUR,
                sh(11, 27, 18, 0),
            ),
            (
                "holiday",
                &friday_off,
                sh(11, 26, 17, 0),
                2 * HOUR,
                sh(11, 30, 10, 0),
            ),
            (
                "a working day",
                &plain,
                sh(11, 23, 9, 0),
                8 * HOUR,
                sh(11, 23, 18, 0),
            ),
            (
                "24 working hours",
                &plain,
                sh(11, 23, 9, 0),
                24 * HOUR,
                sh(11, 25, 18, 0),
            ),
        ];
        for (case, calendar, from, seconds, due) in cases {
            let clock = Clock::Business(calendar);
            assert_eq!(add_counted(clock, from, seconds), Some(due), "{case}");
            assert_eq!(counted_between(clock, from, due), seconds, "{case}");
        }
    }

    #[test]
    fn counting_is_zero_for_empty_ranges_and_for_closed_time() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        assert_eq!(
            counted_between(clock, sh(11, 23, 10, 0), sh(11, 23, 10, 0)),
            0
        );
        assert_eq!(
            counted_between(clock, sh(11, 23, 11, 0), sh(11, 23, 10, 0)),
            0
        );
        assert_eq!(
            counted_between(clock, sh(11, 23, 12, 0), sh(11, 23, 13, 0)),
            0
        );
        assert_eq!(
            counted_between(clock, sh(11, 27, 18, 0), sh(11, 30, 9, 0)),
            0
        );
        assert_eq!(
            counted_between(clock, sh(11, 23, 0, 0), sh(11, 30, 0, 0)),
            40 * HOUR
        );
        assert_eq!(
            add_counted(clock, sh(11, 28, 3, 0), 0),
            Some(sh(11, 28, 3, 0))
        );
    }

    #[test]
    fn a_calendar_whose_holidays_cover_every_working_day_has_no_deadline() {
        let mut week: [Vec<crate::calendar::Interval>; 7] = Default::default();
        week[0] = vec![crate::calendar::Interval {
            start_minute: 9 * 60,
            end_minute: 10 * 60,
        }];
        let mut mondays = Vec::new();
        let mut monday = jiff::civil::date(2026, 11, 23);
        for _ in 0..540 {
            mondays.push(monday);
            for _ in 0..7 {
                monday = monday.tomorrow().unwrap();
            }
        }
        let calendar = Calendar::new("Asia/Shanghai", week, mondays).unwrap();
        let clock = Clock::Business(&calendar);
        assert_eq!(add_counted(clock, sh(11, 23, 8, 0), 60), None);
        let timer = Timer::start(clock, sh(11, 23, 8, 0), 60);
        assert_eq!(timer.due_at, None);
        assert!(!timer.breached(sh(12, 31, 0, 0)));
    }

    #[test]
    fn the_wall_clock_counts_every_second_whatever_the_calendar() {
        let filed = sh(11, 27, 17, 0);
        assert_eq!(
            add_counted(Clock::Wall, filed, 86_400),
            Some(filed + 86_400)
        );
        assert_eq!(counted_between(Clock::Wall, filed, filed + 86_400), 86_400);
        let timer = Timer::start(Clock::Wall, filed, 86_400);
        assert_eq!(timer.due_at, Some(filed + 86_400));
        assert!(!timer.breached(filed + 86_400));
        assert!(timer.breached(filed + 86_401));
    }

    #[test]
    fn dst_days_count_the_hours_that_really_passed() {
        let calendar = berlin_sunday_nights();
        let clock = Clock::Business(&calendar);
        let berlin = |month: i8, day: i8, hour: i8| at("Europe/Berlin", 2026, month, day, hour, 0);
        // Spring forward, Sunday 2026-03-29 02:00 → 03:00: 01:00–04:00 is two hours.
        assert_eq!(
            counted_between(clock, berlin(3, 29, 0), berlin(3, 30, 0)),
            7_200
        );
        assert_eq!(
            counted_between(clock, berlin(3, 23, 0), berlin(3, 30, 0)),
            7_200
        );
        assert_eq!(
            add_counted(clock, berlin(3, 29, 0), 7_200),
            Some(berlin(3, 29, 4))
        );
        // Fall back, Sunday 2026-10-25 03:00 → 02:00: 01:00–04:00 is four hours.
        assert_eq!(
            counted_between(clock, berlin(10, 25, 0), berlin(10, 26, 0)),
            14_400
        );
        assert_eq!(
            add_counted(clock, berlin(10, 25, 0), 14_400),
            Some(berlin(10, 25, 4))
        );
        assert_eq!(berlin(10, 25, 4) - berlin(10, 25, 1), 14_400);
    }

    #[test]
    fn a_pause_over_closing_time_carries_the_rest_to_the_next_morning() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        let mut timer = Timer::start(clock, sh(11, 23, 16, 0), 2 * HOUR);
        assert_eq!(timer.due_at, Some(sh(11, 23, 18, 0)));
        timer.pause(clock, sh(11, 23, 17, 0));
        assert!(timer.paused());
        assert_eq!(timer.consumed_seconds, HOUR);
        assert_eq!(timer.due_at, None);
        timer.pause(clock, sh(11, 23, 17, 30));
        assert_eq!(
            timer.consumed_seconds, HOUR,
            "pausing twice changes nothing"
        );
        assert_eq!(timer.elapsed(clock, sh(11, 24, 9, 30)), HOUR);
        assert!(!timer.breached(sh(11, 24, 9, 30)));
        timer.resume(clock, sh(11, 24, 10, 0));
        assert!(!timer.paused());
        assert_eq!(timer.due_at, Some(sh(11, 24, 11, 0)));
        assert_eq!(timer.remaining(clock, sh(11, 24, 10, 30)), 30 * 60);
        timer.resume(clock, sh(11, 24, 10, 30));
        assert_eq!(
            timer.running_since,
            Some(sh(11, 24, 10, 0)),
            "already running"
        );
    }

    #[test]
    fn a_reopened_timer_runs_on_with_the_time_that_was_left() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        let mut timer = Timer::start(clock, sh(11, 23, 9, 0), 8 * HOUR);
        timer.meet(clock, sh(11, 23, 13, 0));
        assert_eq!(timer.consumed_seconds, 3 * HOUR);
        assert_eq!(
            timer.elapsed(clock, sh(11, 30, 9, 0)),
            3 * HOUR,
            "frozen once met"
        );
        timer.meet(clock, sh(11, 23, 15, 0));
        assert_eq!(
            timer.met_at,
            Some(sh(11, 23, 13, 0)),
            "the first meeting wins"
        );
        timer.unmeet_and_resume(clock, sh(11, 24, 9, 0));
        assert_eq!(timer.met_at, None);
        assert_eq!(timer.running_since, Some(sh(11, 24, 9, 0)));
        assert_eq!(timer.due_at, Some(sh(11, 24, 15, 0)));
    }

    #[test]
    fn meeting_in_time_is_not_a_breach_and_meeting_late_is() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        let mut on_time = Timer::start(clock, sh(11, 23, 9, 0), HOUR);
        on_time.meet(clock, sh(11, 23, 10, 0));
        assert!(!on_time.breached(sh(12, 31, 0, 0)));
        assert_eq!(on_time.late_seconds(sh(12, 31, 0, 0)), 0);

        let mut late = Timer::start(clock, sh(11, 27, 17, 0), HOUR);
        assert_eq!(late.due_at, Some(sh(11, 27, 18, 0)));
        late.meet(clock, sh(11, 30, 9, 30));
        assert!(late.breached(sh(12, 31, 0, 0)));
        // Lateness is wall time (Friday 18:00 to Monday 09:30); elapsed is counted time.
        assert_eq!(late.late_seconds(sh(12, 31, 0, 0)), 63 * HOUR + 30 * 60);
        assert_eq!(late.elapsed(clock, sh(12, 31, 0, 0)), HOUR + 30 * 60);
    }

    #[test]
    fn a_timer_paused_after_its_breach_stays_breached() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        let mut timer = Timer::start(clock, sh(11, 23, 9, 0), HOUR);
        timer.pause(clock, sh(11, 23, 11, 0));
        assert_eq!(timer.consumed_seconds, 2 * HOUR);
        assert_eq!(timer.due_at, Some(sh(11, 23, 10, 0)));
        assert!(timer.breached(sh(11, 24, 9, 0)));
        assert_eq!(timer.late_seconds(sh(11, 24, 9, 0)), 23 * HOUR);
        assert_eq!(timer.remaining(clock, sh(11, 24, 9, 0)), -HOUR);
        timer.resume(clock, sh(11, 24, 9, 0));
        assert_eq!(timer.due_at, Some(sh(11, 23, 10, 0)));
    }

    #[test]
    fn retargeting_moves_the_deadline() {
        let calendar = office(&[]);
        let clock = Clock::Business(&calendar);
        let mut timer = Timer::start(clock, sh(11, 23, 9, 0), HOUR);
        assert_eq!(timer.due_at, Some(sh(11, 23, 10, 0)));
        timer.retarget(clock, sh(11, 23, 9, 30), 4 * HOUR);
        assert_eq!(timer.due_at, Some(sh(11, 23, 14, 0)));
        timer.retarget(clock, sh(11, 23, 9, 40), 30 * 60);
        assert_eq!(timer.due_at, Some(sh(11, 23, 9, 30)));
        assert!(timer.breached(sh(11, 23, 9, 40)));
        timer.meet(clock, sh(11, 23, 9, 45));
        timer.retarget(clock, sh(11, 23, 9, 50), 8 * HOUR);
        assert_eq!(
            timer.due_at,
            Some(sh(11, 23, 9, 30)),
            "a met timer keeps its deadline"
        );
    }

    #[test]
    fn a_remedy_is_like_for_like_up_to_ten_times_the_line() {
        for percent in [100, 150, 1000] {
            assert_eq!(parse_remedy_percent("remedy_percent", percent), Ok(percent));
        }
        for percent in [0, 50, 99, 1001, u32::MAX] {
            let err = parse_remedy_percent("remedy_percent", percent).unwrap_err();
            assert_eq!(err.field, "remedy_percent", "{percent}");
        }
    }

    struct Policy {
        name: &'static str,
        scope: PolicyScope,
    }

    fn policy(name: &'static str, priority: Option<Priority>, tier: Option<Tier>) -> Policy {
        Policy {
            name,
            scope: PolicyScope { priority, tier },
        }
    }

    #[test]
    fn the_most_specific_matching_policy_wins() {
        let policies = [
            policy("default", None, None),
            policy("urgent", Some(Priority::Urgent), None),
            policy("gold", None, Some(Tier::Gold)),
            policy("urgent gold", Some(Priority::Urgent), Some(Tier::Gold)),
        ];
        let pick = |policies: &[Policy], priority: Priority, tier: Option<Tier>| {
            select_policy(policies, |p| p.scope, priority, tier).map(|p| p.name)
        };
        assert_eq!(
            pick(&policies[..], Priority::Urgent, Some(Tier::Gold)),
            Some("urgent gold")
        );
        assert_eq!(
            pick(&policies[..], Priority::Low, Some(Tier::Gold)),
            Some("gold")
        );
        assert_eq!(
            pick(&policies[..], Priority::Urgent, Some(Tier::Silver)),
            Some("urgent")
        );
        assert_eq!(pick(&policies[..], Priority::Urgent, None), Some("urgent"));
        assert_eq!(pick(&policies[..], Priority::Low, None), Some("default"));
        assert_eq!(
            pick(&policies[1..], Priority::Low, Some(Tier::Silver)),
            None
        );
        let twins = [policy("first", None, None), policy("second", None, None)];
        assert_eq!(pick(&twins[..], Priority::High, None), Some("first"));
    }

    fn rule(
        level: u8,
        trigger: EscalationTrigger,
        percent: Option<u8>,
        after_seconds: Option<i64>,
    ) -> EscalationRule {
        EscalationRule {
            level,
            trigger,
            percent,
            after_seconds,
        }
    }

    #[test]
    fn escalation_ladders_are_checked() {
        use super::EscalationTrigger::*;
        let good = [
            rule(1, FirstResponseWarning, Some(50), None),
            rule(2, UnansweredFor, None, Some(86_400)),
            rule(3, ResolutionBreach, None, None),
        ];
        assert_eq!(validate_rules(&good), Ok(()));
        assert_eq!(validate_rules(&[]), Ok(()));
        let bad: [&[EscalationRule]; 9] = [
            &[rule(2, FirstResponseBreach, None, None)],
            &[rule(0, FirstResponseBreach, None, None)],
            &[
                rule(1, FirstResponseBreach, None, None),
                rule(1, ResolutionBreach, None, None),
            ],
            &[rule(1, FirstResponseWarning, None, None)],
            &[rule(1, ResolutionWarning, Some(100), None)],
            &[rule(1, ResolutionWarning, Some(50), Some(3600))],
            &[rule(1, UnansweredFor, None, Some(30))],
            &[rule(1, UnansweredFor, Some(50), Some(86_400))],
            &[rule(1, FirstResponseBreach, Some(50), None)],
        ];
        for rules in bad {
            let err = validate_rules(rules).unwrap_err();
            assert_eq!(err.field, "escalation", "{rules:?}");
        }
    }

    fn step(rule: EscalationRule, assign_role: Option<Role>) -> EscalationStep {
        EscalationStep {
            rule,
            assign_role,
            notify: true,
        }
    }

    /// A valid policy for urgent complaints: wall-clock targets, one escalation level.
    fn urgent_policy() -> PolicyDraft<'static> {
        PolicyDraft {
            name: " Urgent: two hours ",
            priority: Some(Priority::Urgent),
            tier: None,
            first_response: TargetDraft {
                seconds: 2 * HOUR,
                clock: ClockKind::Wall,
            },
            resolution: TargetDraft {
                seconds: 16 * HOUR,
                clock: ClockKind::Wall,
            },
            calendar_id: None,
            escalation: vec![step(
                rule(1, EscalationTrigger::FirstResponseBreach, None, None),
                Some(Role::ServiceLead),
            )],
            callback_days: 3,
            remedy_percent: DEFAULT_REMEDY_PERCENT,
            is_default: false,
        }
    }

    #[test]
    fn a_policy_is_parsed_whole() {
        let parsed = NewPolicy::parse(urgent_policy()).unwrap();
        assert_eq!(
            parsed,
            NewPolicy {
                name: "Urgent: two hours".into(),
                priority: Some(Priority::Urgent),
                tier: None,
                first_response: Target {
                    seconds: 2 * HOUR,
                    clock: ClockKind::Wall
                },
                resolution: Target {
                    seconds: 16 * HOUR,
                    clock: ClockKind::Wall
                },
                calendar_id: None,
                escalation: urgent_policy().escalation,
                callback_days: 3,
                remedy_percent: 100,
            }
        );
        // Business time with its calendar; the default policy without a scope.
        let business = NewPolicy::parse(PolicyDraft {
            first_response: TargetDraft {
                seconds: MIN_TARGET_SECONDS,
                clock: ClockKind::Business,
            },
            calendar_id: Some("cal_1"),
            ..urgent_policy()
        })
        .unwrap();
        assert_eq!(business.calendar_id.as_deref(), Some("cal_1"));
        let default = NewPolicy::parse(PolicyDraft {
            priority: None,
            is_default: true,
            escalation: Vec::new(),
            ..urgent_policy()
        })
        .unwrap();
        assert_eq!((default.priority, default.tier), (None, None));
        let gold = NewPolicy::parse(PolicyDraft {
            priority: None,
            tier: Some(Tier::Gold),
            remedy_percent: MAX_REMEDY_PERCENT,
            callback_days: MAX_CALLBACK_DAYS,
            ..urgent_policy()
        });
        assert!(gold.is_ok(), "{gold:?}");
    }

    #[test]
    fn each_bad_field_of_a_policy_is_named() {
        let long_name = "x".repeat(MAX_POLICY_NAME_CHARS + 1);
        let wall = |seconds| TargetDraft {
            seconds,
            clock: ClockKind::Wall,
        };
        let eleven_levels: Vec<EscalationStep> = (1..=11)
            .map(|level| {
                step(
                    rule(level, EscalationTrigger::ResolutionBreach, None, None),
                    None,
                )
            })
            .collect();
        let cases: Vec<(PolicyDraft<'_>, &str)> = vec![
            (
                PolicyDraft {
                    name: "  ",
                    ..urgent_policy()
                },
                "name",
            ),
            (
                PolicyDraft {
                    name: long_name.as_str(),
                    ..urgent_policy()
                },
                "name",
            ),
            (
                PolicyDraft {
                    first_response: wall(MIN_TARGET_SECONDS - 1),
                    ..urgent_policy()
                },
                "first_response.seconds",
            ),
            (
                PolicyDraft {
                    resolution: wall(MAX_TARGET_SECONDS + 1),
                    ..urgent_policy()
                },
                "resolution.seconds",
            ),
            (
                PolicyDraft {
                    resolution: TargetDraft {
                        seconds: HOUR,
                        clock: ClockKind::Business,
                    },
                    ..urgent_policy()
                },
                "calendar_id",
            ),
            (
                PolicyDraft {
                    escalation: eleven_levels,
                    ..urgent_policy()
                },
                "escalation",
            ),
            (
                PolicyDraft {
                    escalation: vec![step(
                        rule(2, EscalationTrigger::FirstResponseBreach, None, None),
                        None,
                    )],
                    ..urgent_policy()
                },
                "escalation",
            ),
            (
                PolicyDraft {
                    escalation: vec![step(
                        rule(1, EscalationTrigger::FirstResponseBreach, None, None),
                        Some(Role::Warehouse),
                    )],
                    ..urgent_policy()
                },
                "escalation",
            ),
            (
                PolicyDraft {
                    callback_days: MAX_CALLBACK_DAYS + 1,
                    ..urgent_policy()
                },
                "callback_days",
            ),
            (
                PolicyDraft {
                    remedy_percent: 99,
                    ..urgent_policy()
                },
                "remedy_percent",
            ),
            (
                PolicyDraft {
                    priority: None,
                    ..urgent_policy()
                },
                "priority",
            ),
            (
                PolicyDraft {
                    is_default: true,
                    ..urgent_policy()
                },
                "priority",
            ),
        ];
        for (draft, field) in cases {
            let shown = format!("{draft:?}");
            assert_eq!(NewPolicy::parse(draft).unwrap_err().field, field, "{shown}");
        }
        let unscoped = NewPolicy::parse(PolicyDraft {
            priority: None,
            ..urgent_policy()
        })
        .unwrap_err();
        assert_eq!(
            unscoped.message,
            "a policy names a priority, a tier or both; the default policy is pol_default"
        );
        let short = NewPolicy::parse(PolicyDraft {
            first_response: wall(1),
            ..urgent_policy()
        })
        .unwrap_err();
        assert_eq!(short.message, "must be between 60 and 31536000 seconds");
        let no_calendar = NewPolicy::parse(PolicyDraft {
            first_response: TargetDraft {
                seconds: HOUR,
                clock: ClockKind::Business,
            },
            ..urgent_policy()
        })
        .unwrap_err();
        assert_eq!(
            no_calendar.message,
            "is required when a target counts business time"
        );
    }

    #[test]
    fn with_several_bad_fields_a_policy_names_the_first() {
        let all_bad = || PolicyDraft {
            name: "",
            priority: None,
            tier: None,
            first_response: TargetDraft {
                seconds: 0,
                clock: ClockKind::Business,
            },
            resolution: TargetDraft {
                seconds: 0,
                clock: ClockKind::Wall,
            },
            calendar_id: None,
            escalation: vec![step(
                rule(3, EscalationTrigger::ResolutionBreach, None, None),
                Some(Role::Ops),
            )],
            callback_days: 1000,
            remedy_percent: 0,
            is_default: false,
        };
        let error = |draft: PolicyDraft<'_>| NewPolicy::parse(draft).unwrap_err().field;
        assert_eq!(error(all_bad()), "name");
        let named = || PolicyDraft {
            name: "n",
            ..all_bad()
        };
        assert_eq!(error(named()), "first_response.seconds");
        let timed = || PolicyDraft {
            first_response: TargetDraft {
                seconds: HOUR,
                clock: ClockKind::Business,
            },
            resolution: TargetDraft {
                seconds: HOUR,
                clock: ClockKind::Wall,
            },
            ..named()
        };
        assert_eq!(error(timed()), "calendar_id");
        let with_calendar = || PolicyDraft {
            calendar_id: Some("cal_1"),
            ..timed()
        };
        assert_eq!(error(with_calendar()), "escalation");
        assert_eq!(
            error(PolicyDraft {
                escalation: Vec::new(),
                ..with_calendar()
            }),
            "callback_days"
        );
        assert_eq!(
            error(PolicyDraft {
                escalation: Vec::new(),
                callback_days: 0,
                ..with_calendar()
            }),
            "remedy_percent"
        );
        assert_eq!(
            error(PolicyDraft {
                escalation: Vec::new(),
                callback_days: 0,
                remedy_percent: DEFAULT_REMEDY_PERCENT,
                ..with_calendar()
            }),
            "priority"
        );
    }

    fn wall_timers(filed: i64) -> (Timer, Timer) {
        (
            Timer::start(Clock::Wall, filed, HOUR),
            Timer::start(Clock::Wall, filed, 86_400),
        )
    }

    #[test]
    fn each_trigger_becomes_due_at_its_instant() {
        use super::EscalationTrigger::*;
        let filed = sh(11, 23, 9, 0);
        let due = |rule: &EscalationRule, fr: &Timer, res: &Timer| {
            rule_due_at(rule, filed, fr, res, Clock::Wall, Clock::Wall)
        };
        let (fr, res) = wall_timers(filed);
        let fr_breach = rule(1, FirstResponseBreach, None, None);
        let fr_warning = rule(1, FirstResponseWarning, Some(50), None);
        let unanswered = rule(1, UnansweredFor, None, Some(86_400));
        let res_breach = rule(1, ResolutionBreach, None, None);
        let res_warning = rule(1, ResolutionWarning, Some(75), None);
        assert_eq!(due(&fr_breach, &fr, &res), Some(filed + HOUR));
        assert_eq!(due(&fr_warning, &fr, &res), Some(filed + 1800));
        assert_eq!(due(&unanswered, &fr, &res), Some(filed + 86_400));
        assert_eq!(due(&res_breach, &fr, &res), Some(filed + 86_400));
        assert_eq!(due(&res_warning, &fr, &res), Some(filed + 64_800));

        // Answered in time: nothing about the first response can become due any more.
        let mut answered = fr;
        answered.meet(Clock::Wall, filed + 600);
        assert_eq!(due(&fr_breach, &answered, &res), None);
        assert_eq!(due(&fr_warning, &answered, &res), None);
        assert_eq!(due(&unanswered, &answered, &res), None);

        // Answered late: the breaches stay due when they happened.
        let mut answered_late = fr;
        answered_late.meet(Clock::Wall, filed + 90_000);
        assert_eq!(due(&fr_breach, &answered_late, &res), Some(filed + HOUR));
        assert_eq!(due(&unanswered, &answered_late, &res), Some(filed + 86_400));
        assert_eq!(due(&fr_warning, &answered_late, &res), None);

        // A paused clock warns of nothing; one that passed the threshold before its pause is due
        // again as soon as it runs.
        let mut waiting = res;
        waiting.pause(Clock::Wall, filed + 70_000);
        assert_eq!(due(&res_warning, &fr, &waiting), None);
        waiting.resume(Clock::Wall, filed + 100_000);
        assert_eq!(due(&res_warning, &fr, &waiting), Some(filed + 100_000));

        // On a business clock the warning counts working hours: half of 8 h from Monday 09:00.
        let calendar = office(&[]);
        let business = Clock::Business(&calendar);
        let res = Timer::start(business, filed, 8 * HOUR);
        let half = rule(1, ResolutionWarning, Some(50), None);
        assert_eq!(
            rule_due_at(&half, filed, &fr, &res, Clock::Wall, business),
            Some(sh(11, 23, 14, 0))
        );
    }

    #[test]
    fn due_levels_only_ever_go_up() {
        use super::EscalationTrigger::*;
        let filed = sh(11, 23, 9, 0);
        let (fr, res) = wall_timers(filed);
        let rules = [
            rule(1, FirstResponseBreach, None, None),
            rule(2, UnansweredFor, None, Some(86_400)),
            rule(3, ResolutionBreach, None, None),
        ];
        let levels = |current: u8, now: i64| {
            due_levels(
                &rules,
                filed,
                &fr,
                &res,
                Clock::Wall,
                Clock::Wall,
                current,
                now,
            )
            .into_iter()
            .map(|(rule, at)| (rule.level, at))
            .collect::<Vec<_>>()
        };
        let day_later = filed + 90_000;
        assert_eq!(
            levels(0, day_later),
            [
                (1u8, filed + HOUR),
                (2, filed + 86_400),
                (3, filed + 86_400)
            ]
        );
        assert_eq!(
            levels(1, day_later),
            [(2u8, filed + 86_400), (3, filed + 86_400)]
        );
        assert!(levels(3, day_later).is_empty());
        assert_eq!(levels(0, filed + 4000), [(1u8, filed + HOUR)]);
        assert!(levels(1, filed + 4000).is_empty());
        assert_eq!(
            levels(0, filed + HOUR),
            [(1u8, filed + HOUR)],
            "due at the instant"
        );
        for current in 0..=3 {
            assert!(levels(current, day_later)
                .iter()
                .all(|&(level, _)| level > current));
        }
    }

    /// Instants in 2026, Shanghai time.
    const YEAR_2026: std::ops::Range<i64> = 1_767_196_800..1_798_732_800;

    fn property_calendar() -> Calendar {
        office(&["2026-10-01"])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_larger_target_never_moves_the_deadline_earlier(
            from in YEAR_2026,
            a in 60i64..=200_000,
            b in 60i64..=200_000
        ) {
            let calendar = property_calendar();
            let clock = Clock::Business(&calendar);
            let early = add_counted(clock, from, a.min(b)).expect("a deadline");
            let late = add_counted(clock, from, a.max(b)).expect("a deadline");
            prop_assert!(early <= late);
        }

        #[test]
        fn counting_up_to_the_deadline_gives_back_the_target(
            from in YEAR_2026,
            seconds in 60i64..=200_000
        ) {
            let calendar = property_calendar();
            let clock = Clock::Business(&calendar);
            let due = add_counted(clock, from, seconds).expect("a deadline");
            prop_assert!(due > from);
            prop_assert_eq!(counted_between(clock, from, due), seconds);
            prop_assert_eq!(counted_between(clock, from, due - 1), seconds - 1);
        }

        #[test]
        fn a_pause_delays_the_deadline_by_its_counted_length(
            from in YEAR_2026,
            target in 60i64..=200_000,
            before_pause in 0i64..2_000_000,
            pause in 0i64..1_000_000
        ) {
            let calendar = property_calendar();
            let clock = Clock::Business(&calendar);
            let mut timer = Timer::start(clock, from, target);
            let old_due = timer.due_at.expect("a deadline");
            let paused_at = from + before_pause % (old_due - from);
            let resumed_at = paused_at + pause;
            timer.pause(clock, paused_at);
            timer.resume(clock, resumed_at);
            let new_due = timer.due_at.expect("a deadline");
            prop_assert!(new_due >= old_due);
            prop_assert_eq!(
                counted_between(clock, from, new_due) - counted_between(clock, paused_at, resumed_at),
                target
            );
        }

        #[test]
        fn elapsed_and_remaining_add_up_to_the_target(
            from in YEAR_2026,
            target in 60i64..=200_000,
            later in 0i64..2_000_000
        ) {
            let calendar = property_calendar();
            let clock = Clock::Business(&calendar);
            let timer = Timer::start(clock, from, target);
            let due = timer.due_at.expect("a deadline");
            let now = from + later % (due - from + 1);
            prop_assert_eq!(timer.elapsed(clock, now) + timer.remaining(clock, now), target);
            prop_assert!(timer.elapsed(clock, now) <= target);
            prop_assert!(!timer.breached(now));
        }
    }
}
