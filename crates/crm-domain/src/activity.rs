//! Rules for the contact log.

use crate::customer::{parse_required_text, parse_text};
use crate::time::{parse_instant, rfc3339_utc};
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

/// The most characters of where a contact happened.
pub const MAX_LOCATION_CHARS: usize = 200;

/// The most characters of a contact's notes.
pub const MAX_NOTES_CHARS: usize = 4000;

/// The most characters of what the customer asked for, and of what competitors are doing.
pub const MAX_REQUESTS_CHARS: usize = 2000;

/// A contact to record, as it was sent (its customer, rep and contact person are looked up
/// where they are stored). Not the self-filling draft of the contact log: what this leaves out
/// (`None`) of the location and the open items is taken from that draft where it is stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewActivityDraft<'a> {
    pub occurred_at: Option<&'a str>,
    pub location: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub requests: Option<&'a str>,
    pub competitor_activity: Option<&'a str>,
    pub open_items: Option<&'a [String]>,
    /// Now, seconds since the Unix epoch: when the contact happened if `occurred_at` is not
    /// given, and what it may not lie after (see [`check_not_future`]).
    pub now: i64,
}

/// A contact whose every field passed its rule, parsed whole and once: when it happened (RFC
/// 3339 or a date, not in the future; now when not given), as RFC 3339 UTC; a location of at
/// most 200 characters; notes of at most 4000; requests and competitor activity of at most 2000
/// (absent is empty); [`parse_open_items`]' open items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub occurred_at: String,
    /// Trimmed, possibly empty; `None` when it was not sent (the draft's location applies).
    pub location: Option<String>,
    pub notes: String,
    pub requests: String,
    pub competitor_activity: String,
    /// `None` when they were not sent (the draft's open items apply).
    pub open_items: Option<Vec<String>>,
}

impl NewActivity {
    /// Parses the whole contact. Errors name their field (`occurred_at`, `location`, `notes`,
    /// `requests`, `competitor_activity`, `open_items`); with several fields at fault, the first
    /// in that order.
    pub fn parse(draft: NewActivityDraft<'_>) -> Result<Self, FieldError> {
        let occurred_at = match draft.occurred_at {
            Some(text) => check_not_future(
                "occurred_at",
                parse_instant("occurred_at", text)?,
                draft.now,
            )?,
            None => draft.now,
        };
        Ok(Self {
            occurred_at: rfc3339_utc(occurred_at),
            location: draft
                .location
                .map(|location| parse_text("location", location, MAX_LOCATION_CHARS))
                .transpose()?,
            notes: text_or_empty("notes", draft.notes, MAX_NOTES_CHARS)?,
            requests: text_or_empty("requests", draft.requests, MAX_REQUESTS_CHARS)?,
            competitor_activity: text_or_empty(
                "competitor_activity",
                draft.competitor_activity,
                MAX_REQUESTS_CHARS,
            )?,
            open_items: draft
                .open_items
                .map(|items| parse_open_items("open_items", items))
                .transpose()?,
        })
    }
}

/// A free text of at most `max` characters ([`parse_text`]); absent is empty.
fn text_or_empty(field: &'static str, raw: Option<&str>, max: usize) -> Result<String, FieldError> {
    raw.map_or(Ok(String::new()), |raw| parse_text(field, raw, max))
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

    fn now() -> i64 {
        parse_instant("now", "2026-11-20T18:00:00+08:00").unwrap()
    }

    #[test]
    fn a_new_activity_is_parsed_whole() {
        let items = vec![" send samples ".to_owned(), "报价".to_owned()];
        let parsed = NewActivity::parse(NewActivityDraft {
            occurred_at: Some(" 2026-11-20T09:30:00+08:00 "),
            location: Some("  Nanjing Road 88 "),
            notes: Some(" asked for the new catalogue "),
            requests: None,
            competitor_activity: Some(""),
            open_items: Some(items.as_slice()),
            now: now(),
        })
        .unwrap();
        assert_eq!(
            parsed,
            NewActivity {
                occurred_at: "2026-11-20T01:30:00Z".into(),
                location: Some("Nanjing Road 88".into()),
                notes: "asked for the new catalogue".into(),
                requests: String::new(),
                competitor_activity: String::new(),
                open_items: Some(vec!["send samples".into(), "报价".into()]),
            }
        );
    }

    #[test]
    fn what_a_new_activity_leaves_out_is_now_empty_or_the_drafts() {
        let parsed = NewActivity::parse(NewActivityDraft {
            now: now(),
            ..NewActivityDraft::default()
        })
        .unwrap();
        assert_eq!(parsed.occurred_at, "2026-11-20T10:00:00Z", "now");
        assert_eq!(parsed.location, None, "the draft's location");
        assert_eq!(parsed.open_items, None, "the draft's open items");
        assert_eq!(
            (parsed.notes, parsed.requests, parsed.competitor_activity),
            (String::new(), String::new(), String::new())
        );
        // A location or open items sent empty are empty, not the draft's.
        let cleared = NewActivity::parse(NewActivityDraft {
            location: Some("  "),
            open_items: Some(Vec::<String>::new().as_slice()),
            now: now(),
            ..NewActivityDraft::default()
        })
        .unwrap();
        assert_eq!(cleared.location.as_deref(), Some(""));
        assert_eq!(cleared.open_items, Some(Vec::new()));
        // A date alone is its midnight, UTC.
        let dated = NewActivity::parse(NewActivityDraft {
            occurred_at: Some("2026-11-19"),
            now: now(),
            ..NewActivityDraft::default()
        })
        .unwrap();
        assert_eq!(dated.occurred_at, "2026-11-19T00:00:00Z");
    }

    #[test]
    fn each_bad_field_of_a_new_activity_is_named() {
        let long = |n: usize| "x".repeat(n);
        let (location, notes, requests) = (long(201), long(4001), long(2001));
        let blank_item = vec!["ok".to_owned(), " ".to_owned()];
        let base = NewActivityDraft {
            now: now(),
            ..NewActivityDraft::default()
        };
        let cases = [
            (
                NewActivityDraft {
                    occurred_at: Some("next tuesday"),
                    ..base
                },
                "occurred_at",
            ),
            (
                NewActivityDraft {
                    occurred_at: Some("2099-01-01"),
                    ..base
                },
                "occurred_at",
            ),
            (
                NewActivityDraft {
                    location: Some(location.as_str()),
                    ..base
                },
                "location",
            ),
            (
                NewActivityDraft {
                    notes: Some(notes.as_str()),
                    ..base
                },
                "notes",
            ),
            (
                NewActivityDraft {
                    requests: Some(requests.as_str()),
                    ..base
                },
                "requests",
            ),
            (
                NewActivityDraft {
                    competitor_activity: Some("a\u{0}b"),
                    ..base
                },
                "competitor_activity",
            ),
            (
                NewActivityDraft {
                    open_items: Some(blank_item.as_slice()),
                    ..base
                },
                "open_items",
            ),
        ];
        for (draft, field) in cases {
            assert_eq!(
                NewActivity::parse(draft).unwrap_err().field,
                field,
                "{draft:?}"
            );
        }
        let future = NewActivity::parse(NewActivityDraft {
            occurred_at: Some("2099-01-01"),
            ..base
        })
        .unwrap_err();
        assert_eq!(
            future.message,
            "lies in the future; record contacts after they happened"
        );
        // Within the allowance for a phone's clock running ahead, it is accepted.
        let ahead = rfc3339_utc(now() + FUTURE_TOLERANCE_SECONDS);
        assert!(NewActivity::parse(NewActivityDraft {
            occurred_at: Some(ahead.as_str()),
            ..base
        })
        .is_ok());
    }

    #[test]
    fn with_several_bad_fields_a_new_activity_names_the_first() {
        let notes = "x".repeat(4001);
        let blank_item = vec![String::new()];
        let error = NewActivity::parse(NewActivityDraft {
            occurred_at: Some("soon"),
            notes: Some(notes.as_str()),
            open_items: Some(blank_item.as_slice()),
            now: now(),
            ..NewActivityDraft::default()
        })
        .unwrap_err();
        assert_eq!(error.field, "occurred_at");
        let error = NewActivity::parse(NewActivityDraft {
            notes: Some(notes.as_str()),
            open_items: Some(blank_item.as_slice()),
            now: now(),
            ..NewActivityDraft::default()
        })
        .unwrap_err();
        assert_eq!(error.field, "notes");
    }
}
