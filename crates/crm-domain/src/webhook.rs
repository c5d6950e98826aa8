//! Webhooks: which notifications a webhook takes, where it may point, and the delivery policy
//! (how often a failed delivery is tried again, and when it is given up as a dead letter).

use crate::FieldError;

crate::named_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus as "delivery status" {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// A receiver answered with a status 200–299.
        Delivered = "delivered",
        /// Every attempt failed: a dead letter, tried no more.
        Dead = "dead",
    }
}

/// The topics of the notifications the outbox holds.
pub const TOPICS: &[&str] = &[
    "complaint.escalated",
    "complaint.status",
    "complaint.assigned",
    "service_request.status",
];

/// The topic a webhook names to take every topic.
pub const ANY_TOPIC: &str = "*";

/// The most topics a webhook names.
pub const MAX_TOPICS: usize = 10;

/// The longest URL a webhook may have, in characters (all ASCII).
pub const MAX_URL_LEN: usize = 2000;

/// Attempts a delivery gets before it is dead.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait after the first failed attempt; it doubles after each further failure.
pub const FIRST_BACKOFF_SECONDS: i64 = 30;

/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECONDS: i64 = 3600;

/// How long a claimed delivery is leased to its deliverer before it is due again.
pub const LEASE_SECONDS: i64 = 60;

/// The most characters of an attempt's error text that are kept.
pub const MAX_ERROR_CHARS: usize = 500;

/// What a delivery does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// It was delivered.
    Delivered,
    /// It is tried again after this many seconds.
    RetryIn(i64),
    /// It is dead: no more attempts.
    Dead,
}

/// The wait after the `failures`-th failed attempt (1 for the first): 30 s, doubling each time,
/// at most an hour.
pub fn backoff_seconds(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(20);
    (FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS)
}

/// Whether an answer with this status delivers.
pub fn is_success(status: Option<u16>) -> bool {
    matches!(status, Some(200..=299))
}

/// What a delivery does after its `attempts`-th attempt (this one included), which got
/// `status` (none: no answer).
pub fn after_attempt(status: Option<u16>, attempts: u32) -> AfterAttempt {
    if is_success(status) {
        AfterAttempt::Delivered
    } else if attempts >= MAX_ATTEMPTS {
        AfterAttempt::Dead
    } else {
        AfterAttempt::RetryIn(backoff_seconds(attempts))
    }
}

/// An attempt's error text as kept: its first [`MAX_ERROR_CHARS`] characters.
pub fn truncate_error(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

/// Whether a webhook with these topics takes a notification of `topic`.
pub fn subscribes(topics: &[String], topic: &str) -> bool {
    topics.iter().any(|t| t == ANY_TOPIC || t == topic)
}

/// Checks a webhook's topics: 1–10, each one of [`TOPICS`] or [`ANY_TOPIC`]. Returns them in
/// the order given, each once.
pub fn parse_topics(given: &[String]) -> Result<Vec<String>, FieldError> {
    if given.is_empty() || given.len() > MAX_TOPICS {
        return Err(FieldError::new(
            "topics",
            format!("must have 1 to {MAX_TOPICS} topics"),
        ));
    }
    let mut topics: Vec<String> = Vec::with_capacity(given.len());
    for topic in given {
        if topic != ANY_TOPIC && !TOPICS.contains(&topic.as_str()) {
            return Err(FieldError::new(
                "topics",
                format!(
                    "unknown topic `{topic}`; expected {} or {ANY_TOPIC}",
                    TOPICS.join(", ")
                ),
            ));
        }
        if !topics.contains(topic) {
            topics.push(topic.clone());
        }
    }
    Ok(topics)
}

/// Checks a webhook's URL: at most [`MAX_URL_LEN`] characters; `http://` or `https://`; a host
/// name or IPv4 address (dot-separated labels of 1–63 ASCII letters, digits and `-`, not
/// starting or ending with `-`); an optional port, 1–65535 without a leading zero; then
/// optionally a path or query (starting with `/` or `?`) of RFC 3986 characters, `%` only
/// before two hex digits. No user info, no fragment, no IPv6 literal, and not a host of the
/// application itself (`self.alt`, `*.spin.internal`, which Spin routes to the application's own
/// components). Returns it as given, except that a query right after the host gets the path `/`
/// before it (the same URL, spelt as an HTTP request has it).
pub fn parse_url(raw: &str) -> Result<String, FieldError> {
    let bad = |message: &str| FieldError::new("url", message);
    if raw.len() > MAX_URL_LEN {
        return Err(FieldError::new(
            "url",
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(bad("must not contain user information"));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    check_host(host)?;
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && !port.starts_with('0')
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok();
        if !valid {
            return Err(bad("must have a port from 1 to 65535, if any"));
        }
    }
    check_path_and_query(tail)?;
    if tail.starts_with('?') {
        Ok(format!("{}/{tail}", &raw[..raw.len() - tail.len()]))
    } else {
        Ok(raw.to_owned())
    }
}

fn check_host(host: &str) -> Result<(), FieldError> {
    let bad = |message: &str| FieldError::new("url", message);
    if host.is_empty() {
        return Err(bad("must name a host"));
    }
    for label in host.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(bad(
                "must have a host of dot-separated labels of 1 to 63 letters, digits and `-`, \
                 not starting or ending with `-` (or an IPv4 address)",
            ));
        }
    }
    let lower = host.to_ascii_lowercase();
    if lower == "self.alt" || lower.ends_with(".spin.internal") {
        return Err(bad("must not name a host of the application itself"));
    }
    Ok(())
}

/// RFC 3986 characters of a path and query besides letters, digits and `%`.
const PATH_PUNCTUATION: &[u8] = b"-._~!$&'()*+,;=:@/?";

fn check_path_and_query(tail: &str) -> Result<(), FieldError> {
    let bad = |message: &str| FieldError::new("url", message);
    if tail.contains('#') {
        return Err(bad("must not have a fragment (`#…`)"));
    }
    let bytes = tail.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let escaped = bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
            if !escaped {
                return Err(bad("must have two hex digits after each `%`"));
            }
            i += 3;
        } else if b.is_ascii_alphanumeric() || PATH_PUNCTUATION.contains(&b) {
            i += 1;
        } else {
            return Err(bad(
                "must have a path and query of letters, digits and -._~!$&'()*+,;=:@/?%, \
                 anything else percent-encoded",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for &status in DeliveryStatus::ALL {
            assert_eq!(status.as_str().parse::<DeliveryStatus>(), Ok(status));
        }
    }

    #[test]
    fn the_backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(3), 120);
        assert_eq!(backoff_seconds(7), 1920);
        assert_eq!(backoff_seconds(8), 3600);
        assert_eq!(backoff_seconds(u32::MAX), 3600);
    }

    #[test]
    fn a_2xx_delivers_and_the_eighth_failure_is_dead() {
        assert_eq!(after_attempt(Some(200), 1), AfterAttempt::Delivered);
        assert_eq!(after_attempt(Some(299), 8), AfterAttempt::Delivered);
        assert_eq!(after_attempt(Some(300), 1), AfterAttempt::RetryIn(30));
        assert_eq!(after_attempt(None, 2), AfterAttempt::RetryIn(60));
        assert_eq!(after_attempt(Some(500), 7), AfterAttempt::RetryIn(1920));
        assert_eq!(after_attempt(Some(500), 8), AfterAttempt::Dead);
        assert_eq!(after_attempt(None, 9), AfterAttempt::Dead);
    }

    #[test]
    fn errors_are_cut_to_500_characters() {
        assert_eq!(truncate_error("refused"), "refused");
        assert_eq!(truncate_error(&"é".repeat(600)).chars().count(), 500);
    }

    #[test]
    fn topics_are_known_topics_or_the_wildcard_each_kept_once() {
        assert_eq!(
            parse_topics(&topics(&["complaint.status", "*", "complaint.status"])),
            Ok(topics(&["complaint.status", "*"]))
        );
        assert!(parse_topics(&[]).is_err());
        assert!(parse_topics(&topics(&["complaint.filed"])).is_err());
        assert!(parse_topics(&topics(&["*"; 11])).is_err());
        assert!(subscribes(&topics(&["*"]), "complaint.assigned"));
        assert!(subscribes(
            &topics(&["complaint.assigned"]),
            "complaint.assigned"
        ));
        assert!(!subscribes(
            &topics(&["complaint.status"]),
            "complaint.assigned"
        ));
    }

    #[test]
    fn urls_are_http_or_https_with_a_host_port_path_and_query() {
        for url in [
            "https://hooks.example.com",
            "https://hooks.example.com/crm/events?token=a%2Fb",
            "http://127.0.0.1:8080/hook",
            "https://a-b.example:443/",
        ] {
            assert_eq!(parse_url(url).as_deref(), Ok(url), "{url}");
        }
        assert_eq!(
            parse_url("http://localhost:65535?x=1").as_deref(),
            Ok("http://localhost:65535/?x=1")
        );
    }

    #[test]
    fn other_urls_are_refused() {
        for url in [
            "",
            "ftp://example.com",
            "HTTPS://example.com",
            "https://",
            "https://user:pass@example.com",
            "https://example.com:0",
            "https://example.com:080",
            "https://example.com:65536",
            "https://example.com:",
            "https://-example.com",
            "https://example..com",
            "https://[::1]/",
            "https://example.com/a b",
            "https://example.com/a#frag",
            "https://example.com/%zz",
            "https://example.com/é",
            "http://intake.spin.internal/api",
            "http://self.alt/api",
        ] {
            assert!(parse_url(url).is_err(), "{url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(parse_url(&long).is_err());
    }
}
