//! Rules for the contact log.

use crate::customer::parse_required_text;
use crate::FieldError;

crate::named_enum! {
    /// How a contact with a customer happened.
    pub enum ActivityKind as "activity kind" {
        Visit = "visit",
        Call = "call",
        Email = "email",
        Fax = "fax",
        Web = "web",
    }
}

/// The most open items one contact can leave.
pub const MAX_OPEN_ITEMS: usize = 20;

/// Open items: each trimmed, 1–200 characters, at most [`MAX_OPEN_ITEMS`].
pub fn parse_open_items(field: &'static str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_OPEN_ITEMS {
        return Err(FieldError::new(
            field,
            format!("must have at most {MAX_OPEN_ITEMS} items"),
        ));
    }
    raw.iter()
        .map(|item| parse_required_text(field, item, 200))
        .collect()
}

/// Allowance for clocks of phones that run a little ahead of the server's.
pub const FUTURE_TOLERANCE_SECONDS: i64 = 10 * 60;

/// A contact is recorded after it happened: `occurred_at` may not lie in the future (beyond a
/// few minutes of clock skew). Both are seconds since the Unix epoch.
pub fn check_not_future(
    field: &'static str,
    occurred_at: i64,
    now: i64,
) -> Result<i64, FieldError> {
    if occurred_at > now + FUTURE_TOLERANCE_SECONDS {
        Err(FieldError::new(
            field,
            "lies in the future; record contacts after they happened",
        ))
    } else {
        Ok(occurred_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_items_are_trimmed_non_empty_and_bounded() {
        let items = vec![" send samples ".to_owned(), "报价".to_owned()];
        assert_eq!(
            parse_open_items("open_items", &items).unwrap(),
            vec!["send samples", "报价"]
        );
        assert!(parse_open_items("open_items", &[" ".to_owned()]).is_err());
        assert!(parse_open_items("open_items", &vec!["x".to_owned(); 21]).is_err());
    }

    #[test]
    fn contacts_cannot_be_recorded_ahead_of_time() {
        assert_eq!(check_not_future("occurred_at", 1_000, 1_000), Ok(1_000));
        assert!(check_not_future("occurred_at", 1_000 + 600, 1_000).is_ok());
        assert!(check_not_future("occurred_at", 1_000 + 601, 1_000).is_err());
    }
}
