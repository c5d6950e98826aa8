//! Spin's HTTP routing: exact routes, trailing `/...` wildcards, and private components.
//!
//! An exact route beats any wildcard; among wildcards the longest prefix wins. Private
//! components have no route and are reached only through `http://<id>.spin.internal`.

use anyhow::{ensure, Result};

/// One public route of the application.
#[derive(Debug, Clone)]
struct Route {
    /// The route as written in the manifest, e.g. `/api/v1/...`.
    raw: String,
    /// The route without the wildcard, e.g. `/api/v1` (empty for `/...`).
    prefix: String,
    wildcard: bool,
    component: String,
}

/// Where a request goes and what the component is told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// `spin-matched-route` and `spin-raw-component-route`: the route as written.
    pub raw_route: String,
    /// `spin-component-route`: the route without its wildcard.
    pub component_route: String,
    /// `spin-path-info`: what follows the component route.
    pub path_info: String,
}

#[derive(Debug, Default)]
pub struct Router {
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
    ensure!(
        !body.split('/').any(|segment| segment.starts_with(':')),
        "route `{route}`: parameter segments (`:name`) are not supported by crm; route a wildcard and match in the component"
    );
    Ok(())
}

impl Router {
    pub fn add(&mut self, raw: &str, component: &str) {
        let (prefix, wildcard) = match raw.strip_suffix("/...") {
            Some(prefix) => (prefix.to_owned(), true),
            None => (raw.trim_end_matches('/').to_owned(), false),
        };
        self.routes.push(Route {
            raw: raw.to_owned(),
            prefix,
            wildcard,
            component: component.to_owned(),
        });
    }

    /// Routes a request path (without the query) to a component.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let trimmed = path.trim_end_matches('/');
        if let Some(route) = self
            .routes
            .iter()
            .find(|r| !r.wildcard && r.prefix == trimmed)
        {
            return Some(route.matched(path, String::new()));
        }
        self.routes
            .iter()
            .filter(|r| r.wildcard && under_prefix(path, &r.prefix))
            .max_by_key(|r| r.prefix.len())
            .map(|r| r.matched(path, path[r.prefix.len()..].to_owned()))
    }

    /// Routes a request for a given component (service chaining): its best public route for the
    /// path if it has one, else a match with no route, as for a private component.
    pub fn route_to_component(&self, component: &str, path: &str) -> RouteMatch {
        match self.route(path) {
            Some(m) if m.component == component => m,
            _ => RouteMatch {
                component: component.to_owned(),
                raw_route: String::new(),
                component_route: String::new(),
                path_info: path.to_owned(),
            },
        }
    }

    pub fn describe(&self) -> Vec<(String, String)> {
        self.routes
            .iter()
            .map(|r| (r.raw.clone(), r.component.clone()))
            .collect()
    }
}

impl Route {
    fn matched(&self, _path: &str, path_info: String) -> RouteMatch {
        RouteMatch {
            component: self.component.clone(),
            raw_route: self.raw.clone(),
            component_route: self.prefix.clone(),
            path_info,
        }
    }
}

fn under_prefix(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::default();
        r.add("/api/v1/health/intake", "intake");
        r.add("/api/v1/...", "intake");
        r.add("/api/v1/complaints/...", "escalation");
        r.add("/...", "portal");
        r
    }

    #[test]
    fn exact_routes_beat_wildcards() {
        let m = router().route("/api/v1/health/intake").unwrap();
        assert_eq!((m.component.as_str(), m.path_info.as_str()), ("intake", ""));
        assert_eq!(m.raw_route, "/api/v1/health/intake");
    }

    #[test]
    fn the_longest_wildcard_prefix_wins() {
        let m = router().route("/api/v1/complaints/cmp_1").unwrap();
        assert_eq!(m.component, "escalation");
        assert_eq!(m.component_route, "/api/v1/complaints");
        assert_eq!(m.path_info, "/cmp_1");
        assert_eq!(router().route("/api/v1/staff").unwrap().component, "intake");
    }

    #[test]
    fn wildcards_match_whole_segments_only() {
        assert_eq!(router().route("/api/v1x").unwrap().component, "portal");
        assert_eq!(router().route("/api/v1").unwrap().component, "intake");
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
        r.add("/a", "x");
        assert!(r.route("/b").is_none());
    }

    #[test]
    fn chaining_reaches_private_components() {
        let m = router().route_to_component("backend", "/internal/x");
        assert_eq!(
            (
                m.component.as_str(),
                m.path_info.as_str(),
                m.raw_route.as_str()
            ),
            ("backend", "/internal/x", "")
        );
    }

    #[test]
    fn malformed_routes_are_rejected() {
        assert!(validate_route("api").is_err());
        assert!(validate_route("/a/.../b").is_err());
        assert!(validate_route("/users/:id").is_err());
        assert!(validate_route("/users/...").is_ok());
    }
}
