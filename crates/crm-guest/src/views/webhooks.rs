//! Bodies and queries of `crm:records/webhooks`, and what a delivery run answers.

use super::rules;
use crate::names::{self, DeliveryStatus};
use crate::problem::Problem;
use crate::webhooks::NewWebhook;
use serde::{Deserialize, Serialize};

/// A webhook to create: where to POST notifications, and which.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where deliveries are POSTed.
    #[schema(value_type = rules::WebhookUrl)]
    pub url: String,
    /// The topics it takes, 1–10: `complaint.escalated`, `complaint.status`,
    /// `complaint.assigned`, `service_request.status`, or `*` for every topic; a topic given
    /// twice is kept once.
    #[schema(value_type = Vec<rules::WebhookTopic>, min_items = 1, max_items = 10)]
    pub topics: Vec<String>,
}

impl From<CreateWebhook> for NewWebhook {
    fn from(b: CreateWebhook) -> Self {
        Self {
            url: b.url,
            topics: b.topics,
        }
    }
}

/// Turns a webhook on or off.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetActive {
    /// Whether it gets deliveries. Off, it gets none of new notifications, and its pending
    /// deliveries wait until it is on again.
    pub active: bool,
}

/// Which deliveries to list, newest first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveries {
    /// Only the deliveries of this webhook.
    pub webhook_id: Option<String>,
    /// Only deliveries in this status; `dead` lists the dead letters.
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

impl ListDeliveries {
    /// The status filter as records takes it.
    pub fn status(&self) -> Result<Option<crate::webhooks::DeliveryStatus>, Problem> {
        self.status
            .as_deref()
            .map(|s| names::parse::<DeliveryStatus>("status", s).map(Into::into))
            .transpose()
    }
}

/// What one run of the deliverer did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliverReport {
    /// Deliveries that were due and were attempted (at most 100 a run).
    pub attempted: u32,
    /// Of those, how many a receiver accepted (status 200–299).
    pub delivered: u32,
}
