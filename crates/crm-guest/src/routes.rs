//! A static route table. Each request runs in a fresh instance, so a router that parses its
//! patterns at startup (like spin-sdk's) pays for it on every request; a `const` table of
//! named handlers costs nothing to build.

use crate::problem::Problem;
use crate::ApiResult;
use spin_sdk::http::{Method, Request, Response};

/// A handler: parse the request, make one records call, map the result.
pub type Handler = fn(&Request, &Params) -> ApiResult;

/// One route: a method, a pattern such as `/api/v1/staff/:id/tokens`, and its handler.
pub struct Route {
    method: Method,
    pattern: &'static str,
    /// The length of the pattern's literal start (see [`literal_start`]).
    literal: usize,
    handler: Handler,
    /// Answers callers without a credential (health, the OpenAPI document, the public lead form).
    public: bool,
}

impl Route {
    const fn new(method: Method, pattern: &'static str, handler: Handler) -> Self {
        Self {
            method,
            pattern,
            literal: literal_start(pattern),
            handler,
            public: false,
        }
    }

    pub const fn get(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Get, pattern, handler)
    }

    pub const fn post(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Post, pattern, handler)
    }

    pub const fn put(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Put, pattern, handler)
    }

    pub const fn patch(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Patch, pattern, handler)
    }

    pub const fn options(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Options, pattern, handler)
    }

    pub const fn delete(pattern: &'static str, handler: Handler) -> Self {
        Self::new(Method::Delete, pattern, handler)
    }

    /// Marks a route that serves anonymous callers.
    pub const fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// Whether `path` can match at all: it starts with the pattern's literal start. One
    /// comparison of bytes turns away nearly every route, before any splitting into segments.
    fn may_match(&self, path: &str) -> bool {
        path.as_bytes()
            .starts_with(&self.pattern.as_bytes()[..self.literal])
    }
}

/// How much of a pattern every matching path starts with: up to its first `:param`, or the
/// whole pattern without its trailing slashes (a path matches with or without them).
const fn literal_start(pattern: &str) -> usize {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            return i;
        }
        i += 1;
    }
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == b'/' {
        end -= 1;
    }
    end
}

/// The `:name` segments a pattern captured.
#[derive(Debug, Default)]
pub struct Params {
    captured: Vec<(&'static str, String)>,
}

impl Params {
    /// The captured segment, or empty if the pattern has no such name.
    pub fn get(&self, name: &str) -> &str {
        self.captured
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Dispatches `req` to the first route whose pattern and method match. A path that matches
/// only with other methods gets 405 with `Allow`; no match at all gets 404; both as
/// problem+json. A staff route's input errors go to authenticated callers only (see
/// [`authentication_first`]).
pub fn dispatch(routes: &[Route], req: Request) -> Response {
    let method = req.method().clone();
    // The most specific patterns that match: a literal segment beats a `:param` at the first
    // place they differ, as Spin's router ranks them, so `/customers/reassign` is never taken
    // for `/customers/:id`.
    let mut best: Vec<(&Route, Params)> = Vec::new();
    for route in routes.iter().filter(|route| route.may_match(req.path())) {
        let Some(params) = match_pattern(route.pattern, req.path()) else {
            continue;
        };
        match best
            .first()
            .map(|(b, _)| specificity(route.pattern).cmp(&specificity(b.pattern)))
        {
            Some(std::cmp::Ordering::Less) => continue,
            Some(std::cmp::Ordering::Greater) => best.clear(),
            _ => {}
        }
        best.push((route, params));
    }
    let path = req.path();
    if best.is_empty() {
        return Problem::not_found(format!("no resource at {path}")).into();
    }
    let same_method =
        |r: &Route| r.method == method || (method == Method::Head && r.method == Method::Get);
    if let Some((route, params)) = best.iter().find(|(r, _)| same_method(r)) {
        return match (route.handler)(&req, params) {
            Ok(response) => response,
            Err(problem) if route.public => problem.into(),
            Err(problem) => authentication_first(&req, problem).into(),
        };
    }
    let mut allowed: Vec<&str> = Vec::new();
    for (route, _) in &best {
        allowed.push(method_name(&route.method));
        if route.method == Method::Get {
            allowed.push("HEAD");
        }
    }
    let mut response: Response = Problem::new(405, "Method not allowed")
        .with_detail(format!("{path} does not accept {method}"))
        .into();
    response.set_header("allow", allowed.join(", "));
    response
}

/// Which segments of a pattern are literal, left to right: compared as a whole, the more
/// literal pattern wins.
fn specificity(pattern: &str) -> Vec<bool> {
    pattern.split('/').map(|s| !s.starts_with(':')).collect()
}

/// A handler checks its input before records authenticates the caller, so an input error on a
/// staff route is confirmed with records first: an anonymous or unknown caller gets 401 and
/// learns nothing about what the route expects. Costs a records call only on that error path.
fn authentication_first(req: &Request, problem: Problem) -> Problem {
    if !matches!(problem.status, 400 | 413 | 415 | 422) {
        return problem;
    }
    let who = match crate::request::credential(req) {
        Ok(who) => who,
        Err(unauthenticated) => return unauthenticated,
    };
    match crate::identity::whoami(&who) {
        Err(crate::types::Error::Unauthenticated) => {
            Problem::from(crate::types::Error::Unauthenticated)
        }
        _ => problem,
    }
}

fn method_name(method: &Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Put => "PUT",
        _ => "OPTIONS",
    }
}

fn match_pattern(pattern: &'static str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    // Both without a trailing slash, so that `/` matches the root.
    let mut wanted = pattern.trim_end_matches('/').split('/');
    let mut given = path.trim_end_matches('/').split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {
                params.captured.push((&w[1..], g.to_owned()))
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_compared_past_the_literal_start_only_when_it_begins_with_it() {
        assert_eq!(
            literal_start("/api/v1/staff/:id/tokens"),
            "/api/v1/staff/".len()
        );
        assert_eq!(literal_start("/api/v1/staff/"), "/api/v1/staff".len());
        assert_eq!(literal_start("/"), 0);
        fn none(_: &Request, _: &Params) -> ApiResult {
            Err(Problem::not_found("unused"))
        }
        let staff = Route::get("/api/v1/staff/", none);
        assert!(staff.may_match("/api/v1/staff"));
        assert!(staff.may_match("/api/v1/staff/"));
        assert!(!staff.may_match("/api/v1/sta"));
        let tokens = Route::post("/api/v1/staff/:id/tokens", none);
        assert!(tokens.may_match("/api/v1/staff/stf_1/tokens"));
        assert!(!tokens.may_match("/api/v1/staff"));
        assert!(!tokens.may_match("/api/v1/customers/1/tokens"));
        assert!(Route::get("/", none).may_match("/anything"));
    }

    #[test]
    fn literal_segments_match_exactly_and_params_capture_one_segment() {
        let params =
            match_pattern("/api/v1/staff/:id/tokens", "/api/v1/staff/stf_1/tokens").unwrap();
        assert_eq!(params.get("id"), "stf_1");
        assert!(match_pattern("/api/v1/staff/:id/tokens", "/api/v1/staff//tokens").is_none());
        assert!(match_pattern("/api/v1/staff", "/api/v1/staff/x").is_none());
        assert!(match_pattern("/api/v1/staff", "/api/v1/staff/").is_some());
        assert!(match_pattern("/api/v1/staff/:id", "/api/v1/staff").is_none());
    }

    #[test]
    fn a_literal_segment_is_more_specific_than_a_parameter() {
        assert!(specificity("/api/v1/customers/reassign") > specificity("/api/v1/customers/:id"));
        assert!(specificity("/a/:x/c") > specificity("/a/:x/:y"));
        assert_eq!(specificity("/a/:x"), specificity("/a/:y"));
    }
}
