//! `crm up`: loads the application once, then serves each HTTP request in a fresh `Store` and
//! instance of the routed component, as Spin does for WASI p2 components.

use anyhow::{anyhow, Context, Result};
use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::{Error as HttpError, WasiBody, WasiHttpCtx, WasiHttpView};

use crate::clock::Clock;
use crate::compose::{self, DependencyName};
use crate::engine;
use crate::manifest::{App, RouteSpec};
use crate::outbound::{AllowedHosts, OutboundHooks};
use crate::routes::{RouteMatch, Router};
use crate::runtime_config::RuntimeConfig;
use crate::spin_api::SpinPlatform;
use crate::state::{Capabilities, RequestState};
use crate::variables::AppVariables;

/// Responses up to this size are buffered so they go out with `content-length`; larger ones
/// are streamed as the guest writes them.
const BUFFER_LIMIT: usize = 1 << 20;

/// The host-only endpoint of `--test-clock`; never routed to a guest.
pub const TEST_CLOCK_PATH: &str = "/.well-known/crm/test-clock";

/// Settings of `crm up`, read once at startup.
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub state_dir: PathBuf,
    pub runtime_config: Option<PathBuf>,
    pub cache_dir: PathBuf,
    pub test_clock: bool,
    pub request_timeout: Duration,
    pub access_log: bool,
    pub record_instantiation: bool,
}

struct LoadedComponent {
    pre: ProxyPre<RequestState>,
    caps: Arc<Capabilities>,
}

/// The loaded application: engine, routes and pre-linked components.
pub struct Host {
    engine: Engine,
    router: Router,
    components: HashMap<String, LoadedComponent>,
    clock: Clock,
    options: HostOptions,
    instantiation_micros: Mutex<Vec<u32>>,
    myself: Weak<Host>,
}

impl Host {
    /// Loads everything a request needs, so that no request pays for compilation or linking.
    pub fn load(
        app: &App,
        options: HostOptions,
        generated: &BTreeMap<String, String>,
    ) -> Result<Arc<Host>> {
        let manifest = &app.manifest;
        let (engine, allocator) = engine::build_engine()?;
        engine::start_epoch_ticker(&engine);
        let variables =
            AppVariables::resolve(manifest, &|name| std::env::var(name).ok(), generated)?;

        let (runtime_config, config_base) = RuntimeConfig::load(options.runtime_config.as_deref())?;
        let labels = |pick: fn(&crate::manifest::Component) -> &Vec<String>| -> Vec<String> {
            manifest
                .component
                .values()
                .flat_map(|c| pick(c).iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let stores = runtime_config.open_stores(
            &config_base,
            &options.state_dir,
            &labels(|c| &c.key_value_stores),
            &labels(|c| &c.sqlite_databases),
        )?;

        let mut linker = Linker::<RequestState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        SpinPlatform::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |state| {
            state
        })?;

        let mut components = HashMap::new();
        for (id, spec) in &manifest.component {
            let load = || -> Result<LoadedComponent> {
                let source = app.resolve(&spec.source);
                let bytes = std::fs::read(&source)
                    .with_context(|| format!("cannot read {}", source.display()))?;
                let mut dependencies = Vec::new();
                for (name, dependency) in &spec.dependencies {
                    let path = app.resolve(&dependency.path);
                    let dep_bytes = std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    dependencies.push((DependencyName::parse(name)?, dep_bytes));
                }
                let bytes = if dependencies.is_empty() {
                    bytes
                } else {
                    compose::compose(&bytes, &dependencies)?
                };
                let component = engine::load_component(&engine, &bytes, &options.cache_dir)?;
                let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
                let caps = Capabilities {
                    component: id.clone(),
                    kv: granted(&spec.key_value_stores, &stores.kv),
                    sqlite: granted(&spec.sqlite_databases, &stores.sqlite),
                    variables: variables.render_component(&spec.variables)?,
                    allowed_hosts: Arc::new(AllowedHosts::parse(&spec.allowed_outbound_hosts)?),
                    environment: spec.environment.clone().into_iter().collect(),
                };
                Ok(LoadedComponent {
                    pre,
                    caps: Arc::new(caps),
                })
            };
            components.insert(
                id.clone(),
                load().with_context(|| format!("cannot load component `{id}`"))?,
            );
        }

        let mut router = Router::default();
        for trigger in &manifest.trigger.http {
            if let RouteSpec::Path(route) = &trigger.route {
                router.add(route, &trigger.component);
            }
        }
        if options.access_log {
            println!(
                "crm: {} components loaded ({allocator} allocator)",
                components.len()
            );
        }
        Ok(Arc::new_cyclic(|myself| Host {
            engine,
            router,
            components,
            clock: Clock::default(),
            options,
            instantiation_micros: Mutex::new(Vec::new()),
            myself: myself.clone(),
        }))
    }

    pub fn routes(&self) -> Vec<(String, String)> {
        self.router.describe()
    }

    /// Serves one request that arrived over the network.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<WasiBody> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        if self.options.test_clock && path == TEST_CLOCK_PATH {
            return self.test_clock(req).await;
        }
        let (response, route, component) = match self.router.route(&path) {
            None => (
                problem(StatusCode::NOT_FOUND, &format!("no route matches {path}")),
                "-".to_owned(),
                "-".to_owned(),
            ),
            Some(matched) => {
                let host = req
                    .headers()
                    .get(HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("localhost")
                    .to_owned();
                let path_and_query = req
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let full_url = format!("http://{host}{path_and_query}");
                let req = req.map(|body| body.map_err(HttpError::from).boxed_unsync());
                let response = match self.run(&matched, req, Some(client), &full_url).await {
                    Ok(response) => with_length_if_small(response).await,
                    Err(error) => {
                        eprintln!(
                            "crm: {} {}: {error:#}",
                            matched.component, matched.raw_route
                        );
                        problem(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "the component failed; the host log has details",
                        )
                    }
                };
                (response, matched.raw_route, matched.component)
            }
        };
        if self.options.access_log {
            println!(
                "crm: {method} {route} {component} {} {}µs",
                response.status().as_u16(),
                started.elapsed().as_micros()
            );
        }
        response
    }

    /// Serves `http://<component>.spin.internal/…` for a guest of this application, in-process.
    pub async fn handle_chained(
        &self,
        component: &str,
        req: Request<WasiBody>,
    ) -> Result<Response<WasiBody>, HttpError> {
        if !self.components.contains_key(component) {
            return Err(HttpError::DestinationNotFound);
        }
        let matched = self.router.route_to_component(component, req.uri().path());
        let full_url = req.uri().to_string();
        match self.run(&matched, req, None, &full_url).await {
            Ok(response) => Ok(response),
            Err(error) => {
                eprintln!("crm: chained call to {component}: {error:#}");
                Ok(problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the component failed; the host log has details",
                ))
            }
        }
    }

    /// Sends `POST route` through the router as if from outside; used by `--tick`.
    pub async fn call_route(self: &Arc<Self>, route: &str) -> Result<StatusCode> {
        let (status, _body) = self.call("POST", route, &[], Bytes::new()).await?;
        Ok(status)
    }

    /// Sends a request through the router as if from outside and reads the whole answer; used
    /// by `--tick`, `--demo` and `crm seed`.
    pub async fn call(
        self: &Arc<Self>,
        method: &str,
        route: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes)> {
        let matched = self
            .router
            .route(route)
            .with_context(|| format!("no route matches {route}"))?;
        // wasi-http refuses a request without an authority, so the call names the host itself.
        let mut builder = Request::builder()
            .method(method)
            .uri(route)
            .header(HOST, "localhost");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let req = builder
            .body(
                Full::new(body)
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
            .context("cannot build the request")?;
        let response = self
            .run(&matched, req, None, &format!("http://localhost{route}"))
            .await?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| anyhow!("cannot read the answer of {route}: {e:?}"))?
            .to_bytes();
        Ok((status, body))
    }

    async fn run(
        &self,
        matched: &RouteMatch,
        mut req: Request<WasiBody>,
        client: Option<SocketAddr>,
        full_url: &str,
    ) -> Result<Response<WasiBody>> {
        let component = self
            .components
            .get(&matched.component)
            .context("the route names an unknown component")?;
        set_spin_headers(req.headers_mut(), matched, client, full_url);

        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdout()
            .inherit_stderr()
            .wall_clock(self.clock.clone())
            .envs(&component.caps.environment);
        let state = RequestState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                allowed: component.caps.allowed_hosts.clone(),
                host: self.myself.clone(),
            },
            caps: component.caps.clone(),
        };
        let mut store = Store::new(&self.engine, state);
        let deadline = Instant::now() + self.options.request_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Err(wasmtime::Error::msg(
                    "the request took longer than its deadline",
                ))
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });

        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        let pre = component.pre.clone();
        let host = self.myself.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let proxy = pre.instantiate_async(&mut store).await?;
            if let Some(host) = host.upgrade() {
                host.record_instantiation(started.elapsed());
            }
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(anyhow!("the component answered with error code {code:?}")),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(anyhow!("the component returned without setting a response")),
                Ok(Err(trap)) => Err(anyhow::Error::from(trap).context("the component trapped")),
                Err(join) => Err(anyhow!("the request task failed: {join}")),
            },
        }
    }

    fn record_instantiation(&self, elapsed: Duration) {
        if self.options.record_instantiation {
            let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
            self.instantiation_micros
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(micros);
        }
    }

    /// Takes the instantiation times recorded since the last call (with `record_instantiation`).
    pub fn take_instantiation_micros(&self) -> Vec<u32> {
        std::mem::take(
            &mut *self
                .instantiation_micros
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    async fn test_clock(&self, req: Request<Incoming>) -> Response<WasiBody> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Adjust {
            advance_seconds: Option<i64>,
            unix_seconds: Option<i64>,
        }
        if req.method() == http::Method::POST {
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        &format!("cannot read the body: {e}"),
                    )
                }
            };
            match serde_json::from_slice::<Adjust>(&body) {
                Ok(Adjust {
                    advance_seconds: Some(s),
                    unix_seconds: None,
                }) => self.clock.advance(s),
                Ok(Adjust {
                    advance_seconds: None,
                    unix_seconds: Some(s),
                }) => self.clock.set(s),
                _ => {
                    return problem(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "send {\"advance_seconds\": N} or {\"unix_seconds\": N}",
                    )
                }
            }
        }
        json(
            StatusCode::OK,
            &serde_json::json!({ "unix_seconds": self.clock.now().as_secs() }),
        )
    }
}

/// Sets the headers Spin gives every request, replacing any the client sent under those names.
fn set_spin_headers(
    headers: &mut http::HeaderMap,
    m: &RouteMatch,
    client: Option<SocketAddr>,
    full_url: &str,
) {
    let mut set = |name: &'static str, value: &str| {
        headers.remove(name);
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("spin-full-url", full_url);
    set("spin-path-info", &m.path_info);
    set("spin-matched-route", &m.raw_route);
    set("spin-raw-component-route", &m.raw_route);
    set("spin-component-route", &m.component_route);
    set("spin-base-path", "/");
    set(
        "spin-client-addr",
        &client.map(|c| c.to_string()).unwrap_or_default(),
    );
}

/// Buffers a response body of up to [`BUFFER_LIMIT`] bytes to give it a `content-length`
/// (keep-alive clients stall on small chunked responses without TCP_NODELAY tricks); a larger
/// body is streamed on after what was buffered.
async fn with_length_if_small(response: Response<WasiBody>) -> Response<WasiBody> {
    let (mut parts, mut body) = response.into_parts();
    if parts.headers.contains_key(CONTENT_LENGTH) {
        return Response::from_parts(parts, body);
    }
    let mut buffered = BytesMut::new();
    loop {
        match body.frame().await {
            None => {
                parts
                    .headers
                    .insert(CONTENT_LENGTH, HeaderValue::from(buffered.len()));
                return Response::from_parts(parts, full(buffered.freeze()));
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => {
                    buffered.extend_from_slice(&data);
                    if buffered.len() > BUFFER_LIMIT {
                        let rest = Prefixed {
                            prefix: Some(buffered.freeze()),
                            trailers: None,
                            rest: Some(body),
                        };
                        return Response::from_parts(parts, rest.boxed_unsync());
                    }
                }
                Err(trailers) => {
                    let rest = Prefixed {
                        prefix: Some(buffered.freeze()),
                        trailers: Some(trailers),
                        rest: None,
                    };
                    return Response::from_parts(parts, rest.boxed_unsync());
                }
            },
            Some(Err(error)) => {
                eprintln!("crm: the component's response body failed: {error}");
                return problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the component's response body failed",
                );
            }
        }
    }
}

/// A body that yields what was already read, then the rest of the original body.
struct Prefixed {
    prefix: Option<Bytes>,
    trailers: Option<http_body::Frame<Bytes>>,
    rest: Option<WasiBody>,
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        if let Some(prefix) = self.prefix.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(prefix))));
        }
        if let Some(trailers) = self.trailers.take() {
            return Poll::Ready(Some(Ok(trailers)));
        }
        match self.rest.as_mut() {
            Some(rest) => Pin::new(rest).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }
}

fn full(bytes: Bytes) -> WasiBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<WasiBody> {
    let body = Bytes::from(value.to_string());
    let mut response = Response::new(full(body.clone()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    response
}

/// A problem+json response made by the host itself (no route, a trapped component).
/// The entries of `all` whose labels the component was granted.
fn granted<V: Clone>(labels: &[String], all: &HashMap<String, V>) -> HashMap<String, V> {
    labels
        .iter()
        .filter_map(|label| all.get(label).map(|v| (label.clone(), v.clone())))
        .collect()
}

pub fn problem(status: StatusCode, detail: &str) -> Response<WasiBody> {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut response = json(status, &body);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Accepts connections until `shutdown` resolves, then lets requests in flight finish (for up
/// to ten seconds) before returning.
pub async fn serve(
    host: Arc<Host>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = hyper::server::conn::http1::Builder::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, client) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        eprintln!("crm: accept failed: {error}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Without NODELAY, Nagle's algorithm holds small responses back ~40 ms.
                let _ = stream.set_nodelay(true);
                let host = host.clone();
                let service = hyper::service::service_fn(move |req| {
                    let host = host.clone();
                    async move { Ok::<_, Infallible>(host.handle(req, client).await) }
                });
                let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    // Client-side failures (resets, malformed requests) end only that connection.
                    let _ = connection.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => eprintln!("crm: requests still running after 10 s; stopping anyway"),
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
