//! Spin's HTTP routing: exact routes, `:name` parameters, trailing `/...` wildcards, and
//! private components.
//!
//! Spin 4.0.2 routes with routefinder 0.5.4; this is a port of the parts of it Spin uses, so
//! that a path reaches the same component, with the same captures, on both hosts. Private
//! components have no route and are reached only through `http://<id>.spin.internal`.

use anyhow::{bail, ensure, Result};
use std::cmp::Ordering;

/// One piece of a parsed route (routefinder's `Segment`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Slash,
    Dot,
    Exact(String),
    Param(String),
    Wildcard,
}

/// One public route of the application.
#[derive(Debug, Clone)]
struct Route {
    /// The route as written in the manifest, e.g. `/api/v1/...`.
    raw: String,
    /// The route with one trailing `/` removed: `spin-matched-route`.
    based: String,
    segments: Vec<Segment>,
    component: String,
    /// Position in the manifest.
    order: usize,
}

/// Where a request goes and what the component is told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// `spin-matched-route`: the route without a trailing `/` (empty for `/`).
    pub based_route: String,
    /// `spin-raw-component-route`: the route as written.
    pub raw_route: String,
    /// `spin-component-route`: the route as written, without a trailing `/...`.
    pub component_route: String,
    /// `spin-path-info`: what the trailing wildcard matched (empty without one).
    pub path_info: String,
    /// `:name` captures, in route order, still percent-encoded as in the request.
    pub params: Vec<(String, String)>,
}

impl RouteMatch {
    /// The match of a service-chaining request: as if the path had matched `/...` of the
    /// callee, whatever its own routes are.
    // As Spin 4.0.2: crates/routes/src/lib.rs (RouteMatch::synthetic)
    pub fn synthetic(component: &str, path: &str) -> RouteMatch {
        RouteMatch {
            component: component.to_owned(),
            based_route: "/...".to_owned(),
            raw_route: "/...".to_owned(),
            component_route: String::new(),
            path_info: path.to_owned(),
            params: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Router {
    /// Best first, so the first route that matches a path is the one Spin picks.
    routes: Vec<Route>,
}

/// Checks that a route is one crm can serve exactly as Spin would.
pub fn validate_route(route: &str) -> Result<()> {
    ensure!(
        route.starts_with('/'),
        "route `{route}` must start with `/`"
    );
    let body = route.strip_suffix("/...").unwrap_or(route);
    ensure!(
        !body.contains("..."),
        "route `{route}`: `...` is only allowed as the last segment"
    );
    parse_route(route).map(drop)
}

/// Spin's form of a manifest route: one trailing `/` removed, and a trailing `/...` written as
/// routefinder's `/*`.
// As Spin 4.0.2: crates/routes/src/lib.rs (sanitize_with_base, Router::parse_route)
fn parse_route(raw: &str) -> Result<(String, Vec<Segment>)> {
    let based = raw.strip_suffix('/').unwrap_or(raw).to_owned();
    let spec = match based.strip_suffix("/...") {
        Some(prefix) => format!("{prefix}/*"),
        None => based.clone(),
    };
    let segments = parse_spec(&spec).map_err(|e| anyhow::anyhow!("route `{raw}`: {e}"))?;
    for (i, segment) in segments.iter().enumerate() {
        match (segment, segments.get(i + 1)) {
            // routefinder panics on these when matching; refuse them up front instead.
            (Segment::Wildcard, Some(_)) => {
                bail!("route `{raw}`: a wildcard must be the last segment")
            }
            (
                Segment::Param(_),
                Some(Segment::Exact(_) | Segment::Param(_) | Segment::Wildcard),
            ) => {
                bail!("route `{raw}`: a parameter must be followed by `/`, `.` or the end")
            }
            _ => {}
        }
    }
    Ok((based, segments))
}

/// routefinder's `RouteSpec::from_str`: sections split at `/` and `.`; a `.` joins the
/// preceding literal, or stands alone after a parameter.
// As routefinder 0.5.4 (used by Spin 4.0.2): src/route_spec.rs (FromStr for RouteSpec)
fn parse_spec(source: &str) -> std::result::Result<Vec<Segment>, String> {
    let trimmed = source.trim_start_matches('/').trim_end_matches('/');
    let mut segments: Vec<Segment> = Vec::new();
    let mut last = 0usize;
    let ends = trimmed
        .match_indices(['.', '/'])
        .map(|(i, _)| i)
        .chain(std::iter::once(trimmed.len()));
    for index in ends {
        // routefinder reads this separator with `chars().nth` of a byte index, which differs
        // only for non-ASCII routes; the byte is what it means.
        let separator = (last > 0).then(|| trimmed.as_bytes()[last - 1]);
        let section = &trimmed[last..index];
        last = index + 1;
        let segment = match (section.chars().next(), section.len()) {
            (Some('*'), 1) => Some(Segment::Wildcard),
            (Some('*'), _) => {
                return Err(format!(
                    "since there can only be one wildcard, it doesn't need a name. replace `{section}` with `*`"
                ))
            }
            (Some(':'), 1) => return Err("params must be named".to_owned()),
            (Some(':'), _) => Some(Segment::Param(section[1..].to_owned())),
            (None, 0) => None,
            _ => Some(Segment::Exact(section.to_owned())),
        };
        if separator == Some(b'.') {
            match segments.last_mut() {
                Some(Segment::Exact(literal)) => literal.push('.'),
                _ => segments.push(Segment::Dot),
            }
        }
        if let Some(segment) = segment {
            if separator == Some(b'/') {
                segments.push(Segment::Slash);
            }
            segments.push(segment);
        }
    }
    Ok(segments)
}

/// routefinder's `Segment` order: `Exact > Param > Wildcard > (dots and slashes)`.
// As routefinder 0.5.4: src/segment.rs (Ord for Segment)
fn rank(mine: &Segment, theirs: &Segment) -> Ordering {
    use Segment::*;
    match (mine, theirs) {
        (Exact(_), Exact(_))
        | (Slash | Dot, Slash | Dot)
        | (Param(_), Param(_))
        | (Wildcard, Wildcard) => Ordering::Equal,
        (Exact(_), _) => Ordering::Greater,
        (Param(_), Exact(_)) => Ordering::Less,
        (Param(_), _) => Ordering::Greater,
        (Wildcard, Exact(_) | Param(_)) => Ordering::Less,
        (Wildcard, _) => Ordering::Greater,
        _ => Ordering::Less,
    }
}

/// `Less` when `a` is the better route: the first differing segment decides, then the number
/// of dots, then fewer segments. Between equal routes the one declared first wins.
// As routefinder 0.5.4: src/route_spec.rs (Ord for RouteSpec), src/router.rs (best_match)
fn precedence(a: &[Segment], b: &[Segment]) -> Ordering {
    let dots = |s: &[Segment]| s.iter().filter(|s| matches!(s, Segment::Dot)).count();
    a.iter()
        .zip(b)
        .map(|(x, y)| rank(x, y))
        .chain(std::iter::once_with(|| dots(a).cmp(&dots(b))))
        .chain(std::iter::once_with(|| b.len().cmp(&a.len())))
        .find(|c| *c != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
        .reverse()
}

/// A capture: a parameter's name and value, or the wildcard's value (no name).
type Capture<'a, 'p> = (Option<&'a str>, &'p str);

/// Matches a request path against a route; `None` if it does not match.
// As routefinder 0.5.4: src/route_spec.rs (RouteSpec::matches, inner_match)
fn match_path<'a, 'p>(segments: &'a [Segment], path: &'p str) -> Option<Vec<Capture<'a, 'p>>> {
    let mut p = path.trim_start_matches('/').trim_end_matches('/');
    let mut captures = Vec::new();
    let mut peek = segments.iter().peekable();
    while let Some(segment) = peek.next() {
        p = match segment {
            Segment::Exact(literal) => p.strip_prefix(literal.as_str())?,
            Segment::Param(name) => {
                if p.is_empty() {
                    return None;
                }
                match peek.peek() {
                    None | Some(Segment::Slash) => {
                        let capture = p.split('/').next()?;
                        captures.push((Some(name.as_str()), capture));
                        &p[capture.len()..]
                    }
                    Some(Segment::Dot) => {
                        let index = p.find(['.', '/'])?;
                        if p.as_bytes()[index] != b'.' {
                            return None;
                        }
                        captures.push((Some(name.as_str()), &p[..index]));
                        &p[index..]
                    }
                    // Refused by `parse_route`.
                    Some(_) => return None,
                }
            }
            Segment::Wildcard => {
                captures.push((None, p));
                ""
            }
            Segment::Slash => match (p.chars().next(), peek.peek()) {
                (Some('/'), Some(_)) => &p[1..],
                (None, None) | (None, Some(Segment::Wildcard)) => p,
                _ => return None,
            },
            Segment::Dot => p.strip_prefix('.')?,
        };
    }
    (p.is_empty() || p == "/").then_some(captures)
}

impl Router {
    pub fn add(&mut self, raw: &str, component: &str) -> Result<()> {
        let (based, segments) = parse_route(raw)?;
        let route = Route {
            raw: raw.to_owned(),
            based,
            segments,
            component: component.to_owned(),
            order: self.routes.len(),
        };
        // Inserted before the first route it beats, as routefinder's `BTreeSet` places it.
        // Not a sort: routefinder's order is not transitive for some routes with dots, and
        // `sort_by` may panic on such an order.
        // As routefinder 0.5.4: src/router.rs (Router::add)
        let at = self
            .routes
            .iter()
            .position(|existing| precedence(&route.segments, &existing.segments) == Ordering::Less)
            .unwrap_or(self.routes.len());
        self.routes.insert(at, route);
        Ok(())
    }

    /// Routes a request path (without the query, still percent-encoded) to a component.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        self.routes.iter().find_map(|route| {
            let captures = match_path(&route.segments, path)?;
            Some(route.matched(path, &captures))
        })
    }

    /// The routes in manifest order, for the startup listing.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut routes: Vec<&Route> = self.routes.iter().collect();
        routes.sort_by_key(|r| r.order);
        routes
            .into_iter()
            .map(|r| (r.raw.clone(), r.component.clone()))
            .collect()
    }

    /// Routes under `prefix`, which the host answers itself and so never reach a guest.
    pub fn routes_under(&self, prefix: &str) -> Vec<String> {
        self.routes
            .iter()
            .filter(|r| r.based.starts_with(prefix))
            .map(|r| r.raw.clone())
            .collect()
    }
}

impl Route {
    fn matched(&self, path: &str, captures: &[Capture<'_, '_>]) -> RouteMatch {
        // As Spin 4.0.2: crates/routes/src/lib.rs (RouteMatchKind::trailing_wildcard): Spin
        // keeps the trailing slash that routefinder trims.
        let path_info = captures
            .iter()
            .find(|(name, _)| name.is_none())
            .map(
                |(_, wildcard)| match (wildcard.is_empty(), path.ends_with('/')) {
                    (true, false) => String::new(),
                    (true, true) => "/".to_owned(),
                    (false, false) => format!("/{wildcard}"),
                    (false, true) => format!("/{wildcard}/"),
                },
            )
            .unwrap_or_default();
        RouteMatch {
            component: self.component.clone(),
            based_route: self.based.clone(),
            raw_route: self.raw.clone(),
            component_route: self
                .raw
                .strip_suffix("/...")
                .unwrap_or(&self.raw)
                .to_owned(),
            path_info,
            params: captures
                .iter()
                .filter_map(|(name, value)| name.map(|n| (n.to_owned(), (*value).to_owned())))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::default();
        r.add("/api/v1/health/intake", "intake").unwrap();
        r.add("/api/v1/...", "intake").unwrap();
        r.add("/api/v1/complaints/...", "escalation").unwrap();
        r.add("/...", "portal").unwrap();
        r
    }

    fn routed(r: &Router, path: &str) -> String {
        r.route(path).map(|m| m.component).unwrap_or_default()
    }

    #[test]
    fn exact_routes_beat_wildcards() {
        let m = router().route("/api/v1/health/intake").unwrap();
        assert_eq!((m.component.as_str(), m.path_info.as_str()), ("intake", ""));
        assert_eq!(m.raw_route, "/api/v1/health/intake");
        assert_eq!(m.based_route, "/api/v1/health/intake");
    }

    #[test]
    fn the_longest_wildcard_prefix_wins() {
        let m = router().route("/api/v1/complaints/cmp_1").unwrap();
        assert_eq!(m.component, "escalation");
        assert_eq!(m.component_route, "/api/v1/complaints");
        assert_eq!(m.based_route, "/api/v1/complaints/...");
        assert_eq!(m.path_info, "/cmp_1");
        assert_eq!(routed(&router(), "/api/v1/staff"), "intake");
    }

    #[test]
    fn wildcards_match_whole_segments_only() {
        assert_eq!(routed(&router(), "/api/v1x"), "portal");
        assert_eq!(routed(&router(), "/api/v1"), "intake");
    }

    #[test]
    fn the_root_wildcard_catches_everything_else() {
        let m = router().route("/").unwrap();
        assert_eq!(
            (
                m.component.as_str(),
                m.component_route.as_str(),
                m.path_info.as_str()
            ),
            ("portal", "", "/")
        );
    }

    #[test]
    fn without_a_catch_all_unknown_paths_have_no_route() {
        let mut r = Router::default();
        r.add("/a", "x").unwrap();
        assert!(r.route("/b").is_none());
    }

    #[test]
    fn chaining_matches_the_callee_as_a_root_wildcard() {
        let m = RouteMatch::synthetic("backend", "/internal/x");
        assert_eq!(m.component, "backend");
        assert_eq!(m.path_info, "/internal/x");
        assert_eq!(
            (
                m.based_route.as_str(),
                m.raw_route.as_str(),
                m.component_route.as_str()
            ),
            ("/...", "/...", "")
        );
    }

    #[test]
    fn malformed_routes_are_rejected() {
        assert!(validate_route("api").is_err());
        assert!(validate_route("/a/.../b").is_err());
        assert!(validate_route("/users/:").is_err());
        assert!(validate_route("/a/*/b").is_err());
        assert!(validate_route("/a/*name").is_err());
        assert!(validate_route("/users/:id").is_ok());
        assert!(validate_route("/users/:id/...").is_ok());
        assert!(validate_route("/users/...").is_ok());
    }

    #[test]
    fn literals_beat_params_and_params_beat_wildcards() {
        let mut r = Router::default();
        r.add("/items/...", "wild").unwrap();
        r.add("/items/:id", "param").unwrap();
        r.add("/items/new", "literal").unwrap();
        assert_eq!(routed(&r, "/items/new"), "literal");
        assert_eq!(routed(&r, "/items/5"), "param");
        assert_eq!(routed(&r, "/items/5/"), "param");
        assert_eq!(routed(&r, "/items/5//"), "param");
        // An extra segment is not a parameter's; an empty one is no parameter.
        assert_eq!(routed(&r, "/items/5/extra"), "wild");
        assert_eq!(routed(&r, "/items"), "wild");
        assert_eq!(routed(&r, "/items/"), "wild");
    }

    #[test]
    fn the_leftmost_difference_decides_and_fewer_segments_win_a_tie() {
        let mut r = Router::default();
        r.add("/a/:x/b", "param-first").unwrap();
        r.add("/a/b/:y", "literal-first").unwrap();
        assert_eq!(routed(&r, "/a/b/b"), "literal-first");

        let mut r = Router::default();
        r.add("/items/...", "wild").unwrap();
        r.add("/items", "exact").unwrap();
        r.add("/items/:id/...", "param-wild").unwrap();
        r.add("/items/:id", "param").unwrap();
        assert_eq!(routed(&r, "/items"), "exact");
        assert_eq!(routed(&r, "/items/"), "exact");
        assert_eq!(routed(&r, "/items/5"), "param");
        assert_eq!(routed(&r, "/items/5/x"), "param-wild");

        let mut r = Router::default();
        r.add("/...", "root").unwrap();
        r.add("/api/...", "api").unwrap();
        r.add("/api/items/:id", "item").unwrap();
        assert_eq!(routed(&r, "/api/items/1"), "item");
        assert_eq!(routed(&r, "/api/other"), "api");
        assert_eq!(routed(&r, "/elsewhere"), "root");
    }

    #[test]
    fn params_are_captured_raw_with_spins_header_values() {
        let mut r = Router::default();
        r.add("/users/:user_id/posts/:post_id", "posts").unwrap();
        let m = r.route("/users/a%20b/posts/9").unwrap();
        assert_eq!(
            m.params,
            [
                ("user_id".to_owned(), "a%20b".to_owned()),
                ("post_id".to_owned(), "9".to_owned())
            ]
        );
        assert_eq!(m.based_route, "/users/:user_id/posts/:post_id");
        assert_eq!(m.component_route, "/users/:user_id/posts/:post_id");
        assert_eq!(m.path_info, "");
    }

    #[test]
    fn a_param_before_a_wildcard_gives_both() {
        // Spin's own test: crates/trigger-http/src/headers.rs (test_default_headers_with_named_wildcards)
        let mut r = Router::default();
        r.add("/foo/:userid/...", "x").unwrap();
        let m = r.route("/foo/42/bar").unwrap();
        assert_eq!(m.params, [("userid".to_owned(), "42".to_owned())]);
        assert_eq!(m.path_info, "/bar");
        assert_eq!(m.based_route, "/foo/:userid/...");
        assert_eq!(m.component_route, "/foo/:userid");
    }

    #[test]
    fn trailing_slashes_follow_spin() {
        let mut r = Router::default();
        r.add("/foo/...", "w").unwrap();
        r.add("/", "root").unwrap();
        r.add("/bar/", "bar").unwrap();
        let info = |path: &str| r.route(path).unwrap().path_info;
        assert_eq!(info("/foo"), "");
        assert_eq!(info("/foo/"), "/");
        assert_eq!(info("/foo/bar"), "/bar");
        assert_eq!(info("/foo/bar/"), "/bar/");
        let root = r.route("/").unwrap();
        assert_eq!(
            (root.component.as_str(), root.based_route.as_str()),
            ("root", "")
        );
        assert_eq!(root.raw_route, "/");
        let bar = r.route("/bar").unwrap();
        assert_eq!(
            (
                bar.based_route.as_str(),
                bar.raw_route.as_str(),
                bar.component_route.as_str()
            ),
            ("/bar", "/bar/", "/bar/")
        );
    }

    #[test]
    fn dots_split_params_but_not_literals() {
        let mut r = Router::default();
        r.add("/api/v1/openapi.json", "spec").unwrap();
        r.add("/files/:name.json", "json").unwrap();
        assert_eq!(routed(&r, "/api/v1/openapi.json"), "spec");
        assert!(r.route("/api/v1/openapi.jsonx").is_none());
        let m = r.route("/files/report.json").unwrap();
        assert_eq!(m.params, [("name".to_owned(), "report".to_owned())]);
        assert!(r.route("/files/report.txt").is_none());
    }

    #[test]
    fn routes_are_listed_in_manifest_order() {
        let listed: Vec<String> = router().describe().into_iter().map(|(r, _)| r).collect();
        assert_eq!(
            listed,
            [
                "/api/v1/health/intake",
                "/api/v1/...",
                "/api/v1/complaints/...",
                "/..."
            ]
        );
    }
}
