//! Outbound HTTP: only to `allowed_outbound_hosts`, and `http://<id>.spin.internal` served
//! in-process (service chaining), as on Spin.

use anyhow::{bail, Context, Result};
use http::uri::Scheme;
use std::future::Future;
use std::sync::Weak;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::server::Host;

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]`, where each part may be `*`,
/// and the host may be `*.domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    scheme: Option<String>,
    host: HostMatch,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    Exact(String),
    Suffix(String),
}

/// The outbound hosts a component may reach.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    patterns: Vec<HostPattern>,
}

impl AllowedHosts {
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
                && p.port.is_none_or(|allowed| allowed == port)
                && match &p.host {
                    HostMatch::Any => true,
                    HostMatch::Exact(h) => h.eq_ignore_ascii_case(host),
                    HostMatch::Suffix(suffix) => {
                        host.len() > suffix.len()
                            && host
                                .to_ascii_lowercase()
                                .ends_with(&suffix.to_ascii_lowercase())
                    }
                }
        })
    }
}

fn parse_pattern(entry: &str) -> Result<HostPattern> {
    let Some((scheme, rest)) = entry.split_once("://") else {
        bail!("must be `scheme://host[:port]`, e.g. `https://api.example.com`");
    };
    let scheme = match scheme {
        "*" => None,
        "http" | "https" => Some(scheme.to_owned()),
        other => bail!("scheme `{other}` is not supported by crm (http, https or *)"),
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') {
        bail!("must not contain a path");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, "*")) => (host, None),
        Some((host, port)) => (
            host,
            Some(
                port.parse::<u16>()
                    .with_context(|| format!("port `{port}` is not a number"))?,
            ),
        ),
        None => (rest, scheme.as_deref().map(default_port)),
    };
    let host = match host {
        "" => bail!("the host is empty"),
        "*" => HostMatch::Any,
        h if h.starts_with("*.") => HostMatch::Suffix(h[1..].to_owned()),
        h if h.contains('*') => bail!("`*` is only allowed as the whole host or as `*.domain`"),
        h => HostMatch::Exact(h.to_owned()),
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

/// The `wasi:http` hooks of one request's store: checks every outgoing request against the
/// component's allowed hosts, and serves `*.spin.internal` in-process.
pub struct OutboundHooks {
    pub allowed: std::sync::Arc<AllowedHosts>,
    pub host: Weak<Host>,
}

const INTERNAL_SUFFIX: &str = ".spin.internal";

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
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
        let uri = request.uri().clone();
        let scheme = uri.scheme().cloned().unwrap_or(Scheme::HTTPS);
        let host_name = uri.host().unwrap_or_default().to_owned();
        let port = uri
            .port_u16()
            .unwrap_or_else(|| default_port(scheme.as_str()));
        let allowed = self.allowed.allows(scheme.as_str(), &host_name, port);
        let host = self.host.clone();
        Box::new(async move {
            if !allowed {
                return Err(HttpError::HttpRequestDenied);
            }
            let done: Box<dyn Future<Output = Result<(), HttpError>> + Send> =
                Box::new(async { Ok(()) });
            if let Some(component) = host_name.strip_suffix(INTERNAL_SUFFIX) {
                let host = host.upgrade().ok_or(HttpError::DestinationUnavailable)?;
                let response = host.handle_chained(component, request).await?;
                return Ok((response, done));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn nothing_is_allowed_by_default() {
        assert!(!AllowedHosts::default().allows("https", "example.com", 443));
    }

    #[test]
    fn malformed_entries_are_rejected() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://ex*ample.com",
            "https://example.com/path",
            "https://example.com:http",
        ] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
