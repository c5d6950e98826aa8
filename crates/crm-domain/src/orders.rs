//! Order rules: where an order stands and how it moves, money in minor units, line totals, and
//! the per-customer order metrics managers rank customers by (problem 6 of DOMAIN.md: count
//! customers, not only orders).

use crate::customer::parse_text;
use crate::time::{parse_day, parse_instant, rfc3339_utc};
use crate::{FieldError, InputError};

crate::named_enum! {
    /// Where an order was placed: entered by staff, or by the customer on the web portal.
    pub enum OrderChannel as "order channel" {
        Staff = "staff",
        Web = "web",
    }
}

crate::named_enum! {
    /// Where an order stands.
    ///
    /// ```text
    /// placed ─confirm─> confirmed ─ship─> shipped ─deliver─> delivered
    ///    │                  │
    ///    └─────cancel───────┴──> cancelled
    /// ```
    ///
    /// A web order starts `placed`; an order entered by staff starts `confirmed` (the company
    /// took it), or `delivered` when it is entered with its ship date (a past order). Delivered
    /// and cancelled are final. A cancelled order counts in no report.
    pub enum OrderStatus as "order status" {
        /// Received from the customer, not yet confirmed by the company.
        Placed = "placed",
        /// Accepted by the company: it will be shipped.
        Confirmed = "confirmed",
        /// On its way; the order has its ship date.
        Shipped = "shipped",
        /// The customer has it. Final.
        Delivered = "delivered",
        /// Called off before it shipped. Final.
        Cancelled = "cancelled",
    }
}

/// A move that the order's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} order cannot become {to}{why}")]
pub struct IllegalMove {
    /// The status the order is in.
    pub from: OrderStatus,
    /// The status asked for.
    pub to: OrderStatus,
    /// Said after the move when the statuses alone do not explain it.
    why: &'static str,
}

impl OrderStatus {
    /// The status a new order starts in: `delivered` when it is entered with its ship date
    /// (staff recording a past order, demo data), else `placed` from the web and `confirmed`
    /// from staff.
    pub fn initial(channel: OrderChannel, has_ship_date: bool) -> OrderStatus {
        match (channel, has_ship_date) {
            (_, true) => OrderStatus::Delivered,
            (OrderChannel::Web, false) => OrderStatus::Placed,
            (OrderChannel::Staff, false) => OrderStatus::Confirmed,
        }
    }

    /// The status after a move to `to`, or why the move is not allowed: placed → confirmed →
    /// shipped → delivered one step at a time, and placed or confirmed → cancelled. Nothing
    /// leaves delivered or cancelled.
    pub fn next(self, to: OrderStatus) -> Result<OrderStatus, IllegalMove> {
        use OrderStatus as S;
        let refused = |why| IllegalMove {
            from: self,
            to,
            why,
        };
        match (self, to) {
            (S::Placed, S::Confirmed)
            | (S::Confirmed, S::Shipped)
            | (S::Shipped, S::Delivered)
            | (S::Placed | S::Confirmed, S::Cancelled) => Ok(to),
            (S::Delivered | S::Cancelled, _) => Err(refused(": it is final")),
            (S::Shipped, S::Cancelled) => Err(refused(": it has shipped")),
            (from, to) if from == to => Err(refused(": it is already")),
            _ => Err(refused("")),
        }
    }

    /// Whether the order counts in reports and in a customer's figures: every order but a
    /// cancelled one.
    pub fn counts(self) -> bool {
        self != OrderStatus::Cancelled
    }

    /// Whether the customer may still cancel the order themselves on the portal: only a web
    /// order that the company has not confirmed yet.
    pub fn customer_may_cancel(self, channel: OrderChannel) -> bool {
        self == OrderStatus::Placed && channel == OrderChannel::Web
    }
}

/// The most units one order line can carry; more is a typing error, not an order.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// The highest unit price in minor units (fen/cents): 100 million in major units.
pub const MAX_UNIT_PRICE: i64 = 10_000_000_000;

/// Checks a unit price in minor units: zero (a free replacement) up to [`MAX_UNIT_PRICE`].
pub fn parse_unit_price(field: &'static str, minor_units: i64) -> Result<i64, FieldError> {
    if (0..=MAX_UNIT_PRICE).contains(&minor_units) {
        Ok(minor_units)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between 0 and {MAX_UNIT_PRICE} minor units (fen/cents)"),
        ))
    }
}

/// Checks an ordered quantity: 1 up to [`MAX_QUANTITY`].
pub fn parse_quantity(field: &'static str, quantity: u32) -> Result<u32, FieldError> {
    if (1..=MAX_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between 1 and {MAX_QUANTITY}"),
        ))
    }
}

/// A stock-keeping unit: trimmed, upper-cased, 1–40 of letters, digits, `-`, `_` and `.`.
pub fn parse_sku(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let sku = crate::dedup::half_width(raw).trim().to_uppercase();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if sku.is_empty() || sku.len() > 40 || !sku.chars().all(allowed) {
        return Err(FieldError::new(
            field,
            "must be 1–40 letters, digits, `-`, `_` or `.`",
        ));
    }
    Ok(sku)
}

/// The most lines one order has.
pub const MAX_LINES: usize = 100;

/// One line of a new order, as it was sent (its product is looked up where it is stored).
#[derive(Debug, Clone, Copy, Default)]
pub struct LineDraft<'a> {
    pub quantity: u32,
    pub unit_price: Option<i64>,
    pub batch_number: &'a str,
}

/// A line whose fields passed their rules: 1 to [`MAX_QUANTITY`] units, an agreed price of 0 to
/// [`MAX_UNIT_PRICE`] if any (the catalogue's otherwise), a batch number of at most 40
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub quantity: u32,
    pub unit_price: Option<i64>,
    pub batch_number: String,
}

/// A new order's own fields and lines, as they were sent (its customer, address and products
/// are looked up where they are stored).
#[derive(Debug, Clone, Default)]
pub struct OrderDraft<'a> {
    pub placed_at: Option<&'a str>,
    pub ship_date: Option<&'a str>,
    pub invoice_number: &'a str,
    pub notes: &'a str,
    pub lines: Vec<LineDraft<'a>>,
}

/// A new order whose every field passed its rule, parsed whole and once: 1 to [`MAX_LINES`]
/// lines, the instant it was placed (RFC 3339 or a date, in UTC) if given, a ship date
/// `YYYY-MM-DD` if given, an invoice number of at most 40 characters and notes of at most 2000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub placed_at: Option<String>,
    pub ship_date: Option<String>,
    pub invoice_number: String,
    pub notes: String,
    pub lines: Vec<NewLine>,
}

impl NewOrder {
    /// Parses the whole order; an error in a line is named by its place
    /// (`lines[2].quantity`).
    pub fn parse(draft: OrderDraft<'_>) -> Result<Self, InputError> {
        if draft.lines.is_empty() || draft.lines.len() > MAX_LINES {
            return Err(
                FieldError::new("lines", format!("an order has 1 to {MAX_LINES} lines")).into(),
            );
        }
        let placed_at = draft
            .placed_at
            .map(|text| parse_instant("placed_at", text).map(rfc3339_utc))
            .transpose()?;
        let ship_date = draft
            .ship_date
            .map(|day| parse_day("ship_date", day))
            .transpose()?;
        let invoice_number = parse_text("invoice_number", draft.invoice_number, 40)?;
        let notes = parse_text("notes", draft.notes, 2000)?;
        let lines = draft
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| NewLine::parse(*line).map_err(|e| e.within("lines", i)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            placed_at,
            ship_date,
            invoice_number,
            notes,
            lines,
        })
    }
}

impl NewLine {
    pub fn parse(draft: LineDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            quantity: parse_quantity("quantity", draft.quantity)?,
            unit_price: draft
                .unit_price
                .map(|price| parse_unit_price("unit_price", price))
                .transpose()?,
            batch_number: parse_text("batch_number", draft.batch_number, 40)?,
        })
    }
}

/// A line's total; cannot overflow within the limits above (10^6 × 10^10 < 2^63).
pub fn line_total(quantity: u32, unit_price: i64) -> i64 {
    i64::from(quantity) * unit_price
}

/// Minor units as major units with two decimals, e.g. `123456` → `1234.56`.
pub fn major_units(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        minor.unsigned_abs() / 100,
        minor.unsigned_abs() % 100
    )
}

/// What the metrics need of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFact {
    /// When the order was placed, seconds since the Unix epoch.
    pub placed_at: i64,
    /// Its total in minor units.
    pub total: i64,
}

/// A customer's order history in figures.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderMetrics {
    pub count: u32,
    /// Sum of all order totals, minor units.
    pub total_value: i64,
    pub first_order_at: Option<i64>,
    pub last_order_at: Option<i64>,
    /// Mean order total, minor units, rounded down.
    pub average_order_value: Option<i64>,
    /// Mean days between consecutive orders; needs two orders.
    pub average_interval_days: Option<f64>,
    /// How much the mean value per order of the later half of the orders exceeds that of the
    /// earlier half, in percent (negative when it shrank). With an odd count the middle order
    /// belongs to neither half. Needs two orders and a non-zero earlier half.
    pub value_per_order_growth_percent: Option<f64>,
}

/// Computes the metrics of a customer's orders, in any order.
pub fn order_metrics(orders: &[OrderFact]) -> OrderMetrics {
    let mut sorted = orders.to_vec();
    sorted.sort_by_key(|o| o.placed_at);
    let count = sorted.len();
    let total_value: i64 = sorted.iter().map(|o| o.total).sum();
    let first = sorted.first().map(|o| o.placed_at);
    let last = sorted.last().map(|o| o.placed_at);
    let average_interval_days = match (first, last) {
        (Some(first), Some(last)) if count >= 2 => {
            Some((last - first) as f64 / 86_400.0 / (count - 1) as f64)
        }
        _ => None,
    };
    let half = count / 2;
    let mean = |orders: &[OrderFact]| {
        orders.iter().map(|o| o.total as f64).sum::<f64>() / orders.len() as f64
    };
    let value_per_order_growth_percent = if half >= 1 {
        let earlier = mean(&sorted[..half]);
        let later = mean(&sorted[count - half..]);
        (earlier > 0.0).then(|| (later / earlier - 1.0) * 100.0)
    } else {
        None
    };
    OrderMetrics {
        count: count as u32,
        total_value,
        first_order_at: first,
        last_order_at: last,
        average_order_value: (count > 0).then(|| total_value / count as i64),
        average_interval_days,
        value_per_order_growth_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn order(day: i64, total: i64) -> OrderFact {
        OrderFact {
            placed_at: day * DAY,
            total,
        }
    }

    #[test]
    fn no_orders_have_no_averages() {
        let m = order_metrics(&[]);
        assert_eq!((m.count, m.total_value), (0, 0));
        assert_eq!(m.first_order_at, None);
        assert_eq!(m.average_order_value, None);
        assert_eq!(m.average_interval_days, None);
        assert_eq!(m.value_per_order_growth_percent, None);
    }

    #[test]
    fn one_order_has_no_interval_or_growth() {
        let m = order_metrics(&[order(10, 500)]);
        assert_eq!((m.count, m.average_order_value), (1, Some(500)));
        assert_eq!(m.average_interval_days, None);
        assert_eq!(m.value_per_order_growth_percent, None);
    }

    #[test]
    fn figures_of_a_growing_customer_in_any_input_order() {
        // Days 0, 30, 90, 120; values 100, 200, 300, 500.
        let orders = [
            order(90, 300),
            order(0, 100),
            order(120, 500),
            order(30, 200),
        ];
        let m = order_metrics(&orders);
        assert_eq!(m.count, 4);
        assert_eq!(m.total_value, 1100);
        assert_eq!(
            (m.first_order_at, m.last_order_at),
            (Some(0), Some(120 * DAY))
        );
        assert_eq!(m.average_order_value, Some(275));
        assert_eq!(m.average_interval_days, Some(40.0));
        // Earlier half mean 150, later half mean 400: +166.67 %.
        let growth = m.value_per_order_growth_percent.unwrap();
        assert!((growth - 166.666_666).abs() < 0.001, "{growth}");
    }

    #[test]
    fn the_middle_order_of_an_odd_count_is_in_neither_half() {
        let m = order_metrics(&[order(0, 200), order(1, 9_999), order(2, 100)]);
        assert_eq!(m.value_per_order_growth_percent, Some(-50.0));
    }

    #[test]
    fn an_order_moves_one_step_at_a_time_and_is_cancelled_only_before_it_ships() {
        use OrderStatus as S;
        let allowed = [
            (S::Placed, S::Confirmed),
            (S::Placed, S::Cancelled),
            (S::Confirmed, S::Shipped),
            (S::Confirmed, S::Cancelled),
            (S::Shipped, S::Delivered),
        ];
        for &from in S::ALL {
            for &to in S::ALL {
                let moved = from.next(to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(moved, Ok(to), "{from} -> {to}");
                } else {
                    assert!(moved.is_err(), "{from} -> {to} must be refused");
                }
            }
        }
        assert_eq!(
            S::Shipped.next(S::Cancelled).map_err(|e| e.to_string()),
            Err("a shipped order cannot become cancelled: it has shipped".to_owned())
        );
        assert_eq!(
            S::Delivered.next(S::Shipped).map_err(|e| e.to_string()),
            Err("a delivered order cannot become shipped: it is final".to_owned())
        );
        assert_eq!(
            S::Placed.next(S::Shipped).map_err(|e| e.to_string()),
            Err("a placed order cannot become shipped".to_owned())
        );
        assert_eq!(
            S::Confirmed.next(S::Confirmed).map_err(|e| e.to_string()),
            Err("a confirmed order cannot become confirmed: it is already".to_owned())
        );
    }

    #[test]
    fn new_orders_start_placed_from_the_web_confirmed_from_staff_and_delivered_with_a_ship_date() {
        use OrderStatus as S;
        assert_eq!(S::initial(OrderChannel::Web, false), S::Placed);
        assert_eq!(S::initial(OrderChannel::Staff, false), S::Confirmed);
        assert_eq!(S::initial(OrderChannel::Staff, true), S::Delivered);
        assert_eq!(S::initial(OrderChannel::Web, true), S::Delivered);
        for &status in S::ALL {
            assert_eq!(status.counts(), status != S::Cancelled, "{status}");
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
        }
        assert!(S::Placed.customer_may_cancel(OrderChannel::Web));
        assert!(!S::Placed.customer_may_cancel(OrderChannel::Staff));
        assert!(!S::Confirmed.customer_may_cancel(OrderChannel::Web));
    }

    #[test]
    fn quantities_and_prices_are_bounded() {
        assert!(parse_quantity("quantity", 0).is_err());
        assert_eq!(parse_quantity("quantity", 3), Ok(3));
        assert!(parse_unit_price("unit_price", -1).is_err());
        assert_eq!(major_units(123_456), "1234.56");
        assert_eq!(major_units(5), "0.05");
        assert_eq!(major_units(-250), "-2.50");
        assert_eq!(
            parse_sku("sku", " hm-cream.50ml ").as_deref(),
            Ok("HM-CREAM.50ML")
        );
        assert!(parse_sku("sku", "a b").is_err() && parse_sku("sku", "").is_err());
        assert_eq!(parse_unit_price("unit_price", 0), Ok(0));
        assert_eq!(
            line_total(MAX_QUANTITY, MAX_UNIT_PRICE),
            10_000_000_000_000_000
        );
    }

    #[test]
    fn a_new_order_is_parsed_whole_and_errors_name_their_line() {
        let line = |quantity, unit_price, batch_number| LineDraft {
            quantity,
            unit_price,
            batch_number,
        };
        let parsed = NewOrder::parse(OrderDraft {
            placed_at: Some("2026-11-23"),
            ship_date: Some(" 2026-11-24 "),
            invoice_number: " INV-1 ",
            notes: "",
            lines: vec![line(2, None, " B-7 "), line(1, Some(0), "")],
        })
        .unwrap();
        assert_eq!(parsed.placed_at.as_deref(), Some("2026-11-23T00:00:00Z"));
        assert_eq!(parsed.ship_date.as_deref(), Some("2026-11-24"));
        assert_eq!(parsed.invoice_number, "INV-1");
        assert_eq!(parsed.lines[0].batch_number, "B-7");
        assert_eq!(parsed.lines[1].unit_price, Some(0));

        let error = |draft: OrderDraft<'_>| NewOrder::parse(draft).unwrap_err().field;
        assert_eq!(error(OrderDraft::default()), "lines");
        let many = vec![line(1, None, ""); MAX_LINES + 1];
        assert_eq!(
            error(OrderDraft {
                lines: many,
                ..OrderDraft::default()
            }),
            "lines"
        );
        let bad = |lines| OrderDraft {
            lines,
            ..OrderDraft::default()
        };
        assert_eq!(
            error(bad(vec![line(1, None, ""), line(0, None, "")])),
            "lines[1].quantity"
        );
        assert_eq!(
            error(bad(vec![line(1, Some(-1), "")])),
            "lines[0].unit_price"
        );
        assert_eq!(
            error(OrderDraft {
                ship_date: Some("24/11/2026"),
                ..bad(vec![line(1, None, "")])
            }),
            "ship_date"
        );
        assert_eq!(
            error(OrderDraft {
                placed_at: Some("yesterday"),
                ..bad(vec![line(1, None, "")])
            }),
            "placed_at"
        );
    }
}
