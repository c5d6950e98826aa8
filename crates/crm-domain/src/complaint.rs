//! The complaint workflow: statuses, the actions that move between them, what each move does to
//! the SLA clocks, and what closing requires.
//!
//! A complaint has two [`Timer`]s, both started when it is filed: the first response and the
//! resolution. The workflow decides when they stop, pause and run again; [`crate::sla`] decides
//! what that means for deadlines and escalation.

use crate::customer::parse_required_text;
use crate::sla::{Clock, Timer};
use crate::FieldError;

crate::named_enum! {
    /// Where a complaint stands.
    pub enum ComplaintStatus as "complaint status" {
        /// Filed, nobody has answered yet.
        New = "new",
        /// Someone told the customer it is being looked at.
        Acknowledged = "acknowledged",
        /// Being worked on.
        InProgress = "in_progress",
        /// Waiting for the customer (a photo, a return, a confirmation): the resolution clock
        /// stands still.
        WaitingOnCustomer = "waiting_on_customer",
        /// Remedied; may still be reopened.
        Resolved = "resolved",
        /// Signed off with cause, result and prevention; archived, never deleted.
        Closed = "closed",
    }
}

crate::named_enum! {
    /// Where a complaint came in.
    pub enum ComplaintChannel as "channel" {
        Portal = "portal",
        Phone = "phone",
        Visit = "visit",
        Email = "email",
    }
}

crate::named_enum! {
    /// What staff do to a complaint.
    pub enum ComplaintAction as "action" {
        Acknowledge = "acknowledge",
        Start = "start",
        WaitOnCustomer = "wait_on_customer",
        Resume = "resume",
        Resolve = "resolve",
        Close = "close",
        Reopen = "reopen",
    }
}

crate::named_enum! {
    /// The work queues of a phone: which complaints a list shows.
    pub enum ComplaintQueue as "queue" {
        /// Assigned to the caller.
        Mine = "mine",
        /// Everyone's for managers; the caller's own for others.
        Team = "team",
        /// Open and not breached, with a deadline within the given minutes.
        BreachingSoon = "breaching_soon",
        /// Open with a breached clock.
        Breached = "breached",
        /// Waiting on the customer.
        WaitingOnCustomer = "waiting_on_customer",
    }
}

/// An action that the complaint's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} complaint cannot {action}")]
pub struct IllegalTransition {
    /// The status the complaint is in.
    pub from: ComplaintStatus,
    /// The action that was refused.
    pub action: ComplaintAction,
}

/// The status an action leads to, or why it is not allowed.
///
/// | from | acknowledge | start | wait_on_customer | resume | resolve | close | reopen |
/// |---|---|---|---|---|---|---|---|
/// | new | acknowledged | in_progress | waiting_on_customer | | resolved | | |
/// | acknowledged | | in_progress | waiting_on_customer | | resolved | | |
/// | in_progress | | | waiting_on_customer | | resolved | | |
/// | waiting_on_customer | | | | in_progress | resolved | | |
/// | resolved | | | | | | closed | in_progress |
/// | closed | | | | | | | |
///
/// Steps may be skipped forward (a phone complaint can be resolved on the call) but never
/// repeated; a closed complaint is final.
pub fn transition(
    from: ComplaintStatus,
    action: ComplaintAction,
) -> Result<ComplaintStatus, IllegalTransition> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    let to = match (from, action) {
        (S::New, A::Acknowledge) => S::Acknowledged,
        (S::New | S::Acknowledged, A::Start) => S::InProgress,
        (S::New | S::Acknowledged | S::InProgress, A::WaitOnCustomer) => S::WaitingOnCustomer,
        (S::WaitingOnCustomer, A::Resume) => S::InProgress,
        (S::New | S::Acknowledged | S::InProgress | S::WaitingOnCustomer, A::Resolve) => {
            S::Resolved
        }
        (S::Resolved, A::Close) => S::Closed,
        (S::Resolved, A::Reopen) => S::InProgress,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

/// Whether this action is the complaint's first response: any action that leaves `new` is (an
/// acknowledgement, starting work, asking the customer, or resolving it outright), because each
/// tells the customer someone has it. That stops the first-response clock.
pub fn is_first_response(from: ComplaintStatus, action: ComplaintAction) -> bool {
    from == ComplaintStatus::New && transition(from, action).is_ok()
}

/// Whether the complaint still needs work (neither resolved nor closed).
pub fn is_open(status: ComplaintStatus) -> bool {
    !matches!(status, ComplaintStatus::Resolved | ComplaintStatus::Closed)
}

/// What a move between statuses does to the two SLA clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockEffect {
    /// Leaving `new`: the first response was given.
    pub meet_first_response: bool,
    /// Entering `waiting_on_customer`: the customer's time is not the desk's.
    pub pause_resolution: bool,
    /// Back from `waiting_on_customer` to `in_progress`: the clock runs on with what was left.
    pub resume_resolution: bool,
    /// Entering `resolved`: the resolution target is met.
    pub meet_resolution: bool,
    /// Reopened (`resolved` back to `in_progress`): the resolution clock runs again with what was
    /// left, and a late resolution stays late.
    pub reopen_resolution: bool,
}

/// The clock effects of moving from `from` to `to` (as [`transition`] allows).
pub fn effects(from: ComplaintStatus, to: ComplaintStatus) -> ClockEffect {
    use ComplaintStatus as S;
    ClockEffect {
        meet_first_response: from == S::New && to != S::New,
        pause_resolution: to == S::WaitingOnCustomer && from != S::WaitingOnCustomer,
        resume_resolution: from == S::WaitingOnCustomer && to == S::InProgress,
        meet_resolution: to == S::Resolved && from != S::Resolved,
        reopen_resolution: from == S::Resolved && to == S::InProgress,
    }
}

impl ClockEffect {
    /// Applies the effects at `at` to a complaint's timers, first response first. Each timer
    /// method ignores what does not apply to its state (meeting twice, pausing a paused clock).
    pub fn apply(
        self,
        first_response: &mut Timer,
        resolution: &mut Timer,
        first_response_clock: Clock<'_>,
        resolution_clock: Clock<'_>,
        at: i64,
    ) {
        if self.meet_first_response {
            first_response.meet(first_response_clock, at);
        }
        if self.pause_resolution {
            resolution.pause(resolution_clock, at);
        }
        if self.resume_resolution {
            resolution.resume(resolution_clock, at);
        }
        if self.meet_resolution {
            resolution.meet(resolution_clock, at);
        }
        if self.reopen_resolution {
            resolution.unmeet_and_resume(resolution_clock, at);
        }
    }
}

/// The most characters of each closing text.
pub const MAX_CLOSURE_CHARS: usize = 2000;

/// What a complaint must record to be closed (scenario B): the cause, the result for the
/// customer, and the measure against recurrence — the archive is only useful with all three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// Why it happened.
    pub cause: String,
    /// What the customer got.
    pub result: String,
    /// What keeps it from happening again.
    pub prevention: String,
}

impl Closure {
    /// Checks the closing texts: each required, trimmed, 1–2000 characters, no control
    /// characters. Errors name `cause`, `result` or `prevention`.
    pub fn parse(
        cause: Option<&str>,
        result: Option<&str>,
        prevention: Option<&str>,
    ) -> Result<Closure, FieldError> {
        let required = |field: &'static str, raw: Option<&str>| match raw {
            Some(raw) => parse_required_text(field, raw, MAX_CLOSURE_CHARS),
            None => Err(FieldError::new(field, "must not be empty")),
        };
        Ok(Closure {
            cause: required("cause", cause)?,
            result: required("result", result)?,
            prevention: required("prevention", prevention)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{ComplaintAction as A, ComplaintStatus as S};

    /// The table of the documentation, written out independently of the `match`.
    const LEGAL: &[(ComplaintStatus, ComplaintAction, ComplaintStatus)] = &[
        (S::New, A::Acknowledge, S::Acknowledged),
        (S::New, A::Start, S::InProgress),
        (S::New, A::WaitOnCustomer, S::WaitingOnCustomer),
        (S::New, A::Resolve, S::Resolved),
        (S::Acknowledged, A::Start, S::InProgress),
        (S::Acknowledged, A::WaitOnCustomer, S::WaitingOnCustomer),
        (S::Acknowledged, A::Resolve, S::Resolved),
        (S::InProgress, A::WaitOnCustomer, S::WaitingOnCustomer),
        (S::InProgress, A::Resolve, S::Resolved),
        (S::WaitingOnCustomer, A::Resume, S::InProgress),
        (S::WaitingOnCustomer, A::Resolve, S::Resolved),
        (S::Resolved, A::Close, S::Closed),
        (S::Resolved, A::Reopen, S::InProgress),
    ];

    #[test]
    fn every_status_and_action_follows_the_table() {
        let mut legal = 0;
        for &from in S::ALL {
            for &action in A::ALL {
                let expected = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|&(_, _, to)| to)
                    .ok_or(IllegalTransition { from, action });
                assert_eq!(transition(from, action), expected, "{from} {action}");
                legal += usize::from(expected.is_ok());
            }
        }
        assert_eq!(legal, LEGAL.len());
        assert_eq!(S::ALL.len() * A::ALL.len(), 42);
    }

    #[test]
    fn an_illegal_action_says_what_was_refused() {
        let err = transition(S::Closed, A::Reopen).unwrap_err();
        assert_eq!(err.to_string(), "a closed complaint cannot reopen");
        let err = transition(S::WaitingOnCustomer, A::WaitOnCustomer).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a waiting_on_customer complaint cannot wait_on_customer"
        );
    }

    #[test]
    fn any_way_out_of_new_is_the_first_response() {
        for &action in A::ALL {
            let legal = transition(S::New, action).is_ok();
            assert_eq!(is_first_response(S::New, action), legal, "{action}");
        }
        assert!(!is_first_response(S::Acknowledged, A::Start));
        assert!(!is_first_response(S::Resolved, A::Reopen));
    }

    #[test]
    fn only_resolved_and_closed_complaints_are_done() {
        let open: Vec<ComplaintStatus> = S::ALL.iter().copied().filter(|s| is_open(*s)).collect();
        assert_eq!(
            open,
            [S::New, S::Acknowledged, S::InProgress, S::WaitingOnCustomer]
        );
    }

    #[test]
    fn moves_start_stop_and_pause_the_right_clocks() {
        let none = ClockEffect::default();
        assert_eq!(
            effects(S::New, S::Acknowledged),
            ClockEffect {
                meet_first_response: true,
                ..none
            }
        );
        assert_eq!(
            effects(S::New, S::WaitingOnCustomer),
            ClockEffect {
                meet_first_response: true,
                pause_resolution: true,
                ..none
            }
        );
        assert_eq!(
            effects(S::New, S::Resolved),
            ClockEffect {
                meet_first_response: true,
                meet_resolution: true,
                ..none
            }
        );
        assert_eq!(
            effects(S::WaitingOnCustomer, S::InProgress),
            ClockEffect {
                resume_resolution: true,
                ..none
            }
        );
        assert_eq!(
            effects(S::Resolved, S::InProgress),
            ClockEffect {
                reopen_resolution: true,
                ..none
            }
        );
        assert_eq!(effects(S::Acknowledged, S::InProgress), none);
        assert_eq!(effects(S::Resolved, S::Closed), none);
    }

    #[test]
    fn effects_drive_the_timers_through_a_complaint() {
        let clock = Clock::Wall;
        let filed = 1_000_000;
        let mut first_response = Timer::start(clock, filed, 86_400);
        let mut resolution = Timer::start(clock, filed, 3 * 86_400);
        let mut status = S::New;
        let mut step = |action: ComplaintAction, at: i64| {
            let to = transition(status, action).unwrap();
            effects(status, to).apply(&mut first_response, &mut resolution, clock, clock, at);
            status = to;
        };
        step(A::Acknowledge, filed + 600);
        step(A::WaitOnCustomer, filed + 3_600);
        step(A::Resume, filed + 86_400 + 3_600);
        step(A::Resolve, filed + 2 * 86_400);
        step(A::Reopen, filed + 3 * 86_400);
        assert_eq!(first_response.met_at, Some(filed + 600));
        assert!(!first_response.breached(filed + 10 * 86_400));
        // Counted so far: 1 h before the wait, 23 h after it; 2 days are left from the reopening.
        assert_eq!(resolution.consumed_seconds, 86_400);
        assert_eq!(resolution.due_at, Some(filed + 5 * 86_400));
    }

    #[test]
    fn closing_needs_cause_result_and_prevention() {
        let closure = Closure::parse(
            Some(" seal failed in transit "),
            Some("replacement shipped"),
            Some("double-seal liquids"),
        )
        .unwrap();
        assert_eq!(closure.cause, "seal failed in transit");
        for (cause, result, prevention, field) in [
            (None, Some("r"), Some("p"), "cause"),
            (Some("c"), Some("  "), Some("p"), "result"),
            (Some("c"), Some("r"), None, "prevention"),
        ] {
            let err = Closure::parse(cause, result, prevention).unwrap_err();
            assert_eq!(err.field, field);
        }
        let long = "x".repeat(MAX_CLOSURE_CHARS + 1);
        assert_eq!(
            Closure::parse(Some("c"), Some(long.as_str()), Some("p"))
                .unwrap_err()
                .field,
            "result"
        );
    }
}
