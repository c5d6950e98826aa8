//! What the HTML pages' forms share (the portal's pages, the managers' dashboard): reading a
//! posted form and the query's parameters, refusing another site's form posts, session cookies,
//! comparing secrets without leaking where they differ, safe redirect targets, the time until an
//! instant records gave, and the fingerprint of what a form asks for (for an idempotency key a
//! page made itself).

use crate::problem::Problem;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use spin_sdk::http::Request;

/// The form a POST sent. A body that is not a form reads as an empty one (whose fields are
/// then missing); one too large, or of another media type, is refused as a problem. Take text
/// fields and parse numbers yourself: a field that does not parse would make the whole form
/// read as empty, its CSRF token too.
pub fn body<T: DeserializeOwned + Default>(req: &Request) -> Result<T, Problem> {
    match crate::request::form_or_json_body(req) {
        Ok(form) => Ok(form),
        Err(problem) if matches!(problem.status, 413 | 415) => Err(problem),
        Err(_) => Ok(T::default()),
    }
}

/// A parameter of a query string (`request::query_pairs`), trimmed, if not empty.
pub fn param<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The SHA-256, in hex, of `parts` in order, each preceded by its length so that no two lists
/// of parts share a digest: the fingerprint of an `IdempotencyKey` when the page that posts the
/// form made the key (a hidden field), over what the order or change asks for.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part.as_bytes());
    }
    hex(&digest.finalize())
}

/// The SHA-256 of `bytes` in hex, e.g. of a photo for the fingerprint of the form that sends it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request header as text, empty when absent or not text.
pub fn header<'r>(req: &'r Request, name: &str) -> &'r str {
    req.header(name)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

/// Whether a form post comes from this application's own pages (login CSRF and forced
/// sign-out are refused): a browser says so in `Sec-Fetch-Site`; without it, an `Origin` must
/// name this application's host (Spin reports the request's host in `spin-full-url`, always as
/// `http://`, so schemes are not compared: TLS may end at a proxy); a client that sends
/// neither is not a browser acting for another site.
pub fn same_origin(req: &Request) -> bool {
    let fetch_site = header(req, "sec-fetch-site");
    if !fetch_site.is_empty() {
        return fetch_site.eq_ignore_ascii_case("same-origin")
            || fetch_site.eq_ignore_ascii_case("none");
    }
    let origin = header(req, "origin");
    if origin.is_empty() {
        return true;
    }
    let host = |url: &str| -> String {
        let rest = url.split_once("://").map_or("", |(_, rest)| rest);
        rest.split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let own = host(header(req, "spin-full-url"));
    !own.is_empty() && host(origin) == own
}

/// Whether the browser came over https: Spin's `spin-full-url` says so, or the proxy that ended
/// TLS in `X-Forwarded-Proto`.
pub fn is_https(req: &Request) -> bool {
    header(req, "spin-full-url")
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"))
        || header(req, "x-forwarded-proto")
            .trim()
            .eq_ignore_ascii_case("https")
}

/// The `Set-Cookie` value of a session cookie: `name=value`, only for `path`, `HttpOnly` (no
/// script reads it), `SameSite` as given, living `max_age` seconds (0 clears it), and `Secure`
/// when the browser came over https ([`is_https`]).
pub fn session_cookie(
    req: &Request,
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age: u32,
) -> String {
    let secure = if is_https(req) { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"
    )
}

/// Reverses `lang::percent_encode`; none when the text is not valid.
pub fn percent_decode(text: &str) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut bytes = text.bytes();
    let mut out = Vec::with_capacity(text.len());
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let high = bytes.next().and_then(hex)?;
            let low = bytes.next().and_then(hex)?;
            out.push(high << 4 | low);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `given` is the secret `expected` (e.g. a form's CSRF token), comparing every byte
/// whatever the first difference, so the time taken does not tell how much of a guess was
/// right. An empty secret matches nothing.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    if expected.is_empty() || given.len() != expected.len() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0u8, |differ, (a, b)| differ | (a ^ b))
        == 0
}

/// `target` if it is a path of this site to send a browser to after a form (`/account`,
/// `/products?q=x`): it starts with one `/`, and has no `\` (which browsers read as `/`, so
/// `/\evil.example` would leave the site) and no control characters or spaces. Anything else
/// (`//evil.example`, `https://…`, `javascript:…`) is none.
pub fn local_path(target: &str) -> Option<&str> {
    let local = target.starts_with('/')
        && !target.starts_with("//")
        && target.len() <= 2000
        && !target
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    local.then_some(target)
}

/// Now, in seconds since the Unix epoch, from the wall clock every guest reads.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Seconds from now until an RFC 3339 instant (negative once it has passed); none when `instant`
/// is not one.
pub fn seconds_until(instant: &str) -> Option<i64> {
    crm_domain::time::parse_instant("instant", instant)
        .ok()
        .map(|at| at.saturating_sub(now_unix()))
}

/// The first RFC 3339 instant (with a time of day) written in `text`, e.g. the end of a lockout
/// in a records message, in seconds since the Unix epoch.
pub fn instant_in(text: &str) -> Option<i64> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '"' | '\''))
        .map(|word| word.trim_end_matches(['.', ':']))
        .filter(|word| word.len() >= 20 && word.contains(['T', 't']))
        .find_map(|word| crm_domain::time::parse_instant("instant", word).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spin_sdk::http::Method;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut req = Request::new(Method::Post, "/sign-in");
        for (name, value) in headers {
            req.set_header(*name, *value);
        }
        req
    }

    #[test]
    fn only_this_sites_pages_and_non_browsers_may_post_forms() {
        let own = ("spin-full-url", "http://shop.example:3000/sign-in");
        assert!(same_origin(&request(&[own])));
        assert!(same_origin(&request(&[
            own,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&request(&[own, ("sec-fetch-site", "none")])));
        assert!(!same_origin(&request(&[
            own,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&request(&[
            own,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(same_origin(&request(&[
            own,
            ("origin", "https://Shop.Example:3000")
        ])));
        assert!(!same_origin(&request(&[
            own,
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&request(&[(
            "origin",
            "https://evil.example"
        )])));
    }

    #[test]
    fn session_cookies_are_http_only_and_secure_over_https() {
        let plain = request(&[("spin-full-url", "http://shop.example/sign-in")]);
        assert_eq!(
            session_cookie(&plain, "crm_portal", "ab12", "/", "Lax", 60),
            "crm_portal=ab12; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let proxied = request(&[("x-forwarded-proto", "https")]);
        assert!(session_cookie(&proxied, "c", "", "/", "Lax", 0).ends_with("; Secure"));
        let tls = request(&[("spin-full-url", "HTTPS://shop.example/")]);
        assert!(is_https(&tls));
    }

    #[test]
    fn fingerprints_tell_apart_where_the_parts_end() {
        let one = fingerprint(&["ab", "c"]);
        assert_eq!(one.len(), 64);
        assert_eq!(one, fingerprint(&["ab", "c"]));
        assert_ne!(one, fingerprint(&["a", "bc"]));
        assert_ne!(one, fingerprint(&["ab", "c", ""]));
    }

    #[test]
    fn query_parameters_are_trimmed_and_empty_ones_absent() {
        let pairs = vec![
            ("q".to_owned(), "  soap ".to_owned()),
            ("cursor".to_owned(), " ".to_owned()),
        ];
        assert_eq!(param(&pairs, "q"), Some("soap"));
        assert_eq!(param(&pairs, "cursor"), None);
        assert_eq!(param(&pairs, "lang"), None);
    }

    #[test]
    fn secrets_match_exactly() {
        assert!(same_secret("abc123", "abc123"));
        assert!(!same_secret("abc124", "abc123"));
        assert!(!same_secret("abc12", "abc123"));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(local_path("/account"), Some("/account"));
        assert_eq!(local_path("/products?q=soap"), Some("/products?q=soap"));
        for outside in [
            "",
            "account",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a b",
            "/a\nb",
        ] {
            assert_eq!(local_path(outside), None, "{outside:?}");
        }
    }

    #[test]
    fn percent_decoding_reverses_encoding_and_refuses_broken_escapes() {
        assert_eq!(percent_decode("a%20b%26c").as_deref(), Some("a b&c"));
        assert_eq!(percent_decode("%E4%B8%AD").as_deref(), Some("中"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
    }

    #[test]
    fn instants_are_found_in_messages_and_counted_from_now() {
        assert_eq!(
            instant_in("the account is locked until 2026-03-01T08:15:00Z."),
            Some(1_772_352_900)
        );
        assert_eq!(
            instant_in("locked (until 2026-03-01T16:15:00+08:00)"),
            Some(1_772_352_900)
        );
        assert_eq!(instant_in("locked for a while"), None);
        assert_eq!(seconds_until("nonsense"), None);
        let soon = crm_domain::time::rfc3339_utc(now_unix() + 600);
        assert!(seconds_until(&soon).is_some_and(|s| (595..=600).contains(&s)));
    }
}
