//! Service requests: work done for a customer (a replacement shipment, a repair, a refund),
//! derived from a complaint or qualified from a lead, and handed from department to department.
//!
//! The workflow, one step at a time:
//!
//! ```text
//! requested ─approve (finance)─> approved ─pick (warehouse)─> picked ─ship (warehouse)─> shipped
//!     │                             │                                                      │
//!     ├─reject (finance)─> rejected ├─complete (no item to ship)─> done        confirm_receipt
//!     ├─cancel─> cancelled          └─cancel─> cancelled                                   v
//!     └─complete (repair, other)─> done                                                received
//! ```
//!
//! A replacement carries an item (product and units) that the warehouse picks and ships; a
//! request without one (a refund, a repair, or a replacement qualified from a lead before anyone
//! named the product) is completed once approved. Repairs and other work cost nothing to
//! approve and may be completed straight away.

use crate::customer::parse_required_text;
use crate::role::Role;
use crate::FieldError;

crate::named_enum! {
    /// What kind of service work is needed.
    pub enum ServiceKind as "service kind" {
        Replacement = "replacement",
        Repair = "repair",
        Refund = "refund",
        Other = "other",
    }
}

crate::named_enum! {
    /// Where a service request stands.
    pub enum ServiceStatus as "service status" {
        /// Waiting for finance (or, for a repair, for the work).
        Requested = "requested",
        /// Finance approved what it costs.
        Approved = "approved",
        /// Finance refused it. Final.
        Rejected = "rejected",
        /// The warehouse took the units off the shelf.
        Picked = "picked",
        /// On its way to the customer.
        Shipped = "shipped",
        /// The customer confirmed receipt. Final.
        Received = "received",
        /// Done without a shipment (refund paid, repair made). Final.
        Done = "done",
        /// Called off. Final.
        Cancelled = "cancelled",
    }
}

crate::named_enum! {
    /// A step of the workflow.
    pub enum ServiceAction as "action" {
        Approve = "approve",
        Reject = "reject",
        Pick = "pick",
        Ship = "ship",
        ConfirmReceipt = "confirm_receipt",
        Complete = "complete",
        Cancel = "cancel",
    }
}

impl ServiceStatus {
    /// Whether the request is still being worked on.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ServiceStatus::Rejected
                | ServiceStatus::Received
                | ServiceStatus::Done
                | ServiceStatus::Cancelled
        )
    }

    /// Whether the units of its item are still promised to it: given back to stock when it
    /// ends without shipping.
    pub fn holds_stock(self) -> bool {
        matches!(self, ServiceStatus::Requested | ServiceStatus::Approved)
    }
}

/// Who may take a step: `finance` approves and rejects, the warehouse picks and ships, staff
/// who work with customers confirm receipt, complete and cancel (cancelling is further limited
/// to the requester or a manager by the caller).
pub fn may_take(role: Role, action: ServiceAction) -> bool {
    match action {
        ServiceAction::Approve | ServiceAction::Reject => role.approves_remedies(),
        ServiceAction::Pick | ServiceAction::Ship => role.keeps_stock(),
        ServiceAction::Complete => role.works_with_customers() || role.approves_remedies(),
        ServiceAction::ConfirmReceipt | ServiceAction::Cancel => role.works_with_customers(),
    }
}

/// A step that the request's status (or its lack of an item) does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} {kind} request cannot {action}{why}")]
pub struct IllegalStep {
    pub kind: ServiceKind,
    pub from: ServiceStatus,
    pub action: ServiceAction,
    /// Said after the action when the status alone does not explain it.
    why: &'static str,
}

/// The status a step leads to, or why it is not allowed. `has_item` tells whether the request
/// ships something (a replacement with its product and units).
pub fn step(
    kind: ServiceKind,
    has_item: bool,
    from: ServiceStatus,
    action: ServiceAction,
) -> Result<ServiceStatus, IllegalStep> {
    use ServiceAction as A;
    use ServiceStatus as S;
    let refused = |why| IllegalStep {
        kind,
        from,
        action,
        why,
    };
    let free = matches!(kind, ServiceKind::Repair | ServiceKind::Other);
    match (from, action) {
        (S::Requested, A::Approve) => Ok(S::Approved),
        (S::Requested, A::Reject) => Ok(S::Rejected),
        (S::Requested | S::Approved, A::Cancel) => Ok(S::Cancelled),
        (S::Approved, A::Pick) if has_item => Ok(S::Picked),
        (S::Approved, A::Pick) => Err(refused(": it ships nothing")),
        (S::Picked, A::Ship) => Ok(S::Shipped),
        (S::Shipped, A::ConfirmReceipt) => Ok(S::Received),
        (S::Approved, A::Complete) if !has_item => Ok(S::Done),
        (S::Requested, A::Complete) if free && !has_item => Ok(S::Done),
        (S::Approved, A::Complete) => Err(refused(": its item is shipped, then received")),
        _ => Err(refused("")),
    }
}

/// Most units one replacement may ship.
pub const MAX_UNITS: u32 = 1_000_000;

/// The units a replacement ships: as many as on the complained line unless given, and no more
/// than the policy's remedy allows (`remedy_percent` of the line's units, rounded down, and at
/// least the line's units).
pub fn replacement_units(
    asked: Option<u32>,
    line_units: u32,
    remedy_percent: u32,
) -> Result<u32, FieldError> {
    let allowed = u64::from(line_units) * u64::from(remedy_percent) / 100;
    let allowed = allowed.max(u64::from(line_units)).min(u64::from(MAX_UNITS));
    let units = asked.unwrap_or(line_units);
    if units == 0 {
        return Err(FieldError::new("quantity", "must be at least 1"));
    }
    if u64::from(units) > allowed {
        return Err(FieldError::new(
            "quantity",
            format!(
                "at most {allowed}: the policy allows {remedy_percent}% of the {line_units} \
                 units on the order line"
            ),
        ));
    }
    Ok(units)
}

/// A step's note: optional, at most 2000 characters; rejecting and cancelling need one.
pub fn parse_note(action: ServiceAction, note: &str) -> Result<String, FieldError> {
    if matches!(action, ServiceAction::Reject | ServiceAction::Cancel) {
        return parse_required_text("note", note, 2000);
    }
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(FieldError::new("note", "at most 2000 characters"));
    }
    Ok(note.to_owned())
}

/// What a request is for, 1–2000 characters.
pub fn parse_summary(summary: &str) -> Result<String, FieldError> {
    parse_required_text("summary", summary, 2000)
}

/// Where [`shipped_note`] names the agent's callback task.
const CALLBACK_CLAUSE: &str = "; callback task ";

/// What shipping writes on the request's complaint timeline: the ship date, then the carrier
/// and the tracking number when given, then the agent's callback task and when it is due.
pub fn shipped_note(
    ship_date: &str,
    carrier: &str,
    tracking_number: &str,
    callback_task: &str,
    callback_due: &str,
) -> String {
    let mut note = format!("shipped on {ship_date}");
    for given in [carrier, tracking_number] {
        if !given.is_empty() {
            note.push(' ');
            note.push_str(given);
        }
    }
    note.push_str(CALLBACK_CLAUSE);
    note.push_str(callback_task);
    note.push_str(" due ");
    note.push_str(callback_due);
    note
}

/// A service step's note on a complaint's timeline as its customer may read it: the agent's
/// callback task that [`shipped_note`] names, and when it is due, are the company's own
/// business and left out; everything else is kept.
pub fn customer_note(note: &str) -> String {
    const DUE: &str = " due ";
    let Some(start) = note.find(CALLBACK_CLAUSE) else {
        return note.to_owned();
    };
    let rest = &note[start + CALLBACK_CLAUSE.len()..];
    // "<task> due <instant>", perhaps followed by " (<the step's note>)".
    let end = match rest.find(DUE) {
        Some(due) => {
            let instant = &rest[due + DUE.len()..];
            due + DUE.len() + instant.find(' ').unwrap_or(instant.len())
        }
        None => rest.len(),
    };
    format!("{}{}", &note[..start], &rest[end..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServiceAction as A;
    use ServiceStatus as S;

    #[test]
    fn a_replacement_goes_through_finance_warehouse_and_the_customer() {
        let mut status = S::Requested;
        for (action, to) in [
            (A::Approve, S::Approved),
            (A::Pick, S::Picked),
            (A::Ship, S::Shipped),
            (A::ConfirmReceipt, S::Received),
        ] {
            status = step(ServiceKind::Replacement, true, status, action).unwrap();
            assert_eq!(status, to);
        }
        assert!(!status.is_open());
    }

    #[test]
    fn steps_out_of_order_are_refused_naming_the_status() {
        let err = step(ServiceKind::Replacement, true, S::Requested, A::Ship).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a requested replacement request cannot ship"
        );
        assert!(step(ServiceKind::Replacement, true, S::Approved, A::Approve).is_err());
        assert!(step(ServiceKind::Replacement, true, S::Picked, A::Cancel).is_err());
        assert!(step(
            ServiceKind::Replacement,
            true,
            S::Received,
            A::ConfirmReceipt
        )
        .is_err());
        for &action in ServiceAction::ALL {
            for from in [S::Rejected, S::Received, S::Done, S::Cancelled] {
                assert!(
                    step(ServiceKind::Refund, false, from, action).is_err(),
                    "{from} {action}"
                );
            }
        }
    }

    #[test]
    fn a_request_without_an_item_is_completed_and_never_picked() {
        assert_eq!(
            step(ServiceKind::Refund, false, S::Approved, A::Complete),
            Ok(S::Done)
        );
        assert!(step(ServiceKind::Refund, false, S::Requested, A::Complete).is_err());
        assert_eq!(
            step(ServiceKind::Repair, false, S::Requested, A::Complete),
            Ok(S::Done)
        );
        let err = step(ServiceKind::Replacement, false, S::Approved, A::Pick).unwrap_err();
        assert!(err.to_string().ends_with("it ships nothing"), "{err}");
        assert!(step(ServiceKind::Replacement, true, S::Approved, A::Complete).is_err());
    }

    #[test]
    fn the_customer_reads_the_shipping_note_without_the_callback_task() {
        let note = shipped_note("2026-07-02", "SF", "SF123", "tsk_1", "2026-07-05T04:00:00Z");
        assert_eq!(
            note,
            "shipped on 2026-07-02 SF SF123; callback task tsk_1 due 2026-07-05T04:00:00Z"
        );
        assert_eq!(
            customer_note(&format!("srq_9 {note}")),
            "srq_9 shipped on 2026-07-02 SF SF123"
        );
        assert_eq!(
            customer_note(&format!("srq_9 {note} (left at the door)")),
            "srq_9 shipped on 2026-07-02 SF SF123 (left at the door)"
        );
        let bare = shipped_note("2026-07-02", "", "", "tsk_2", "2026-07-05T04:00:00Z");
        assert_eq!(customer_note(&bare), "shipped on 2026-07-02");
        for other in [
            "srq_9 confirm_receipt: shipped → received",
            "srq_9 requested: a replacement of 2 × P-1 to 1 Main St, Shanghai",
            "",
        ] {
            assert_eq!(customer_note(other), other);
        }
    }

    #[test]
    fn only_finance_approves_and_only_the_warehouse_ships() {
        assert!(may_take(Role::Finance, A::Approve) && !may_take(Role::Warehouse, A::Approve));
        assert!(may_take(Role::Warehouse, A::Ship) && !may_take(Role::Finance, A::Pick));
        assert!(!may_take(Role::Agent, A::Approve) && may_take(Role::Agent, A::ConfirmReceipt));
        assert!(!may_take(Role::Ops, A::Cancel) && !may_take(Role::Warehouse, A::Cancel));
    }

    #[test]
    fn stock_is_held_until_the_request_ships_or_ends() {
        assert!(S::Requested.holds_stock() && S::Approved.holds_stock());
        assert!(!S::Picked.holds_stock() && !S::Rejected.holds_stock());
    }

    #[test]
    fn a_replacement_ships_like_for_like_unless_the_policy_is_generous() {
        assert_eq!(replacement_units(None, 2, 100), Ok(2));
        assert_eq!(replacement_units(Some(1), 2, 100), Ok(1));
        let err = replacement_units(Some(3), 2, 100).unwrap_err();
        assert_eq!(err.field, "quantity");
        assert!(err.message.starts_with("at most 2"), "{}", err.message);
        assert_eq!(replacement_units(Some(3), 2, 150), Ok(3));
        assert!(replacement_units(Some(4), 2, 150).is_err());
        assert!(replacement_units(Some(0), 2, 100).is_err());
        // 150 % of 1 unit rounds down to 1: never less than like for like.
        assert_eq!(replacement_units(None, 1, 150), Ok(1));
    }

    #[test]
    fn rejecting_and_cancelling_need_a_note() {
        assert_eq!(parse_note(A::Reject, "  ").unwrap_err().field, "note");
        assert!(parse_note(A::Cancel, "").is_err());
        assert_eq!(parse_note(A::Approve, " ok "), Ok("ok".into()));
        assert!(parse_note(A::Ship, &"x".repeat(2001)).is_err());
    }
}
