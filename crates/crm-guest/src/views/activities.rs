//! Bodies, queries and answers of `crm:records/activities`.
//!
//! The API calls an activity's kind `type` (`"type": "visit"`), so an activity and its draft
//! are shown through small views rather than as the records types.

use super::rules;
use crate::activities::{Activity, ActivityDraft, ActivityInput, ActivityPage, ActivityQuery};
use crate::names::{self, ActivityKind};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// One recorded contact with a customer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    /// Opaque id, `act_…`.
    pub id: String,
    /// The customer contacted.
    pub customer_id: String,
    /// The person spoken to, if recorded.
    pub contact_id: Option<String>,
    /// How the contact happened.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// When it happened, RFC 3339 UTC.
    pub occurred_at: String,
    /// The staff id of the rep or agent who made the contact.
    pub rep_id: String,
    /// Where, for visits; may be empty.
    pub location: String,
    /// What happened.
    pub notes: String,
    /// What the customer asked for.
    pub requests: String,
    /// What competitors are doing at the customer.
    pub competitor_activity: String,
    /// Things still to do after this contact; a draft of the next one carries them over.
    pub open_items: Vec<String>,
    /// The staff id of whoever entered the record (a manager may enter for a rep).
    pub entered_by: String,
    /// When it was recorded, RFC 3339 UTC.
    pub created_at: String,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        Self {
            id: a.id,
            customer_id: a.customer_id,
            contact_id: a.contact_id,
            kind: a.kind.into(),
            occurred_at: a.occurred_at,
            rep_id: a.rep_id,
            location: a.location,
            notes: a.notes,
            requests: a.requests,
            competitor_activity: a.competitor_activity,
            open_items: a.open_items,
            entered_by: a.entered_by,
            created_at: a.created_at,
        }
    }
}

/// What a new record of a contact starts from: what is already known, filled in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityDraftView {
    /// The customer.
    pub customer_id: String,
    /// How the contact happens.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// The caller.
    pub rep_id: String,
    /// Now, RFC 3339 UTC.
    pub occurred_at: String,
    /// The contact of the last contact of this type, else the main contact.
    pub contact_id: Option<String>,
    /// The location of the last contact of this type, else the customer's first address.
    pub location: String,
    /// The open items of the last contact of this type.
    pub open_items: Vec<String>,
    /// The last contact of this type, if any.
    pub previous_id: Option<String>,
}

impl From<ActivityDraft> for ActivityDraftView {
    fn from(d: ActivityDraft) -> Self {
        Self {
            customer_id: d.customer_id,
            kind: d.kind.into(),
            rep_id: d.rep_id,
            occurred_at: d.occurred_at,
            contact_id: d.contact_id,
            location: d.location,
            open_items: d.open_items,
            previous_id: d.previous_id,
        }
    }
}

/// The contacts a batch recorded, in the order given.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityView>,
}

/// One page of the contact log, most recent first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityPageView {
    /// The activities of this page.
    pub items: Vec<ActivityView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<ActivityPage> for ActivityPageView {
    fn from(page: ActivityPage) -> Self {
        Self {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Which draft to make.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// The customer's id.
    pub customer: String,
    /// How the contact happens.
    #[serde(rename = "type")]
    #[param(value_type = ActivityKind)]
    pub kind: String,
}

/// A contact to record. Absent fields are filled from the draft for the same customer and type.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    /// The customer contacted.
    pub customer_id: String,
    /// How the contact happened.
    #[serde(rename = "type")]
    #[schema(value_type = ActivityKind)]
    pub kind: String,
    /// The rep who made the contact; the caller when absent. Naming someone else needs role
    /// `service-lead`, `sales-gm` or `admin`.
    pub rep_id: Option<String>,
    /// A contact of that customer.
    pub contact_id: Option<String>,
    /// When it happened, RFC 3339 or a date; not in the future.
    #[schema(value_type = Option<rules::PastInstant>)]
    pub occurred_at: Option<String>,
    /// Where, at most 200 characters.
    #[schema(value_type = Option<rules::Text200>)]
    pub location: Option<String>,
    /// Notes, at most 4000 characters.
    #[schema(value_type = Option<rules::Text4000>)]
    pub notes: Option<String>,
    /// What the customer asked for, at most 2000 characters.
    #[schema(value_type = Option<rules::Text2000>)]
    pub requests: Option<String>,
    /// What competitors are doing at the customer, at most 2000 characters.
    #[schema(value_type = Option<rules::Text2000>)]
    pub competitor_activity: Option<String>,
    /// Things still to do, each 1–200 characters, at most 20.
    #[schema(value_type = Option<Vec<rules::RequiredText200>>, max_items = 20)]
    pub open_items: Option<Vec<String>>,
}

impl ActivityBody {
    /// The records input; a field error names the field with `field_prefix` before it
    /// (`items[2].` in a batch).
    pub fn into_input(self, field_prefix: &str) -> Result<ActivityInput, Problem> {
        let kind = names::parse::<ActivityKind>(&format!("{field_prefix}type"), &self.kind)?;
        Ok(ActivityInput {
            customer_id: self.customer_id,
            kind: kind.into(),
            rep_id: self.rep_id,
            contact_id: self.contact_id,
            occurred_at: self.occurred_at,
            location: self.location,
            notes: self.notes,
            requests: self.requests,
            competitor_activity: self.competitor_activity,
            open_items: self.open_items,
        })
    }
}

/// Contacts to record together, e.g. a rep's visits of one day: all of them, or none.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBatch {
    /// 1–100 contacts; a field error names the item, e.g. `items[2].occurred_at`.
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<ActivityBody>,
}

/// Which activities to list, most recent first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListActivities {
    /// Only contacts with this customer.
    pub customer_id: Option<String>,
    /// Only contacts by this rep.
    pub rep_id: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

impl From<ListActivities> for ActivityQuery {
    fn from(q: ListActivities) -> Self {
        Self {
            customer_id: q.customer_id,
            rep_id: q.rep_id,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}
