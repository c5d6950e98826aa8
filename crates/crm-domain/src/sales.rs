//! Rules of the sales funnel and of tasks.

use crate::customer::{optional_email, optional_phone, parse_required_text, parse_text, Phone};
use crate::orders::parse_unit_price;
use crate::staff::{DisplayName, Email};
use crate::time::{parse_day, parse_instant, rfc3339_utc};
use crate::FieldError;

crate::named_enum! {
    /// Where a lead came from.
    pub enum LeadSource as "lead source" {
        Web = "web",
        Phone = "phone",
        Visit = "visit",
        Referral = "referral",
        Event = "event",
        Other = "other",
    }
}

crate::named_enum! {
    /// Where a lead stands.
    pub enum LeadStatus as "lead status" {
        New = "new",
        Qualified = "qualified",
        Disqualified = "disqualified",
    }
}

crate::named_enum! {
    /// The stages of an opportunity.
    pub enum Stage as "stage" {
        Prospecting = "prospecting",
        Proposal = "proposal",
        Negotiation = "negotiation",
        Won = "won",
        Lost = "lost",
    }
}

impl Stage {
    /// Whether the opportunity is still being worked on.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }
}

pub use crate::service::ServiceKind;

crate::named_enum! {
    /// What a task is about.
    pub enum SubjectKind as "subject kind" {
        Lead = "lead",
        Opportunity = "opportunity",
        Customer = "customer",
        Complaint = "complaint",
    }
}

crate::named_enum! {
    /// Where a task stands.
    pub enum TaskStatus as "task status" {
        Open = "open",
        Succeeded = "succeeded",
        Failed = "failed",
        Redo = "redo",
    }
}

impl TaskStatus {
    /// Whether the task still has to be done.
    pub fn is_pending(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::Redo)
    }
}

/// A task is overdue when it still has to be done and its due time has passed.
pub fn is_overdue(status: TaskStatus, due_at: i64, now: i64) -> bool {
    status.is_pending() && due_at < now
}

/// How many leads one sender may submit through the public form per window.
pub const CAPTURE_LIMIT: u32 = 5;

/// The window of [`CAPTURE_LIMIT`], in seconds.
pub const CAPTURE_WINDOW_SECONDS: i64 = 600;

/// Why a web form submission looks like a bot's, if it does: the hidden honeypot field was
/// filled, or the message is mostly links.
pub fn spam_reason(honeypot: &str, message: &str) -> Option<&'static str> {
    if !honeypot.trim().is_empty() {
        return Some("honeypot filled");
    }
    let links = message.matches("http://").count() + message.matches("https://").count();
    if links >= 3 {
        return Some("too many links");
    }
    None
}

/// Who a lead is, as it was sent (by staff or through the public form).
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadDraft<'a> {
    pub name: &'a str,
    pub company: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub message: &'a str,
}

/// Who a lead is, every field past its rule: a name of 1–200 characters, a company of at most
/// 200, a phone and an e-mail address if given, a message of at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadDetails {
    pub name: String,
    pub company: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub message: String,
}

impl LeadDetails {
    /// Parses the whole lead; an error names its field.
    pub fn parse(draft: LeadDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: DisplayName::parse("name", draft.name)?.as_str().to_owned(),
            company: parse_text("company", draft.company, 200)?,
            phone: optional_phone("phone", draft.phone)?,
            email: optional_email("email", draft.email)?,
            message: parse_text("message", draft.message, 2000)?,
        })
    }

    /// [`LeadDetails::parse`] for the public form, where a lead must say how to reach them:
    /// without a phone and an e-mail address it is refused, naming `email`.
    pub fn parse_reachable(draft: LeadDraft<'_>) -> Result<Self, FieldError> {
        let details = Self::parse(draft)?;
        if details.phone.is_none() && details.email.is_none() {
            return Err(FieldError::new(
                "email",
                "give a phone number or an e-mail address",
            ));
        }
        Ok(details)
    }
}

/// The most characters of an opportunity's title, and of a task's.
pub const MAX_TITLE_CHARS: usize = 200;

/// The most characters of the reason an opportunity was lost.
pub const MAX_REASON_CHARS: usize = 500;

/// A new opportunity, as it was sent when its lead was qualified (the lead is looked up where
/// it is stored).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpportunityDraft<'a> {
    pub title: &'a str,
    pub expected_value: i64,
    pub expected_close: Option<&'a str>,
}

/// A new opportunity whose every field passed its rule, parsed whole and once: a title of 1–200
/// characters, an expected value of 0 to [`crate::orders::MAX_UNIT_PRICE`] minor units, an
/// expected closing day `YYYY-MM-DD` if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub title: String,
    pub expected_value: i64,
    pub expected_close: Option<String>,
}

impl NewOpportunity {
    /// Parses the whole opportunity. Errors name their field (`title`, `expected_value`,
    /// `expected_close`); with several fields at fault, the first in that order.
    pub fn parse(draft: OpportunityDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            title: parse_required_text("title", draft.title, MAX_TITLE_CHARS)?,
            expected_value: parse_unit_price("expected_value", draft.expected_value)?,
            expected_close: draft
                .expected_close
                .map(|day| parse_day("expected_close", day))
                .transpose()?,
        })
    }
}

/// A move of an open opportunity to another stage, as it was sent.
#[derive(Debug, Clone, Copy)]
pub struct OpportunityMoveDraft {
    pub stage: Stage,
    pub expected_value: Option<i64>,
}

/// A move whose fields passed their rules: to an open stage (winning and losing have requests
/// of their own), with a new expected value of 0 to [`crate::orders::MAX_UNIT_PRICE`] minor
/// units if given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpportunityMove {
    pub stage: Stage,
    pub expected_value: Option<i64>,
}

impl OpportunityMove {
    /// Parses the whole move. Errors name their field (`stage`, `expected_value`); with both at
    /// fault, `stage`.
    pub fn parse(draft: OpportunityMoveDraft) -> Result<Self, FieldError> {
        if !draft.stage.is_open() {
            return Err(FieldError::new(
                "stage",
                "move to prospecting, proposal or negotiation; win or lose with their own requests",
            ));
        }
        Ok(Self {
            stage: draft.stage,
            expected_value: draft
                .expected_value
                .map(|value| parse_unit_price("expected_value", value))
                .transpose()?,
        })
    }
}

/// Why an opportunity was lost: required, trimmed, 1–500 characters, no control characters.
/// Errors name `reason`.
pub fn parse_reason(raw: &str) -> Result<String, FieldError> {
    parse_required_text("reason", raw, MAX_REASON_CHARS)
}

/// The most characters of a manager's opinion on a task (how to go about it).
pub const MAX_OPINION_CHARS: usize = 2000;

/// The most characters of an assignee's report on a task.
pub const MAX_REPORT_CHARS: usize = 2000;

/// When a task is due: RFC 3339 or a date (its midnight, UTC), as RFC 3339 UTC. Errors name
/// `due_at`.
pub fn parse_due_at(raw: &str) -> Result<String, FieldError> {
    Ok(rfc3339_utc(parse_instant("due_at", raw)?))
}

/// An assignee's report on a task: required, trimmed, 1–2000 characters, no control
/// characters. Errors name `report`.
pub fn parse_report(raw: &str) -> Result<String, FieldError> {
    parse_required_text("report", raw, MAX_REPORT_CHARS)
}

/// A new task's own fields, as they were sent (its subject and assignee are looked up where
/// they are stored).
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskDraft<'a> {
    pub title: &'a str,
    pub opinion: &'a str,
    pub due_at: &'a str,
}

/// A new task whose every field passed its rule, parsed whole and once: a title of 1–200
/// characters, an opinion of at most 2000, the instant it is due ([`parse_due_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub opinion: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub due_at: String,
}

impl NewTask {
    /// Parses the whole task. Errors name their field (`title`, `opinion`, `due_at`); with
    /// several fields at fault, the first in that order.
    pub fn parse(draft: TaskDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            title: parse_required_text("title", draft.title, MAX_TITLE_CHARS)?,
            opinion: parse_text("opinion", draft.opinion, MAX_OPINION_CHARS)?,
            due_at: parse_due_at(draft.due_at)?,
        })
    }
}

/// A task sent back for redo, as it was sent: the manager's new opinion and due time.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedoDraft<'a> {
    pub opinion: &'a str,
    pub due_at: &'a str,
}

/// A redo whose fields passed their rules: an opinion of at most 2000 characters, the instant
/// it is due ([`parse_due_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redo {
    pub opinion: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub due_at: String,
}

impl Redo {
    /// Parses the whole redo. Errors name their field (`opinion`, `due_at`); with both at fault,
    /// `opinion`.
    pub fn parse(draft: RedoDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            opinion: parse_text("opinion", draft.opinion, MAX_OPINION_CHARS)?,
            due_at: parse_due_at(draft.due_at)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_won_and_lost_close_an_opportunity() {
        let open: Vec<Stage> = Stage::ALL.iter().copied().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            [Stage::Prospecting, Stage::Proposal, Stage::Negotiation]
        );
    }

    #[test]
    fn overdue_means_pending_and_past_due() {
        assert!(is_overdue(TaskStatus::Open, 100, 101));
        assert!(is_overdue(TaskStatus::Redo, 100, 101));
        assert!(!is_overdue(TaskStatus::Open, 100, 100));
        assert!(!is_overdue(TaskStatus::Succeeded, 100, 101));
        assert!(!is_overdue(TaskStatus::Failed, 100, 101));
    }

    #[test]
    fn bots_fill_the_honeypot_or_send_links() {
        assert_eq!(spam_reason("", "请联系我, 想订购 200 件"), None);
        assert_eq!(spam_reason("http://x", "hi"), Some("honeypot filled"));
        let links = "buy http://a.example https://b.example http://c.example";
        assert_eq!(spam_reason("", links), Some("too many links"));
        assert_eq!(
            spam_reason("", "see https://our.site for our catalogue"),
            None
        );
    }

    #[test]
    fn a_lead_is_parsed_whole_and_the_public_form_needs_a_way_to_reach_them() {
        let draft = LeadDraft {
            name: " Zhao Lei ",
            company: "Lotus Spa",
            phone: Some(" "),
            email: Some("zhao@lotus.example"),
            message: "Price list, please.",
        };
        let details = LeadDetails::parse_reachable(draft).unwrap();
        assert_eq!(details.name, "Zhao Lei");
        assert_eq!(details.phone, None);
        assert!(details.email.is_some());
        let unreachable = LeadDraft {
            email: None,
            ..draft
        };
        assert!(LeadDetails::parse(unreachable).is_ok());
        assert_eq!(
            LeadDetails::parse_reachable(unreachable).unwrap_err().field,
            "email"
        );
        let bad_phone = LeadDraft {
            phone: Some("call me"),
            ..draft
        };
        assert_eq!(LeadDetails::parse(bad_phone).unwrap_err().field, "phone");
        let long = "x".repeat(2001);
        let too_long = LeadDraft {
            message: &long,
            ..draft
        };
        assert_eq!(LeadDetails::parse(too_long).unwrap_err().field, "message");
    }

    #[test]
    fn a_new_opportunity_is_parsed_whole() {
        let parsed = NewOpportunity::parse(OpportunityDraft {
            title: "  200 jars of night cream ",
            expected_value: 1_250_000,
            expected_close: Some(" 2026-12-15 "),
        })
        .unwrap();
        assert_eq!(
            parsed,
            NewOpportunity {
                title: "200 jars of night cream".into(),
                expected_value: 1_250_000,
                expected_close: Some("2026-12-15".into()),
            }
        );
        let open_ended = NewOpportunity::parse(OpportunityDraft {
            title: "t",
            ..OpportunityDraft::default()
        })
        .unwrap();
        assert_eq!(
            (open_ended.expected_value, open_ended.expected_close),
            (0, None)
        );
    }

    #[test]
    fn each_bad_field_of_a_new_opportunity_is_named_the_first_when_several_are() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let good = OpportunityDraft {
            title: "t",
            ..OpportunityDraft::default()
        };
        let error = |draft: OpportunityDraft<'_>| NewOpportunity::parse(draft).unwrap_err().field;
        assert_eq!(error(OpportunityDraft { title: " ", ..good }), "title");
        assert_eq!(
            error(OpportunityDraft {
                title: long.as_str(),
                ..good
            }),
            "title"
        );
        assert_eq!(
            error(OpportunityDraft {
                expected_value: -1,
                ..good
            }),
            "expected_value"
        );
        assert_eq!(
            error(OpportunityDraft {
                expected_value: crate::orders::MAX_UNIT_PRICE + 1,
                ..good
            }),
            "expected_value"
        );
        assert_eq!(
            error(OpportunityDraft {
                expected_close: Some("next month"),
                ..good
            }),
            "expected_close"
        );
        assert_eq!(
            error(OpportunityDraft {
                expected_close: Some("2026-12-15T10:00:00Z"),
                ..good
            }),
            "expected_close",
            "a day, not an instant"
        );
        let all_bad = OpportunityDraft {
            title: "",
            expected_value: -1,
            expected_close: Some("soon"),
        };
        assert_eq!(error(all_bad), "title");
        assert_eq!(
            error(OpportunityDraft {
                title: "t",
                ..all_bad
            }),
            "expected_value"
        );
    }

    #[test]
    fn an_opportunity_moves_only_to_an_open_stage() {
        let moved = OpportunityMove::parse(OpportunityMoveDraft {
            stage: Stage::Negotiation,
            expected_value: Some(500),
        })
        .unwrap();
        assert_eq!(
            moved,
            OpportunityMove {
                stage: Stage::Negotiation,
                expected_value: Some(500)
            }
        );
        for &stage in Stage::ALL {
            let draft = OpportunityMoveDraft {
                stage,
                expected_value: None,
            };
            assert_eq!(
                OpportunityMove::parse(draft).is_ok(),
                stage.is_open(),
                "{stage}"
            );
        }
        let to_won = OpportunityMove::parse(OpportunityMoveDraft {
            stage: Stage::Won,
            expected_value: Some(-1),
        })
        .unwrap_err();
        assert_eq!(to_won.field, "stage", "the stage first");
        let bad_value = OpportunityMove::parse(OpportunityMoveDraft {
            stage: Stage::Proposal,
            expected_value: Some(-1),
        })
        .unwrap_err();
        assert_eq!(bad_value.field, "expected_value");
    }

    #[test]
    fn a_reason_to_lose_is_required_and_bounded() {
        assert_eq!(
            parse_reason("  went with a competitor "),
            Ok("went with a competitor".into())
        );
        assert_eq!(parse_reason(" ").unwrap_err().field, "reason");
        assert!(parse_reason(&"x".repeat(MAX_REASON_CHARS)).is_ok());
        assert!(parse_reason(&"x".repeat(MAX_REASON_CHARS + 1)).is_err());
    }

    #[test]
    fn a_new_task_is_parsed_whole_its_due_time_in_utc() {
        let parsed = NewTask::parse(TaskDraft {
            title: " Re-survey satisfaction ",
            opinion: " call in the morning ",
            due_at: "2026-12-01T09:00:00+08:00",
        })
        .unwrap();
        assert_eq!(
            parsed,
            NewTask {
                title: "Re-survey satisfaction".into(),
                opinion: "call in the morning".into(),
                due_at: "2026-12-01T01:00:00Z".into(),
            }
        );
        let dated = NewTask::parse(TaskDraft {
            title: "t",
            opinion: "",
            due_at: " 2026-12-01 ",
        })
        .unwrap();
        assert_eq!(
            (dated.opinion.as_str(), dated.due_at.as_str()),
            ("", "2026-12-01T00:00:00Z")
        );
    }

    #[test]
    fn each_bad_field_of_a_new_task_is_named_the_first_when_several_are() {
        let good = TaskDraft {
            title: "t",
            opinion: "",
            due_at: "2026-12-01",
        };
        let long_title = "x".repeat(MAX_TITLE_CHARS + 1);
        let long_opinion = "x".repeat(MAX_OPINION_CHARS + 1);
        let error = |draft: TaskDraft<'_>| NewTask::parse(draft).unwrap_err().field;
        assert_eq!(error(TaskDraft { title: "", ..good }), "title");
        assert_eq!(
            error(TaskDraft {
                title: long_title.as_str(),
                ..good
            }),
            "title"
        );
        assert_eq!(
            error(TaskDraft {
                opinion: long_opinion.as_str(),
                ..good
            }),
            "opinion"
        );
        assert_eq!(
            error(TaskDraft {
                due_at: "soon",
                ..good
            }),
            "due_at"
        );
        assert_eq!(error(TaskDraft { due_at: "", ..good }), "due_at");
        assert_eq!(
            error(TaskDraft {
                title: "",
                opinion: long_opinion.as_str(),
                due_at: "soon",
            }),
            "title"
        );
        assert_eq!(
            error(TaskDraft {
                opinion: long_opinion.as_str(),
                due_at: "soon",
                ..good
            }),
            "opinion"
        );
    }

    #[test]
    fn a_redo_has_an_opinion_and_a_new_due_time_and_a_report_is_required() {
        assert_eq!(
            Redo::parse(RedoDraft {
                opinion: " call in the morning ",
                due_at: "2026-12-03",
            }),
            Ok(Redo {
                opinion: "call in the morning".into(),
                due_at: "2026-12-03T00:00:00Z".into(),
            })
        );
        let long = "x".repeat(MAX_OPINION_CHARS + 1);
        let error = |draft: RedoDraft<'_>| Redo::parse(draft).unwrap_err().field;
        assert_eq!(
            error(RedoDraft {
                opinion: "",
                due_at: "tomorrow",
            }),
            "due_at"
        );
        assert_eq!(
            error(RedoDraft {
                opinion: long.as_str(),
                due_at: "tomorrow",
            }),
            "opinion"
        );
        assert_eq!(
            parse_report(" done, customer happy "),
            Ok("done, customer happy".into())
        );
        assert_eq!(parse_report("  ").unwrap_err().field, "report");
        assert!(parse_report(&"x".repeat(MAX_REPORT_CHARS + 1)).is_err());
        assert_eq!(parse_due_at("2026-02-30").unwrap_err().field, "due_at");
    }
}
