//! Rules of the sales funnel and of tasks.

use crate::customer::{optional_email, optional_phone, parse_text, Phone};
use crate::staff::{DisplayName, Email};
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
}
