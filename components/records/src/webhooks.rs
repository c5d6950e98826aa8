//! Webhooks: subscribers to the notifications of the outbox (`complaints::notify`), and the
//! delivery of each notification to each of them.
//!
//! [`fan_out`] runs in the transaction that writes a notification: one pending delivery per
//! active webhook whose topics match, due at once, with the JSON body it will be POSTed with.
//! A deliverer (escalation's `POST /api/v1/webhooks/deliver`) [`claim_due`]s deliveries, which
//! leases them for `LEASE_SECONDS`, sends them, and [`record_attempts`]: a 2xx delivers, a
//! failure is due again after the backoff of `crm_domain::webhook`, and the eighth failure is a
//! dead letter. Every attempt is kept in `webhook_attempt`.
//!
//! The webhook's secret is the HMAC key deliveries are signed with, so it is stored as it is
//! (staff tokens, which are only compared, are stored hashed). It leaves records only in the
//! answer to the create and in claimed deliveries, and never goes into the audit log.

use crate::audit;
use crate::auth::Actor;
use crate::db::{self, Db};
use crate::exports::crm::records::types::Error;
use crate::exports::crm::records::webhooks::{
    AttemptResult, CreatedWebhook, Delivery, DeliveryPage, DeliveryStatus as WitStatus,
    DueDelivery, NewWebhook, Webhook,
};
use crate::names::stored;
use crate::secrets;
use crm_domain::role::Role;
use crm_domain::time::rfc3339_utc;
use crm_domain::webhook::{
    after_attempt, parse_topics, parse_url, subscribes, truncate_error, AfterAttempt,
    DeliveryStatus, LEASE_SECONDS, MAX_ATTEMPTS,
};
use serde_json::json;
use spin_sdk::sqlite3::{RowResult, Value};

const WEBHOOK_COLUMNS: &str = "id, url, topics_json, active, created_at";

const DELIVERY_COLUMNS: &str = "id, event_id, webhook_id, topic, status, attempts, last_status, \
     last_error, next_attempt_at, delivered_at, created_at";

/// The most deliveries one `claim_due` takes.
const MAX_CLAIM: u32 = 500;

/// The most outcomes one `record_attempts` takes.
const MAX_RESULTS: usize = 500;

// --- who may ---

fn may_manage(actor: &Actor) -> Result<(), Error> {
    actor.require(Role::manages_service, "manage webhooks")
}

fn may_watch(actor: &Actor) -> Result<(), Error> {
    let role = actor.role();
    if role.oversees() || role.manages_service() || role.runs_sweeps() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "role {role} may not see webhooks and their deliveries"
        )))
    }
}

fn may_deliver(actor: &Actor) -> Result<(), Error> {
    actor.require(Role::runs_sweeps, "deliver webhooks")
}

// --- webhooks ---

fn topics_from_json(text: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(text).map_err(|e| db::internal("read a webhook's topics", e))
}

fn webhook_from_row(row: &RowResult) -> Result<Webhook, Error> {
    Ok(Webhook {
        id: db::text(row, 0, "id")?,
        url: db::text(row, 1, "url")?,
        topics: topics_from_json(&db::text(row, 2, "topics_json")?)?,
        active: db::flag(row, 3, "active")?,
        created_at: db::text(row, 4, "created_at")?,
    })
}

/// What the audit log keeps of a webhook: never its secret.
fn audit_json(w: &Webhook) -> serde_json::Value {
    json!({"url": w.url, "topics": w.topics, "active": w.active})
}

fn find_webhook(db: &Db, id: &str) -> Result<Webhook, Error> {
    let found = db.query(
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE id = ?"),
        &[Value::Text(id.to_owned())],
    )?;
    match found.rows.first() {
        Some(row) => webhook_from_row(row),
        None => Err(Error::NotFound(format!("no webhook {id}"))),
    }
}

pub fn create_webhook(db: &Db, actor: &Actor, input: NewWebhook) -> Result<CreatedWebhook, Error> {
    may_manage(actor)?;
    let url = parse_url(&input.url)?;
    let topics = parse_topics(&input.topics)?;
    let webhook = Webhook {
        id: secrets::new_id("whk")?,
        url,
        topics,
        active: true,
        created_at: db::now(),
    };
    let secret = secrets::new_secret()?;
    db.transaction(|db| {
        db.exec(
            "INSERT INTO webhook (id, url, topics_json, secret, active, created_at)
             VALUES (?, ?, ?, ?, 1, ?)",
            &[
                Value::Text(webhook.id.clone()),
                Value::Text(webhook.url.clone()),
                Value::Text(json!(webhook.topics).to_string()),
                Value::Text(secret.clone()),
                Value::Text(webhook.created_at.clone()),
            ],
        )?;
        audit::record(
            db,
            actor,
            "webhook.create",
            "webhook",
            &webhook.id,
            None,
            Some(audit_json(&webhook)),
        )?;
        Ok(CreatedWebhook {
            webhook: webhook.clone(),
            secret: secret.clone(),
        })
    })
}

pub fn list_webhooks(db: &Db, actor: &Actor) -> Result<Vec<Webhook>, Error> {
    may_watch(actor)?;
    let found = db.query(
        &format!("SELECT {WEBHOOK_COLUMNS} FROM webhook ORDER BY created_at, id"),
        &[],
    )?;
    found.rows.iter().map(webhook_from_row).collect()
}

pub fn set_webhook_active(
    db: &Db,
    actor: &Actor,
    id: &str,
    active: bool,
) -> Result<Webhook, Error> {
    may_manage(actor)?;
    db.transaction(|db| {
        let before = find_webhook(db, id)?;
        if before.active == active {
            return Ok(before);
        }
        db.exec(
            "UPDATE webhook SET active = ? WHERE id = ?",
            &[
                Value::Integer(i64::from(active)),
                Value::Text(id.to_owned()),
            ],
        )?;
        let after = Webhook {
            active,
            ..before.clone()
        };
        audit::record(
            db,
            actor,
            if active {
                "webhook.activate"
            } else {
                "webhook.deactivate"
            },
            "webhook",
            id,
            Some(audit_json(&before)),
            Some(audit_json(&after)),
        )?;
        Ok(after)
    })
}

// --- fan-out: in the transaction of the notification ---

/// Queues the notification `event_id` (just written to the outbox) for every active webhook
/// that takes `topic`: one pending delivery each, due now. `payload` is the notification's
/// JSON; the delivery's body wraps it with the event's id, topic and time. Call it in the
/// transaction that writes the notification, so both commit or neither does.
pub fn fan_out(db: &Db, event_id: &str, topic: &str, payload: &str) -> Result<(), Error> {
    let found = db.query(
        "SELECT id, topics_json FROM webhook WHERE active = 1 ORDER BY id",
        &[],
    )?;
    let mut subscribers = Vec::new();
    for row in &found.rows {
        if subscribes(&topics_from_json(&db::text(row, 1, "topics_json")?)?, topic) {
            subscribers.push(db::text(row, 0, "id")?);
        }
    }
    if subscribers.is_empty() {
        return Ok(());
    }
    let now = db::now_secs();
    let stamp = rfc3339_utc(now);
    let data: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| db::internal("read a notification's payload", e))?;
    let body = json!({
        "event_id": event_id,
        "topic": topic,
        "occurred_at": stamp,
        "data": data,
    })
    .to_string();
    for webhook_id in subscribers {
        db.exec(
            "INSERT INTO webhook_delivery
                 (id, event_id, webhook_id, topic, payload_json, status, attempts, last_status,
                  last_error, next_attempt_at, delivered_at, created_at)
             VALUES (?, ?, ?, ?, ?, 'pending', 0, NULL, '', ?, NULL, ?)",
            &[
                Value::Text(secrets::new_id("dlv")?),
                Value::Text(event_id.to_owned()),
                Value::Text(webhook_id),
                Value::Text(topic.to_owned()),
                Value::Text(body.clone()),
                Value::Integer(now),
                Value::Text(stamp.clone()),
            ],
        )?;
    }
    Ok(())
}

// --- the delivery log ---

fn delivery_from_row(r: &RowResult) -> Result<Delivery, Error> {
    Ok(Delivery {
        id: db::text(r, 0, "id")?,
        event_id: db::text(r, 1, "event_id")?,
        webhook_id: db::text(r, 2, "webhook_id")?,
        topic: db::text(r, 3, "topic")?,
        status: stored::<DeliveryStatus>(&db::text(r, 4, "status")?)?.into(),
        attempts: db::count(r, 5, "attempts")?,
        last_status: r.get::<i64>(6).and_then(|s| u16::try_from(s).ok()),
        last_error: db::text(r, 7, "last_error")?,
        next_attempt_at: r.get::<i64>(8).map(rfc3339_utc),
        delivered_at: r.get::<&str>(9).map(str::to_owned),
        created_at: db::text(r, 10, "created_at")?,
    })
}

pub fn list_deliveries(
    db: &Db,
    actor: &Actor,
    webhook_id: Option<String>,
    status: Option<WitStatus>,
    limit: u32,
    cursor: Option<String>,
) -> Result<DeliveryPage, Error> {
    may_watch(actor)?;
    db::check_limit("limit", limit, 200)?;
    let (after_created, after_id) = db::parse_cursor(cursor.as_deref())?;
    let found = db.query(
        &format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_delivery
              WHERE (?1 IS NULL OR webhook_id = ?1)
                AND (?2 IS NULL OR status = ?2)
                AND (?3 IS NULL OR (created_at, id) < (?3, ?4))
              ORDER BY created_at DESC, id DESC LIMIT ?5"
        ),
        &[
            webhook_id.map_or(Value::Null, Value::Text),
            status.map_or(Value::Null, |s| {
                Value::Text(DeliveryStatus::from(s).as_str().into())
            }),
            after_created,
            after_id,
            Value::Integer(i64::from(limit) + 1),
        ],
    )?;
    let mut items = found
        .rows
        .iter()
        .map(delivery_from_row)
        .collect::<Result<Vec<_>, Error>>()?;
    let next_cursor = db::next_cursor(&mut items, limit, |d| (&d.created_at, &d.id));
    Ok(DeliveryPage { items, next_cursor })
}

// --- delivering ---

pub fn claim_due(db: &Db, actor: &Actor, limit: u32) -> Result<Vec<DueDelivery>, Error> {
    may_deliver(actor)?;
    db::check_limit("limit", limit, MAX_CLAIM)?;
    // Under the write lock: a concurrent deliverer waits, then sees the leases taken here.
    db.transaction(|db| {
        let now = db::now_secs();
        let stamp = rfc3339_utc(now);
        // A delivery whose last claim never reported an outcome (its deliverer died or hung)
        // has had all its attempts: it is dead, not sent again.
        db.exec(
            "UPDATE webhook_delivery
                SET status = 'dead', next_attempt_at = NULL,
                    last_error = 'no outcome was reported for the last attempt'
              WHERE status = 'pending' AND next_attempt_at <= ?1 AND attempts >= ?2",
            &[Value::Integer(now), Value::Integer(i64::from(MAX_ATTEMPTS))],
        )?;
        let found = db.query(
            "SELECT d.id, w.url, w.secret, d.topic, d.payload_json, d.attempts
               FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id
              WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND w.active = 1
              ORDER BY d.next_attempt_at, d.id LIMIT ?2",
            &[Value::Integer(now), Value::Integer(i64::from(limit))],
        )?;
        let mut due = Vec::with_capacity(found.rows.len());
        for r in &found.rows {
            due.push(DueDelivery {
                delivery_id: db::text(r, 0, "id")?,
                url: db::text(r, 1, "url")?,
                secret: db::text(r, 2, "secret")?,
                topic: db::text(r, 3, "topic")?,
                payload: db::text(r, 4, "payload_json")?,
                attempt: db::count(r, 5, "attempts")?.saturating_add(1),
            });
        }
        // The attempt is counted now, as if it will fail: if its outcome never comes back, the
        // delivery is tried again when the lease lapses, and dies after its last attempt
        // rather than being retried for ever.
        for d in &due {
            db.exec(
                "UPDATE webhook_delivery SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                &[
                    Value::Integer(i64::from(d.attempt)),
                    Value::Integer(now + LEASE_SECONDS),
                    Value::Text(d.delivery_id.clone()),
                ],
            )?;
            db.exec(
                "INSERT INTO webhook_attempt (delivery_id, attempt, at, status, error)
                 VALUES (?, ?, ?, NULL, 'no outcome reported')",
                &[
                    Value::Text(d.delivery_id.clone()),
                    Value::Integer(i64::from(d.attempt)),
                    Value::Text(stamp.clone()),
                ],
            )?;
        }
        Ok(due)
    })
}

pub fn record_attempts(db: &Db, actor: &Actor, results: Vec<AttemptResult>) -> Result<u32, Error> {
    may_deliver(actor)?;
    if results.len() > MAX_RESULTS {
        return Err(db::invalid(
            "results",
            format!("must have at most {MAX_RESULTS} outcomes"),
        ));
    }
    db.transaction(|db| {
        let now = db::now_secs();
        let stamp = rfc3339_utc(now);
        let mut recorded = 0u32;
        for result in &results {
            let found = db.query(
                "SELECT status, attempts FROM webhook_delivery WHERE id = ?",
                &[Value::Text(result.delivery_id.clone())],
            )?;
            let Some(row) = found.rows.first() else {
                continue;
            };
            // Only the outcome of the delivery's current claim counts: a late report of an
            // earlier attempt (its lease lapsed and it was claimed again) is stale.
            let attempts = db::count(row, 1, "attempts")?;
            if stored::<DeliveryStatus>(&db::text(row, 0, "status")?)? != DeliveryStatus::Pending
                || attempts != result.attempt
            {
                continue;
            }
            let error = truncate_error(&result.error);
            let (status, next_attempt_at, delivered_at) =
                match after_attempt(result.status, attempts) {
                    AfterAttempt::Delivered => {
                        (DeliveryStatus::Delivered, None, Some(stamp.clone()))
                    }
                    AfterAttempt::RetryIn(seconds) => {
                        (DeliveryStatus::Pending, Some(now + seconds), None)
                    }
                    AfterAttempt::Dead => (DeliveryStatus::Dead, None, None),
                };
            let last_status = || {
                result
                    .status
                    .map_or(Value::Null, |s| Value::Integer(i64::from(s)))
            };
            db.exec(
                "UPDATE webhook_delivery
                    SET status = ?, last_status = ?, last_error = ?, next_attempt_at = ?,
                        delivered_at = ?
                  WHERE id = ?",
                &[
                    Value::Text(status.as_str().to_owned()),
                    last_status(),
                    Value::Text(error.clone()),
                    next_attempt_at.map_or(Value::Null, Value::Integer),
                    delivered_at.map_or(Value::Null, Value::Text),
                    Value::Text(result.delivery_id.clone()),
                ],
            )?;
            db.exec(
                "UPDATE webhook_attempt SET at = ?, status = ?, error = ?
                  WHERE delivery_id = ? AND attempt = ?",
                &[
                    Value::Text(stamp.clone()),
                    last_status(),
                    Value::Text(error),
                    Value::Text(result.delivery_id.clone()),
                    Value::Integer(i64::from(attempts)),
                ],
            )?;
            recorded += 1;
        }
        Ok(recorded)
    })
}
