//! Outbound HTTP: only to `allowed_outbound_hosts`, and `http://<id>.spin.internal` served
//! in-process (service chaining), as on Spin.

use anyhow::{bail, Context, Result};
use http::header::HOST;
use http::HeaderValue;
use std::future::Future;
use std::sync::Weak;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::server::Host;

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]`, where each part may be `*`,
/// the host may be `*.domain` or a CIDR block, and the port a range `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    scheme: Option<String>,
    host: HostMatch,
    port: PortMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortMatch {
    Any,
    One(u16),
    /// `start..end`, the end excluded, as a Rust range (and as Spin reads it).
    Range(u16, u16),
}

impl PortMatch {
    fn allows(&self, port: u16) -> bool {
        match *self {
            PortMatch::Any => true,
            PortMatch::One(p) => p == port,
            PortMatch::Range(start, end) => (start..end).contains(&port),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    Exact(String),
    Suffix(String),
    /// An IP network such as `10.0.0.0/8`; host bits given are dropped, as Spin drops them.
    Cidr(ipnet::IpNet),
    /// `self` or `self.alt`: the application's own listener, for relative URLs; it matches no
    /// host name.
    // As Spin 4.0.2: crates/factor-outbound-networking/src/allowed_hosts.rs (HostConfig::ToSelf)
    ToSelf,
}

/// The outbound hosts a component may reach.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    patterns: Vec<HostPattern>,
}

impl AllowedHosts {
    /// Checks the entries of a manifest: literal entries must parse; an entry with a
    /// `{{ variable }}` template must be a well-formed template (it is resolved when the
    /// component is loaded, with the component's variables, as Spin resolves it per instance).
    // As Spin 4.0.2: crates/outbound-networking-config/src/allowed_hosts.rs
    // (AllowedHostsConfig::validate defers templates)
    pub fn validate(entries: &[String]) -> Result<()> {
        for entry in entries {
            if entry.contains("{{") {
                crate::variables::template_references(entry)
                    .with_context(|| format!("allowed_outbound_hosts entry `{entry}`"))?;
            } else {
                parse_pattern(entry)
                    .with_context(|| format!("allowed_outbound_hosts entry `{entry}`"))?;
            }
        }
        Ok(())
    }

    /// The allowed hosts of a component: templates rendered with its variables (`variables`,
    /// already rendered from the application's), then parsed. An entry that does not resolve or
    /// does not parse once rendered allows nothing, and says so once: on Spin the same entry
    /// fails each outbound request of the component.
    pub fn resolve(
        component: &str,
        entries: &[String],
        variables: &std::collections::HashMap<String, String>,
    ) -> Self {
        let patterns = entries
            .iter()
            .filter_map(|entry| {
                let rendered = crate::variables::render(entry, variables);
                match rendered.and_then(|host| {
                    parse_pattern(&host).with_context(|| format!("`{host}` (from `{entry}`)"))
                }) {
                    Ok(pattern) => Some(pattern),
                    Err(error) => {
                        eprintln!(
                            "crm: component `{component}`: allowed_outbound_hosts entry \
                             `{entry}` allows nothing: {error:#}"
                        );
                        None
                    }
                }
            })
            .collect();
        Self { patterns }
    }

    #[cfg(test)]
    pub fn parse(entries: &[String]) -> Result<Self> {
        let patterns = entries
            .iter()
            .map(|entry| {
                parse_pattern(entry)
                    .with_context(|| format!("allowed_outbound_hosts entry `{entry}`"))
            })
            .collect::<Result<_>>()?;
        Ok(Self { patterns })
    }

    /// Whether a request to `scheme://host:port` is allowed.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.patterns.iter().any(|p| {
            p.scheme.as_deref().is_none_or(|s| s == scheme)
                && p.port.allows(port)
                && match &p.host {
                    HostMatch::Any => true,
                    HostMatch::Exact(h) => h.eq_ignore_ascii_case(host),
                    HostMatch::Suffix(suffix) => {
                        host.len() > suffix.len()
                            && host
                                .to_ascii_lowercase()
                                .ends_with(&suffix.to_ascii_lowercase())
                    }
                    HostMatch::Cidr(net) => host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| net.contains(&ip)),
                    HostMatch::ToSelf => false,
                }
        })
    }

    /// Whether a request to the application itself (a relative URL, or `http://self.alt/…`)
    /// is allowed: by `http://self`, `http://self.alt` or a `*` host, whatever the port.
    // As Spin 4.0.2: crates/factor-outbound-networking/src/allowed_hosts.rs
    // (AllowedHostConfig::allows_relative, checked for the schemes http and https)
    pub fn allows_self(&self) -> bool {
        self.patterns
            .iter()
            .any(|p| matches!(p.host, HostMatch::Any | HostMatch::ToSelf))
    }
}

// As Spin 4.0.2: crates/outbound-networking-config/src/allowed_hosts.rs
// (AllowedHostConfig::parse, SchemeConfig, HostConfig, PortConfig, well_known_port): any
// alphabetic scheme, a port implied only by a scheme that has a well-known one.
fn parse_pattern(entry: &str) -> Result<HostPattern> {
    let entry = entry.trim();
    let Some((scheme, rest)) = entry.split_once("://") else {
        bail!("must be `scheme://host[:port]`, e.g. `https://api.example.com`");
    };
    let scheme = match scheme {
        "*" => None,
        s if s.starts_with('{') => bail!("scheme lists are not supported (nor by Spin)"),
        s if s.is_empty() || !s.chars().all(char::is_alphabetic) => {
            bail!("scheme `{s}` contains a character that is not a letter")
        }
        s => Some(s.to_owned()),
    };
    let (host, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
    let port = match port.split_once('/') {
        Some((_, path)) if !path.is_empty() => bail!("must not contain a path"),
        Some((port, _)) => port,
        None => port,
    };
    let port =
        match port {
            "" => PortMatch::One(scheme.as_deref().and_then(well_known_port).with_context(
                || {
                    format!(
                        "no port was given and the scheme `{}` has no well-known port",
                        scheme.as_deref().unwrap_or("*")
                    )
                },
            )?),
            "*" => PortMatch::Any,
            p if p.starts_with('{') => bail!("port lists are not supported (nor by Spin)"),
            p => match p.split_once("..") {
                Some((start, end)) => PortMatch::Range(
                    start
                        .parse()
                        .with_context(|| format!("port range `{p}` contains a non-number"))?,
                    end.parse()
                        .with_context(|| format!("port range `{p}` contains a non-number"))?,
                ),
                None => PortMatch::One(
                    p.parse()
                        .with_context(|| format!("port `{p}` is not a number"))?,
                ),
            },
        };
    let host = host.trim();
    let host = match host {
        "" => bail!("the host is empty"),
        "*" => HostMatch::Any,
        "self" | "self.alt" => HostMatch::ToSelf,
        h if h.starts_with('{') => bail!("host lists are not supported (nor by Spin)"),
        h if h.contains('/') && h.parse::<ipnet::IpNet>().is_ok() => {
            HostMatch::Cidr(h.parse::<ipnet::IpNet>()?.trunc())
        }
        h if matches!(h.split('/').nth(1), Some(path) if !path.is_empty()) => {
            bail!("must not contain a path")
        }
        h if h.starts_with("*.") => {
            if h[2..].contains('*') {
                bail!("`*` is only allowed as the whole host or as `*.domain`");
            }
            HostMatch::Suffix(h[1..].to_owned())
        }
        h if h.contains('*') => bail!("`*` is only allowed as the whole host or as `*.domain`"),
        h => HostMatch::Exact(h.trim_end_matches('/').to_owned()),
    };
    Ok(HostPattern { scheme, host, port })
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

/// The ports Spin knows for a scheme given without one.
fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "mqtt" => Some(1883),
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// The `wasi:http` hooks of one request's store: checks every outgoing request against the
/// component's allowed hosts, sends requests to the application itself to its own listener,
/// and serves `*.spin.internal` in-process.
pub struct OutboundHooks {
    pub allowed: std::sync::Arc<AllowedHosts>,
    /// Every request fails as Spin's deny adapter fails it (a dependency that does not
    /// inherit `allowed_outbound_hosts`).
    pub denied: bool,
    pub host: Weak<Host>,
    /// The request this instance serves, for log lines.
    pub request: u64,
}

/// What `WasiHttpHooks::send_request`'s future resolves to.
type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

/// Where an outgoing request goes, decided from its URL as Spin decides it.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// The application's own listener: a relative URL or `http://self.alt/…`.
    ToSelf,
    /// A component of this application, in-process.
    Chained(String),
    /// Anywhere else, over the network.
    Network,
}

// As Spin 4.0.2: crates/factor-outbound-http/src/wasi.rs (RequestSender::prepare_request) and
// crates/factor-outbound-networking/src/allowed_hosts.rs (parse_service_chaining_target)
fn destination(uri: &http::Uri) -> Destination {
    match uri.authority().map(|a| a.host()) {
        None | Some("self.alt") => Destination::ToSelf,
        Some(host) => match host.split_once('.') {
            Some((component, "spin.internal")) => Destination::Chained(component.to_owned()),
            _ => Destination::Network,
        },
    }
}

/// spin-sdk sends a relative URL as `https://:443/path` (wasi-http wants an authority); an
/// empty host means the URL had none.
// As Spin 4.0.2: crates/factor-outbound-http/src/wasi.rs (RequestSender::prepare_request)
fn strip_empty_authority(uri: &mut http::Uri) {
    if uri.authority().is_some_and(|a| a.host().is_empty()) {
        let mut relative = http::Uri::builder();
        if let Some(path_and_query) = uri.path_and_query() {
            relative = relative.path_and_query(path_and_query.clone());
        }
        if let Ok(relative) = relative.build() {
            *uri = relative;
        }
    }
}

/// The `Host` header hyper-util's client (Spin's) derives from a URL: the port only when it is
/// not the scheme's default.
fn host_header(uri: &http::Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let default = default_port(uri.scheme_str().unwrap_or("http"));
    let value = match uri.port_u16() {
        Some(port) if port != default => format!("{host}:{port}"),
        _ => host.to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        strip_empty_authority(request.uri_mut());
        let destination = destination(request.uri());
        let allowed = match &destination {
            Destination::ToSelf => self.allowed.allows_self(),
            _ => {
                let uri = request.uri();
                // A URL without a scheme is checked as https, as Spin's `check_url` does.
                let scheme = uri.scheme_str().unwrap_or("https").to_owned();
                let port = uri.port_u16().unwrap_or_else(|| default_port(&scheme));
                self.allowed
                    .allows(&scheme, uri.host().unwrap_or_default(), port)
            }
        };
        if self.denied {
            // As Spin 4.0.2: crates/capabilities/deny-adapter/src/lib.rs (outgoing-handler)
            let message = "\"wasi:http/outgoing-handler\" is not permitted";
            return Box::new(async move {
                SendResult::Err(HttpError::InternalError(Some(message.into())))
            });
        }
        if !allowed {
            self.log_denied(&destination, request.uri());
            return Box::new(async { SendResult::Err(HttpError::HttpRequestDenied) });
        }
        // Spin drops the guest's `Host` before sending; its HTTP client then names the
        // destination, and a chained callee gets none.
        // As Spin 4.0.2: crates/factor-outbound-http/src/wasi.rs (prepare_request)
        request.headers_mut().remove(HOST);
        let host = self.host.clone();
        let request_id = self.request;
        Box::new(async move {
            let done: Box<dyn Future<Output = Result<(), HttpError>> + Send> =
                Box::new(async { Ok(()) });
            let host = host.upgrade().ok_or(HttpError::DestinationUnavailable)?;
            match destination {
                Destination::Chained(component) => {
                    let response = host.handle_chained(request_id, &component, request).await?;
                    return Ok((response, done));
                }
                Destination::ToSelf => {
                    let Some(origin) = host.self_origin() else {
                        eprintln!(
                            "crm: [req {request_id}] cannot send a request to the application \
                             itself: it is not listening on a socket"
                        );
                        return Err(HttpError::HttpRequestUriInvalid);
                    };
                    let path_and_query = request
                        .uri()
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_owned();
                    *request.uri_mut() = format!("http://{origin}{path_and_query}")
                        .parse::<http::Uri>()
                        .map_err(|_| HttpError::HttpRequestUriInvalid)?;
                }
                Destination::Network => {}
            }
            if let Some(value) = host_header(request.uri()) {
                request.headers_mut().insert(HOST, value);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            use http_body_util::BodyExt;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

impl OutboundHooks {
    // As Spin 4.0.2: crates/runtime-factors/src/lib.rs (outbound_networking_factor)
    fn log_denied(&self, destination: &Destination, uri: &http::Uri) {
        let id = self.request;
        let pattern = match destination {
            Destination::ToSelf => {
                eprintln!(
                    "crm: [req {id}] A component tried to make an HTTP request to its own app \
                     but it does not have permission."
                );
                "http://self".to_owned()
            }
            _ => {
                let scheme = uri.scheme_str().unwrap_or("https");
                let authority = uri.authority().map_or("", |a| a.as_str());
                eprintln!(
                    "crm: [req {id}] A component tried to make an outbound network connection \
                     to disallowed destination '{scheme}://{authority}'."
                );
                format!("{scheme}://{authority}")
            }
        };
        eprintln!(
            "crm: [req {id}] To allow this request, add 'allowed_outbound_hosts = [\"{pattern}\"]' \
             to the manifest component section."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_entries_resolve_with_the_components_variables() {
        let vars = std::collections::HashMap::from([(
            "webhook_host".to_owned(),
            "https://*.hooks.example.com".to_owned(),
        )]);
        let entries = [
            "{{ webhook_host }}".to_owned(),
            "{{ missing }}".to_owned(),
            "http://db.internal:5432".to_owned(),
        ];
        assert!(AllowedHosts::validate(&entries).is_ok());
        assert!(AllowedHosts::validate(&["{{ unclosed".to_owned()]).is_err());
        let allowed = AllowedHosts::resolve("escalation", &entries, &vars);
        assert!(allowed.allows("https", "a.hooks.example.com", 443));
        assert!(!allowed.allows("http", "a.hooks.example.com", 80));
        assert!(allowed.allows("http", "db.internal", 5432));
        assert!(!allowed.allows("https", "example.org", 443));
    }

    fn allowed(entries: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn exact_hosts_use_the_default_port_of_their_scheme() {
        let a = allowed(&["https://api.example.com"]);
        assert!(a.allows("https", "api.example.com", 443));
        assert!(!a.allows("https", "api.example.com", 8443));
        assert!(!a.allows("http", "api.example.com", 80));
        assert!(!a.allows("https", "evil.com", 443));
    }

    #[test]
    fn wildcards_cover_ports_subdomains_and_schemes() {
        let a = allowed(&[
            "http://127.0.0.1:*",
            "http://*.spin.internal",
            "*://*.example.org:8080",
        ]);
        assert!(a.allows("http", "127.0.0.1", 12345));
        assert!(a.allows("http", "intake.spin.internal", 80));
        assert!(!a.allows("http", "spin.internal", 80));
        assert!(a.allows("https", "a.example.org", 8080));
        assert!(!a.allows("https", "a.example.org", 443));
    }

    #[test]
    fn self_entries_allow_only_requests_to_the_app_itself() {
        for entry in ["http://self", "http://self.alt", "*://*:*", "http://*:*"] {
            assert!(allowed(&[entry]).allows_self(), "{entry}");
        }
        for entry in [
            "http://127.0.0.1:*",
            "http://*.spin.internal",
            "https://example.com",
        ] {
            assert!(!allowed(&[entry]).allows_self(), "{entry}");
        }
        // `http://self/…` as a URL is an ordinary host, which `self` does not name.
        assert!(!allowed(&["http://self"]).allows("http", "self", 80));
    }

    #[test]
    fn destinations_are_decided_from_the_url_as_on_spin() {
        let at = |url: &str| {
            let mut uri: http::Uri = url.parse().unwrap();
            strip_empty_authority(&mut uri);
            destination(&uri)
        };
        assert_eq!(at("https://:443/plain/headers"), Destination::ToSelf);
        assert_eq!(at("http://self.alt/x"), Destination::ToSelf);
        assert_eq!(at("http://self/x"), Destination::Network);
        assert_eq!(
            at("http://back.spin.internal/x"),
            Destination::Chained("back".into())
        );
        assert_eq!(at("http://a.b.spin.internal/x"), Destination::Network);
        assert_eq!(at("https://example.com/x"), Destination::Network);
    }

    #[test]
    fn the_host_header_names_the_destination_as_hyper_util_does() {
        let header = |url: &str| host_header(&url.parse().unwrap()).unwrap();
        assert_eq!(header("http://127.0.0.1:3000/x"), "127.0.0.1:3000");
        assert_eq!(header("https://example.com:443/x"), "example.com");
        assert_eq!(header("http://example.com/x"), "example.com");
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        assert!(!AllowedHosts::default().allows("https", "example.com", 443));
    }

    #[test]
    fn entries_spin_accepts_are_accepted_ranges_cidrs_and_other_schemes_included() {
        let hosts = allowed(&[
            "http://127.0.0.1:8000..8010",
            "https://10.1.2.3/8",
            "redis://cache",
            "tcp://db.internal:5432",
            "*://*.example.com:*",
        ]);
        assert!(hosts.allows("http", "127.0.0.1", 8009));
        assert!(
            !hosts.allows("http", "127.0.0.1", 8010),
            "the end is excluded"
        );
        assert!(
            hosts.allows("https", "10.200.0.1", 443),
            "host bits are dropped"
        );
        assert!(!hosts.allows("https", "11.0.0.1", 443));
        assert!(!hosts.allows("http", "10.200.0.1", 80));
        assert!(hosts.allows("https", "api.example.com", 8443));
        assert!(
            !hosts.allows("https", "cache", 6379),
            "redis:// is not https://"
        );
    }

    #[test]
    fn malformed_entries_are_rejected() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "*://example.com",
            "https://ex*ample.com",
            "https://example.com/path",
            "https://example.com:http",
            "https://example.com:80..x",
            "h2c://example.com:80",
        ] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
