//! Webhooks: `GET|POST /api/v1/webhooks`, `POST /api/v1/webhooks/:id/active`,
//! `GET /api/v1/webhooks/deliveries` (the delivery log), and the deliverer,
//! `POST /api/v1/webhooks/deliver`, which sends the due deliveries.
//!
//! The deliverer POSTs each due delivery over Spin's outbound HTTP with connect and answer
//! timeouts, awaiting the sends on spin-sdk's executor. What it sends and how it signs is
//! documented in `wit/webhooks.wit`.

use crm_domain::webhook::is_success;
use crm_guest::request::{credential, idempotency_key, json, json_body, query};
use crm_guest::types::Credential;
use crm_guest::views::webhooks::{CreateWebhook, DeliverReport, ListDeliveries, SetActive};
use crm_guest::views::IdempotencyKeyHeader;
use crm_guest::webhooks::{
    self, AttemptResult, CreatedWebhook, DeliveryPage, DueDelivery, Webhook,
};
use crm_guest::{ApiResult, Params, Problem};
use futures::stream::{self, StreamExt};
use futures::SinkExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use spin_executor::CancelOnDropToken;
use spin_sdk::http::conversions::TryIntoOutgoingRequest;
use spin_sdk::http::{ErrorCode, IncomingResponse, Method, Request, SendError};
use spin_sdk::wit::wasi::http0_2_0::{outgoing_handler, types::RequestOptions};
use std::task::Poll;
use std::time::Duration;

/// The most deliveries one run claims.
const DELIVER_BATCH: u32 = 100;

/// How many deliveries one run sends at a time.
const CONCURRENCY: usize = 8;

/// Creates a webhook for notifications of the given topics (service lead, admin). The answer
/// holds its signing secret, shown only this once.
///
/// Each delivery is a POST of a JSON body with the headers `crm-delivery-id` (the same for
/// every attempt of a delivery: deduplicate on it), `crm-topic`, `crm-attempt` and
/// `crm-signature: t=<unix seconds>,v1=<hex>`, where `<hex>` is the HMAC-SHA256 of
/// `<t>.<body>` keyed with the secret. A status 200–299 delivers; otherwise the delivery is
/// tried again after 30 s, doubling up to an hour, 8 attempts in all, and is then dead.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhook",
    tag = "webhooks",
    request_body = CreateWebhook,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created, with its secret", body = CreatedWebhook),
        (status = "4XX", response = Problem),
    ))]
pub fn create(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: CreateWebhook = json_body(req)?;
    let created = webhooks::create_webhook(&who, &body.into(), idempotency_key(req).as_ref())?;
    Ok(json(201, &created))
}

/// Every webhook, oldest first (service lead, sales GM, admin, ops). Secrets are never shown.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The webhooks", body = [Webhook]),
        (status = "4XX", response = Problem),
    ))]
pub fn list(req: &Request, _params: &Params) -> ApiResult {
    let hooks = webhooks::list_webhooks(&credential(req)?)?;
    Ok(json(200, &hooks))
}

/// Turns a webhook on or off (service lead, admin). Off, it gets no deliveries of new
/// notifications, and its pending deliveries wait until it is on again.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/active", operation_id = "set_webhook_active",
    tag = "webhooks",
    request_body = SetActive,
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook as it is now", body = Webhook),
        (status = "4XX", response = Problem),
    ))]
pub fn set_active(req: &Request, params: &Params) -> ApiResult {
    let who = credential(req)?;
    let body: SetActive = json_body(req)?;
    let hook = webhooks::set_webhook_active(&who, params.get("id"), body.active)?;
    Ok(json(200, &hook))
}

/// The delivery log, newest first: every delivery with its status, attempts, last answer and
/// next attempt (service lead, sales GM, admin, ops). `status=dead` lists the dead letters.
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(ListDeliveries),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = "4XX", response = Problem),
    ))]
pub fn list_deliveries(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    let q: ListDeliveries = query(req)?;
    let status = q.status()?;
    let page = webhooks::list_deliveries(
        &who,
        q.webhook_id.as_deref(),
        status,
        q.limit,
        q.cursor.as_deref(),
    )?;
    Ok(json(200, &page))
}

/// Sends the deliveries that are due, up to 100, and records each attempt (ops, admin).
///
/// Safe to call as often as wanted, e.g. every minute by `crm up --tick` or a cron job: each
/// delivery is claimed for a minute while it is sent, so concurrent runs do not send it at the
/// same time. A receiver that cannot be reached, that takes more than 5 s to connect or 10 s to
/// answer, or a destination the deployment does not allow, is a failed attempt, not an error of
/// this call.
#[utoipa::path(post, path = "/api/v1/webhooks/deliver", operation_id = "deliver_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "What the run attempted and delivered", body = DeliverReport),
        (status = "4XX", response = Problem),
    ))]
pub fn deliver(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    // The sends are awaited on spin-sdk's executor, inside this ordinary handler.
    let report = spin_sdk::http::run(deliver_due(&who))?;
    Ok(json(200, &report))
}

/// Claims up to [`DELIVER_BATCH`] due deliveries, sends them, [`CONCURRENCY`] at a time, and
/// records each outcome as soon as it is known, so a receiver that hangs delays only its own
/// record (its claim already counted the attempt). Fails only if records does (the caller may
/// not deliver, or the store failed); unrecorded claims are then due again when their lease
/// lapses.
pub async fn deliver_due(who: &Credential) -> Result<DeliverReport, Problem> {
    let due = webhooks::claim_due(who, DELIVER_BATCH)?;
    if due.is_empty() {
        return Ok(DeliverReport {
            attempted: 0,
            delivered: 0,
        });
    }
    let mut outcomes = stream::iter(due.iter().map(attempt)).buffer_unordered(CONCURRENCY);
    let (mut attempted, mut delivered) = (0u32, 0u32);
    while let Some(result) = outcomes.next().await {
        webhooks::record_attempts(who, std::slice::from_ref(&result))?;
        attempted += 1;
        delivered += u32::from(is_success(result.status));
    }
    Ok(DeliverReport {
        attempted,
        delivered,
    })
}

/// One attempt of one delivery: a signed POST of its body to its webhook's URL.
async fn attempt(due: &DueDelivery) -> AttemptResult {
    let outcome = |status: Option<u16>, error: String| AttemptResult {
        delivery_id: due.delivery_id.clone(),
        attempt: due.attempt,
        status,
        error,
    };
    let timestamp = unix_seconds();
    let signature = match sign(&due.secret, timestamp, &due.payload) {
        Ok(signature) => signature,
        Err(e) => return outcome(None, format!("the body could not be signed: {e}")),
    };
    let request = Request::builder()
        .method(Method::Post)
        .uri(due.url.as_str())
        .header("content-type", "application/json")
        // A length rather than chunks: every receiver can read it, and it is what was signed.
        .header("content-length", due.payload.len().to_string())
        .header("user-agent", "crm-webhooks/0.1")
        .header("crm-delivery-id", due.delivery_id.as_str())
        .header("crm-topic", due.topic.as_str())
        .header("crm-attempt", due.attempt.to_string())
        .header("crm-signature", format!("t={timestamp},v1={signature}"))
        .body(due.payload.clone())
        .build();
    // Only the status matters: the response body is never read.
    match send_with_timeouts(request).await {
        Ok(response) => {
            let status = response.status();
            if is_success(Some(status)) {
                outcome(Some(status), String::new())
            } else {
                outcome(Some(status), format!("the receiver answered {status}"))
            }
        }
        Err(SendError::Http(ErrorCode::HttpRequestDenied)) => outcome(
            None,
            "the destination is not allowed: it is not in the escalation component's \
             allowed_outbound_hosts"
                .to_owned(),
        ),
        Err(SendError::Http(ErrorCode::ConnectionTimeout)) => outcome(
            None,
            format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
        ),
        Err(SendError::Http(ErrorCode::ConnectionReadTimeout)) => outcome(
            None,
            format!("no answer within {} s", FIRST_BYTE_TIMEOUT.as_secs()),
        ),
        Err(e) => outcome(None, format!("no answer: {e}")),
    }
}

/// How long a delivery waits for the receiver's connection, and then for its answer: a receiver
/// that hangs fails the attempt (to be tried again later) instead of holding the run.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);

/// `spin_sdk::http::send` with timeouts. spin-sdk 5.2's `send` passes no request options, so
/// this sends through `wasi:http/outgoing-handler` itself with `request-options` (connect,
/// first byte, between bytes), which Spin and crm apply to the outgoing connection, and awaits
/// the answer on spin-sdk's executor as `send` does.
async fn send_with_timeouts(request: Request) -> Result<IncomingResponse, SendError> {
    let (outgoing, body) = request
        .try_into_outgoing_request()
        .map_err(|e| SendError::RequestConversion(e.into()))?;
    let options = RequestOptions::new();
    let nanos = |d: Duration| Some(d.as_nanos() as u64);
    // Each setter fails only where the host does not support that timeout; then it is not set.
    let _ = options.set_connect_timeout(nanos(CONNECT_TIMEOUT));
    let _ = options.set_first_byte_timeout(nanos(FIRST_BYTE_TIMEOUT));
    let _ = options.set_between_bytes_timeout(nanos(FIRST_BYTE_TIMEOUT));
    let sink = body.as_ref().map(|_| outgoing.take_body());
    let response = outgoing_handler::handle(outgoing, Some(options)).map_err(SendError::Http)?;
    if let (Some(mut sink), Some(body)) = (sink, body) {
        sink.send(body).await.map_err(SendError::Io)?;
    }
    let mut waiting: Option<CancelOnDropToken> = None;
    let answer = std::future::poll_fn(|context| match response.get() {
        Some(Ok(answer)) => Poll::Ready(answer.map_err(SendError::Http)),
        Some(Err(())) => Poll::Ready(Err(SendError::Http(ErrorCode::InternalError(Some(
            "the response was already taken".into(),
        ))))),
        None => {
            waiting = Some(CancelOnDropToken::from(
                spin_executor::push_waker_and_get_token(
                    response.subscribe(),
                    context.waker().clone(),
                ),
            ));
            Poll::Pending
        }
    })
    .await;
    drop(waiting);
    answer
}

/// The `v1` signature: lower-case hex HMAC-SHA256 of `<t>.<body>`, keyed with the secret.
fn sign(secret: &str, timestamp: u64, body: &str) -> Result<String, String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
