//! The complaint workflow: statuses, the actions that move between them, what each move does to
//! the SLA clocks, and what closing requires.
//!
//! A complaint has two [`Timer`]s, both started when it is filed: the first response and the
//! resolution. The workflow decides when they stop, pause and run again; [`crate::sla`] decides
//! what that means for deadlines and escalation.

use crate::customer::{optional_phone, parse_required_text, Phone};
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

crate::named_enum! {
    /// What a customer does to their own complaint on the portal.
    pub enum MyComplaintAction as "action" {
        /// Answer while the company waits on them: the complaint goes back to work.
        Reply = "reply",
        /// Reopen a resolved complaint, saying why.
        Reopen = "reopen",
        /// Confirm receipt of a replacement shipped to them.
        ConfirmReceipt = "confirm_receipt",
        /// Rate how a closed complaint was handled, once.
        Rate = "rate",
    }
}

impl MyComplaintAction {
    /// The move of the workflow the action makes, as staff would make it: a reply ends the
    /// wait on the customer as `resume` does (the resolution clock runs again), reopening is
    /// `reopen` (it runs again with what was left). The others leave the status as it is.
    pub fn workflow(self) -> Option<ComplaintAction> {
        match self {
            MyComplaintAction::Reply => Some(ComplaintAction::Resume),
            MyComplaintAction::Reopen => Some(ComplaintAction::Reopen),
            MyComplaintAction::ConfirmReceipt | MyComplaintAction::Rate => None,
        }
    }

    /// Whether a complaint in `status` allows the action: a reply while it waits on the
    /// customer, reopening once resolved (not once closed), a rating once closed (and only
    /// once, which the caller checks). Confirming receipt depends on the service request's
    /// status, not the complaint's.
    pub fn allowed_in(self, status: ComplaintStatus) -> bool {
        match self {
            MyComplaintAction::Reply => status == ComplaintStatus::WaitingOnCustomer,
            MyComplaintAction::Reopen => status == ComplaintStatus::Resolved,
            MyComplaintAction::Rate => status == ComplaintStatus::Closed,
            MyComplaintAction::ConfirmReceipt => true,
        }
    }

    /// Why a status that [`Self::allowed_in`] refuses does, said after "complaint … is
    /// <status>: ".
    pub fn refusal(self) -> &'static str {
        match self {
            MyComplaintAction::Reply => "it takes your reply while the company waits on you",
            MyComplaintAction::Reopen => "only a resolved complaint can be reopened",
            MyComplaintAction::Rate => "it is rated once closed",
            MyComplaintAction::ConfirmReceipt => "receipt is confirmed of a shipped replacement",
        }
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

/// The lowest score of a rating: very unhappy.
pub const MIN_SCORE: u8 = 1;

/// The highest score of a rating: very happy.
pub const MAX_SCORE: u8 = 5;

/// The most characters of a rating's comment.
pub const MAX_RATING_COMMENT_CHARS: usize = 2000;

/// The most characters of a customer's reply, or of their reason to reopen.
pub const MAX_CUSTOMER_TEXT_CHARS: usize = 4000;

/// How the customer rated the handling of their complaint once it was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// [`MIN_SCORE`] to [`MAX_SCORE`].
    pub score: u8,
    /// Trimmed, possibly empty.
    pub comment: String,
}

impl Rating {
    /// Checks a rating: the score is required and [`MIN_SCORE`]–[`MAX_SCORE`] (field `score`);
    /// the comment is optional, trimmed, at most [`MAX_RATING_COMMENT_CHARS`] characters and
    /// without control characters (field `text`, the input it comes in).
    pub fn parse(score: Option<u8>, comment: &str) -> Result<Rating, FieldError> {
        let score = parse_score(score)?;
        let comment = crate::customer::parse_text("text", comment, MAX_RATING_COMMENT_CHARS)?;
        Ok(Rating { score, comment })
    }
}

/// A rating's score: required, [`MIN_SCORE`]–[`MAX_SCORE`]. Errors name `score`.
pub fn parse_score(score: Option<u8>) -> Result<u8, FieldError> {
    match score {
        Some(score) if (MIN_SCORE..=MAX_SCORE).contains(&score) => Ok(score),
        Some(_) => Err(FieldError::new(
            "score",
            format!("must be between {MIN_SCORE} and {MAX_SCORE}"),
        )),
        None => Err(FieldError::new(
            "score",
            format!("is required: {MIN_SCORE} (very unhappy) to {MAX_SCORE} (very happy)"),
        )),
    }
}

/// A rating's score as a form sends it: digits, surrounding blanks ignored; blank is no score.
/// Errors name `score`.
pub fn parse_score_text(raw: &str) -> Result<u8, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return parse_score(None);
    }
    match raw.parse::<u8>() {
        Ok(score) => parse_score(Some(score)),
        Err(_) => Err(FieldError::new(
            "score",
            format!("must be a whole number between {MIN_SCORE} and {MAX_SCORE}"),
        )),
    }
}

/// What a customer writes when they reply or reopen: required, trimmed, 1–4000 characters, no
/// control characters. Errors name `text`.
pub fn parse_customer_text(raw: &str) -> Result<String, FieldError> {
    parse_required_text("text", raw, MAX_CUSTOMER_TEXT_CHARS)
}

/// The most bytes of one photo attached to a complaint (2 MiB: a phone's photo, scaled down by
/// the browser or not, fits; the four of one post stay under a request body's 10 MiB).
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// The most photos one filing or one reply attaches.
pub const MAX_PHOTOS_PER_POST: usize = 4;

/// The most photos one complaint keeps.
pub const MAX_PHOTOS_PER_COMPLAINT: usize = 12;

/// The kinds of picture a complaint keeps, told by their first bytes (never by the name or the
/// type the sender claims): JPEG, PNG and WebP, which every browser shows and none runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    /// The kind of picture `bytes` hold, if one of these.
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    /// Its media type, as served.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// Its usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// A photo to attach to a complaint, its kind known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub kind: PhotoKind,
    pub bytes: Vec<u8>,
}

/// What is wrong with the photos of one filing or reply; photos are counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// More than [`MAX_PHOTOS_PER_POST`] were sent (how many).
    TooMany(usize),
    /// This photo has no bytes.
    Empty(usize),
    /// This photo has more than [`MAX_PHOTO_BYTES`] (which, its size).
    TooLarge(usize, usize),
    /// This photo is not a JPEG, PNG or WebP picture.
    NotAPicture(usize),
}

impl From<PhotoProblem> for FieldError {
    fn from(problem: PhotoProblem) -> Self {
        let message = match problem {
            PhotoProblem::TooMany(sent) => {
                format!("at most {MAX_PHOTOS_PER_POST} photos at a time; {sent} were sent")
            }
            PhotoProblem::Empty(which) => format!("photo {which} is empty"),
            PhotoProblem::TooLarge(which, size) => {
                format!("photo {which} has {size} bytes; at most {MAX_PHOTO_BYTES} (2 MiB)")
            }
            PhotoProblem::NotAPicture(which) => {
                format!("photo {which} is not a JPEG, PNG or WebP picture")
            }
        };
        FieldError::new("photos", message)
    }
}

/// The photos of one filing or reply, checked whole: at most [`MAX_PHOTOS_PER_POST`], each
/// non-empty, at most [`MAX_PHOTO_BYTES`] and a JPEG, PNG or WebP picture. The problem says
/// which photo is at fault; as a `FieldError` it names `photos`.
pub fn parse_photos(raw: Vec<Vec<u8>>) -> Result<Vec<Photo>, PhotoProblem> {
    let kinds = check_photos(&raw)?;
    Ok(kinds
        .into_iter()
        .zip(raw)
        .map(|(kind, bytes)| Photo { kind, bytes })
        .collect())
}

/// [`parse_photos`]' rules without taking the photos: the kind of each, or what is wrong.
pub fn check_photos(raw: &[Vec<u8>]) -> Result<Vec<PhotoKind>, PhotoProblem> {
    if raw.len() > MAX_PHOTOS_PER_POST {
        return Err(PhotoProblem::TooMany(raw.len()));
    }
    raw.iter()
        .enumerate()
        .map(|(index, bytes)| {
            let which = index + 1;
            if bytes.is_empty() {
                return Err(PhotoProblem::Empty(which));
            }
            if bytes.len() > MAX_PHOTO_BYTES {
                return Err(PhotoProblem::TooLarge(which, bytes.len()));
            }
            PhotoKind::of(bytes).ok_or(PhotoProblem::NotAPicture(which))
        })
        .collect()
}

/// The most characters of a complaint's category.
pub const MAX_CATEGORY_CHARS: usize = 100;

/// The most characters of a complaint's description.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

/// The most characters of a staff reply to a complaint.
pub const MAX_REPLY_CHARS: usize = 4000;

/// A complaint to file, as it was sent: by staff, or by the customer on the portal with its
/// photos (its customer, order, order line and assignee are looked up where they are stored).
#[derive(Debug, Clone, Default)]
pub struct ComplaintDraft<'a> {
    /// The phone to call back; blank takes the customer's.
    pub contact_phone: &'a str,
    /// The order it is about, if any: here only whether one is named matters.
    pub order_id: Option<&'a str>,
    /// The line of that order, counted from 1.
    pub line_no: Option<u32>,
    pub category: &'a str,
    pub description: &'a str,
    /// The photos sent with it, as they came; staff filing sends none.
    pub photos: Vec<Vec<u8>>,
}

/// A complaint to file whose every field passed its rule, parsed whole and once: a category of
/// 1–100 characters, a description of 1–4000, a contact phone if given, [`parse_photos`]'
/// photos, and an order line counted from 1 only with the order it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    /// `None` when blank: the customer's phone applies.
    pub contact_phone: Option<Phone>,
    pub line_no: Option<u32>,
    pub category: String,
    pub description: String,
    pub photos: Vec<Photo>,
}

impl NewComplaint {
    /// Parses the whole complaint. Errors name their field (`category`, `description`,
    /// `contact_phone`, `photos`, `line_no`); with several fields at fault, the first in that
    /// order.
    pub fn parse(draft: ComplaintDraft<'_>) -> Result<Self, FieldError> {
        let category = parse_required_text("category", draft.category, MAX_CATEGORY_CHARS)?;
        let description =
            parse_required_text("description", draft.description, MAX_DESCRIPTION_CHARS)?;
        let contact_phone = optional_phone("contact_phone", Some(draft.contact_phone))?;
        let photos = parse_photos(draft.photos)?;
        let line_no = match (draft.order_id, draft.line_no) {
            (None, Some(_)) => {
                return Err(FieldError::new(
                    "line_no",
                    "needs the order_id it belongs to",
                ))
            }
            (Some(_), Some(0)) => return Err(FieldError::new("line_no", "counts from 1")),
            (_, line_no) => line_no,
        };
        Ok(Self {
            contact_phone,
            line_no,
            category,
            description,
            photos,
        })
    }
}

/// What staff write when they reply to a complaint: required, trimmed, 1–4000 characters, no
/// control characters. Errors name `text`.
pub fn parse_reply(raw: &str) -> Result<String, FieldError> {
    parse_required_text("text", raw, MAX_REPLY_CHARS)
}

/// The satisfaction (CSAT) of a set of complaints: how many ratings gave each score.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Csat {
    per_score: [u32; MAX_SCORE as usize],
}

impl Csat {
    /// Counts one rating; a score outside [`MIN_SCORE`]–[`MAX_SCORE`] is not counted and
    /// returns `false` (the store's check keeps such scores out).
    pub fn add(&mut self, score: u8) -> bool {
        let Some(index) = score.checked_sub(MIN_SCORE) else {
            return false;
        };
        match self.per_score.get_mut(usize::from(index)) {
            Some(count) => {
                *count += 1;
                true
            }
            None => false,
        }
    }

    /// How many ratings were counted.
    pub fn ratings(&self) -> u32 {
        self.per_score.iter().sum()
    }

    /// The ratings per score, score 1 first.
    pub fn per_score(&self) -> &[u32] {
        &self.per_score
    }

    /// The mean score; `None` without ratings.
    pub fn mean(&self) -> Option<f64> {
        let ratings = self.ratings();
        (ratings > 0).then(|| {
            let sum: f64 = self
                .per_score
                .iter()
                .zip(MIN_SCORE..)
                .map(|(count, score)| f64::from(*count) * f64::from(score))
                .sum();
            sum / f64::from(ratings)
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
    fn a_customer_acts_only_where_the_status_allows() {
        use MyComplaintAction as M;
        for &status in S::ALL {
            assert_eq!(
                M::Reply.allowed_in(status),
                status == S::WaitingOnCustomer,
                "{status}"
            );
            assert_eq!(
                M::Reopen.allowed_in(status),
                status == S::Resolved,
                "{status}"
            );
            assert_eq!(M::Rate.allowed_in(status), status == S::Closed, "{status}");
            assert!(M::ConfirmReceipt.allowed_in(status), "{status}");
        }
        // Where a reply or reopening is allowed, it is the staff move of the same effect.
        assert_eq!(M::Reply.workflow(), Some(A::Resume));
        assert_eq!(M::Reopen.workflow(), Some(A::Reopen));
        assert_eq!(M::Rate.workflow(), None);
        assert_eq!(M::ConfirmReceipt.workflow(), None);
        for &action in M::ALL {
            for &status in S::ALL {
                if let (Some(moves), true) = (action.workflow(), action.allowed_in(status)) {
                    assert!(transition(status, moves).is_ok(), "{action} {status}");
                }
            }
        }
        assert_eq!(
            transition(S::WaitingOnCustomer, A::Resume),
            Ok(S::InProgress)
        );
        assert_eq!(
            effects(S::WaitingOnCustomer, S::InProgress),
            ClockEffect {
                resume_resolution: true,
                ..ClockEffect::default()
            }
        );
        assert_eq!(
            "confirm_receipt".parse::<MyComplaintAction>(),
            Ok(M::ConfirmReceipt)
        );
        assert!("resume".parse::<MyComplaintAction>().is_err());
        assert_eq!(M::Rate.refusal(), "it is rated once closed");
    }

    #[test]
    fn a_rating_is_a_score_of_one_to_five_with_an_optional_comment() {
        assert_eq!(
            Rating::parse(Some(4), "  quick and kind "),
            Ok(Rating {
                score: 4,
                comment: "quick and kind".into()
            })
        );
        assert_eq!(Rating::parse(Some(1), "").unwrap().comment, "");
        assert_eq!(Rating::parse(Some(5), "   ").unwrap().score, 5);
        for score in [None, Some(0), Some(6), Some(255)] {
            assert_eq!(Rating::parse(score, "ok").unwrap_err().field, "score");
        }
        let long = "好".repeat(MAX_RATING_COMMENT_CHARS + 1);
        assert_eq!(Rating::parse(Some(3), &long).unwrap_err().field, "text");
        let just = "好".repeat(MAX_RATING_COMMENT_CHARS);
        assert!(Rating::parse(Some(3), &just).is_ok());
        assert_eq!(Rating::parse(Some(3), "a\u{7}b").unwrap_err().field, "text");
    }

    #[test]
    fn a_score_from_a_form() {
        assert_eq!(parse_score_text(" 3 "), Ok(3));
        assert_eq!(parse_score_text("5"), Ok(5));
        for raw in ["", "  ", "0", "6", "-1", "3.5", "four", "300"] {
            let err = parse_score_text(raw).unwrap_err();
            assert_eq!(err.field, "score", "{raw}");
        }
        assert!(parse_score_text("")
            .unwrap_err()
            .message
            .contains("is required"));
    }

    #[test]
    fn a_customer_reply_is_required_text_of_at_most_4000_characters() {
        assert_eq!(
            parse_customer_text("  the photo is attached "),
            Ok("the photo is attached".into())
        );
        assert_eq!(parse_customer_text(" ").unwrap_err().field, "text");
        let long = "x".repeat(MAX_CUSTOMER_TEXT_CHARS + 1);
        assert_eq!(parse_customer_text(&long).unwrap_err().field, "text");
        assert!(parse_customer_text(&"x".repeat(MAX_CUSTOMER_TEXT_CHARS)).is_ok());
    }

    #[test]
    fn csat_counts_each_score_and_takes_the_mean() {
        let empty = Csat::default();
        assert_eq!(empty.ratings(), 0);
        assert_eq!(empty.per_score(), [0, 0, 0, 0, 0]);
        assert_eq!(empty.mean(), None);

        let mut csat = Csat::default();
        for score in [5, 4, 5, 1, 3, 5] {
            assert!(csat.add(score));
        }
        assert!(!csat.add(0));
        assert!(!csat.add(6));
        assert_eq!(csat.ratings(), 6);
        assert_eq!(csat.per_score(), [1, 0, 1, 1, 3]);
        // (1 + 3 + 4 + 15) / 6
        assert_eq!(csat.mean(), Some(23.0 / 6.0));

        let mut one = Csat::default();
        one.add(2);
        assert_eq!(one.mean(), Some(2.0));
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

    fn png(len: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn photos_are_told_by_their_first_bytes() {
        assert_eq!(
            PhotoKind::of(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(PhotoKind::Jpeg)
        );
        assert_eq!(PhotoKind::of(&png(16)), Some(PhotoKind::Png));
        assert_eq!(
            PhotoKind::of(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(PhotoKind::Webp)
        );
        // A RIFF that is not WebP (a WAV), SVG (which can run a script), GIF, text.
        assert_eq!(PhotoKind::of(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(
            PhotoKind::of(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(PhotoKind::of(b"GIF89a"), None);
        assert_eq!(PhotoKind::of(b""), None);
        assert_eq!(PhotoKind::Webp.media_type(), "image/webp");
    }

    fn filing(category: &'static str, description: &'static str) -> ComplaintDraft<'static> {
        ComplaintDraft {
            category,
            description,
            ..ComplaintDraft::default()
        }
    }

    #[test]
    fn a_new_complaint_is_parsed_whole() {
        let parsed = NewComplaint::parse(ComplaintDraft {
            contact_phone: " ０２１-5555 0101 ",
            order_id: Some("ord_1"),
            line_no: Some(2),
            category: " quality ",
            description: "  The cream separated. ",
            photos: vec![png(100)],
        })
        .unwrap();
        assert_eq!(parsed.category, "quality");
        assert_eq!(parsed.description, "The cream separated.");
        assert_eq!(
            parsed.contact_phone.as_ref().map(Phone::as_str),
            Some("021-5555 0101")
        );
        assert_eq!(parsed.line_no, Some(2));
        assert_eq!(parsed.photos.len(), 1);
        assert_eq!(parsed.photos[0].kind, PhotoKind::Png);

        // Staff filing about no order, the customer's phone to call back.
        let plain = NewComplaint::parse(ComplaintDraft {
            contact_phone: "  ",
            ..filing("delivery", "Late")
        })
        .unwrap();
        assert_eq!(
            plain,
            NewComplaint {
                contact_phone: None,
                line_no: None,
                category: "delivery".into(),
                description: "Late".into(),
                photos: Vec::new(),
            }
        );
        // An order without a line is a complaint about the whole order.
        let whole_order = NewComplaint::parse(ComplaintDraft {
            order_id: Some("ord_1"),
            ..filing("delivery", "Late")
        })
        .unwrap();
        assert_eq!(whole_order.line_no, None);
    }

    #[test]
    fn each_bad_field_of_a_new_complaint_is_named() {
        let error = |draft: ComplaintDraft<'_>| NewComplaint::parse(draft).unwrap_err();
        let long_category = "x".repeat(MAX_CATEGORY_CHARS + 1);
        let long_description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(error(filing(" ", "d")).field, "category");
        assert_eq!(
            error(ComplaintDraft {
                category: long_category.as_str(),
                ..filing("c", "d")
            })
            .field,
            "category"
        );
        assert_eq!(error(filing("c", "")).field, "description");
        assert_eq!(
            error(ComplaintDraft {
                description: long_description.as_str(),
                ..filing("c", "d")
            })
            .field,
            "description"
        );
        assert_eq!(
            error(ComplaintDraft {
                contact_phone: "call me",
                ..filing("c", "d")
            })
            .field,
            "contact_phone"
        );
        let not_a_picture = error(ComplaintDraft {
            photos: vec![png(10), b"%PDF-1.7".to_vec()],
            ..filing("c", "d")
        });
        assert_eq!(not_a_picture.field, "photos");
        assert_eq!(
            not_a_picture.message,
            "photo 2 is not a JPEG, PNG or WebP picture"
        );
        let orphan_line = error(ComplaintDraft {
            line_no: Some(1),
            ..filing("c", "d")
        });
        assert_eq!(
            (orphan_line.field, orphan_line.message.as_str()),
            ("line_no", "needs the order_id it belongs to")
        );
        let line_zero = error(ComplaintDraft {
            order_id: Some("ord_1"),
            line_no: Some(0),
            ..filing("c", "d")
        });
        assert_eq!(
            (line_zero.field, line_zero.message.as_str()),
            ("line_no", "counts from 1")
        );
    }

    #[test]
    fn with_several_bad_fields_a_new_complaint_names_the_first() {
        let all_bad = || ComplaintDraft {
            contact_phone: "call me",
            order_id: None,
            line_no: Some(0),
            category: "",
            description: "",
            photos: vec![Vec::new()],
        };
        let error = |draft: ComplaintDraft<'_>| NewComplaint::parse(draft).unwrap_err().field;
        assert_eq!(error(all_bad()), "category");
        assert_eq!(
            error(ComplaintDraft {
                category: "c",
                ..all_bad()
            }),
            "description"
        );
        assert_eq!(
            error(ComplaintDraft {
                category: "c",
                description: "d",
                ..all_bad()
            }),
            "contact_phone"
        );
        assert_eq!(
            error(ComplaintDraft {
                category: "c",
                description: "d",
                contact_phone: "",
                ..all_bad()
            }),
            "photos"
        );
        // A line without its order is named for that before its number.
        let orphan_zero = NewComplaint::parse(ComplaintDraft {
            line_no: Some(0),
            ..filing("c", "d")
        })
        .unwrap_err();
        assert_eq!(orphan_zero.message, "needs the order_id it belongs to");
    }

    #[test]
    fn a_staff_reply_is_required_text_of_at_most_4000_characters() {
        assert_eq!(
            parse_reply("  we are sending a replacement "),
            Ok("we are sending a replacement".into())
        );
        assert_eq!(parse_reply("").unwrap_err().field, "text");
        assert!(parse_reply(&"x".repeat(MAX_REPLY_CHARS)).is_ok());
        assert_eq!(
            parse_reply(&"x".repeat(MAX_REPLY_CHARS + 1))
                .unwrap_err()
                .field,
            "text"
        );
    }

    #[test]
    fn photos_are_checked_whole() {
        let ok = parse_photos(vec![png(100), png(MAX_PHOTO_BYTES)]).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].bytes.len(), MAX_PHOTO_BYTES);
        assert!(parse_photos(Vec::new()).unwrap().is_empty());

        let too_big = parse_photos(vec![png(10), png(MAX_PHOTO_BYTES + 1)]).unwrap_err();
        assert_eq!(too_big, PhotoProblem::TooLarge(2, MAX_PHOTO_BYTES + 1));
        let as_field = FieldError::from(too_big);
        assert_eq!(as_field.field, "photos");
        assert!(
            as_field.message.starts_with("photo 2 has"),
            "{}",
            as_field.message
        );

        let not_a_picture = parse_photos(vec![b"%PDF-1.7".to_vec()]).unwrap_err();
        assert_eq!(not_a_picture, PhotoProblem::NotAPicture(1));

        let empty = parse_photos(vec![png(10), Vec::new()]).unwrap_err();
        assert_eq!(FieldError::from(empty).message, "photo 2 is empty");

        let too_many = parse_photos(vec![png(10); MAX_PHOTOS_PER_POST + 1]).unwrap_err();
        assert_eq!(too_many, PhotoProblem::TooMany(5));
        assert!(FieldError::from(too_many)
            .message
            .starts_with("at most 4 photos"));
    }
}
