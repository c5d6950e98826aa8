//! Rules of the sales funnel and of tasks.

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
}
