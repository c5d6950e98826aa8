//! `crm up`: loads the application once, then serves each HTTP request in a fresh `Store` and
//! instance of the routed component, as Spin does for WASI p2 components.

use anyhow::{anyhow, Context, Result};
use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::{Error as HttpError, WasiBody, WasiHttpCtx, WasiHttpView};

use crate::clock::Clock;
use crate::compose::{self, DependencyName};
use crate::engine;
use crate::guest_log::{next_request_id, GuestOutput, Target};
use crate::isolate::{self, IsolatedDependency};
use crate::manifest::{App, Inherits, RouteSpec};
use crate::outbound::{AllowedHosts, OutboundHooks};
use crate::routes::{RouteMatch, Router};
use crate::runtime_config::RuntimeConfig;
use crate::spin_api::SpinPlatform;
use crate::sqlite::Reads;
use crate::state::{Capabilities, MemoryLimit, RequestState};
use crate::variables::AppVariables;

/// Responses up to this size are buffered so they go out with `content-length`; larger ones
/// are streamed as the guest writes them.
const BUFFER_LIMIT: usize = 1 << 20;

/// The host-only endpoint of `--test-clock`; never routed to a guest.
pub const TEST_CLOCK_PATH: &str = "/.well-known/crm/test-clock";

/// Paths the host answers itself, before routing.
// As Spin 4.0.2: crates/routes/src/lib.rs (WELL_KNOWN_PREFIX)
const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

/// `spin-client-addr` of a service-chaining request.
// As Spin 4.0.2: crates/trigger-http/src/outbound_http.rs (CHAINED_CLIENT_ADDR)
const CHAINED_CLIENT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 10 << 20;
pub const DEFAULT_MAX_INSTANCE_MEMORY: usize = 128 << 20;
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;

/// Resource limits of `crm up` (OWASP API4). Spin has none of the first and third; guests never
/// see them, only callers who exceed them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A larger request body is answered 413 (declared) or cut off (streamed).
    pub max_request_bytes: u64,
    /// The most any one linear memory of an instance may grow to.
    pub max_instance_memory: usize,
    /// Instances alive at once; a request over it is answered 503 without one.
    pub max_concurrent_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_instance_memory: DEFAULT_MAX_INSTANCE_MEMORY,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

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
    pub limits: Limits,
}

struct LoadedComponent {
    pre: ProxyPre<RequestState>,
    caps: Arc<Capabilities>,
    /// Dependencies that do not inherit the component's configuration, run beside it.
    isolated: Arc<Vec<IsolatedDependency>>,
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
    /// One permit per instance alive (`--max-concurrent-requests`).
    instances: Arc<Semaphore>,
    /// The body of `/.well-known/spin/info`.
    app_info: Bytes,
    /// The address `serve` listens on: where requests to the application itself go.
    self_origin: OnceLock<SocketAddr>,
}

/// `/.well-known/spin/info`.
// As Spin 4.0.2: crates/http/src/app_info.rs (AppInfo)
#[derive(serde::Serialize)]
struct AppInfo<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
}

impl Host {
    /// Loads everything a request needs, so that no request pays for compilation or linking.
    pub fn load(
        app: &App,
        options: HostOptions,
        generated: &BTreeMap<String, String>,
    ) -> Result<Arc<Host>> {
        let manifest = &app.manifest;
        let (engine, allocator) = engine::build_engine(options.limits.max_instance_memory)?;
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

        // Each component on its own thread: a warm start is then as long as the slowest one,
        // and a cold one (compiling) uses every core.
        let load = |id: &str, spec: &crate::manifest::Component| -> Result<LoadedComponent> {
            let source = app.resolve(&spec.source);
            let read = |path: &PathBuf| {
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
            };
            let mut key = engine::CacheKey::new(&engine);
            key.file("main", &source)?;
            let mut dependencies = Vec::new();
            let mut isolated = Vec::new();
            for (name, dependency) in &spec.dependencies {
                let path = app.resolve(&dependency.path);
                let parsed = DependencyName::parse(name)?;
                match spec.inherits(dependency) {
                    Inherits::All => {
                        key.file(name, &path)?;
                        dependencies.push((parsed, path));
                    }
                    Inherits::Groups(groups) => {
                        let mut own = engine::CacheKey::new(&engine);
                        own.file("main", &path)?;
                        let loaded =
                            engine::load_component(&engine, own, &options.cache_dir, || {
                                read(&path)
                            })
                            .with_context(|| format!("cannot load dependency `{name}`"))?;
                        isolated.push((parsed, loaded, groups));
                    }
                }
            }
            let component = engine::load_component(&engine, key, &options.cache_dir, || {
                let bytes = read(&source)?;
                if dependencies.is_empty() {
                    return Ok(bytes);
                }
                let dependencies = dependencies
                    .iter()
                    .map(|(name, path)| Ok((name.clone(), read(path)?)))
                    .collect::<Result<Vec<_>>>()?;
                compose::compose(&bytes, &dependencies)
            })?;
            let component_variables = variables.render_component(&spec.variables)?;
            let caps = Capabilities {
                component: id.to_owned(),
                kv: granted(&spec.key_value_stores, &stores.kv),
                sqlite: granted(&spec.sqlite_databases, &stores.sqlite),
                allowed_hosts: Arc::new(AllowedHosts::resolve(
                    id,
                    &spec.allowed_outbound_hosts,
                    &component_variables,
                )),
                variables: component_variables,
                environment: spec.environment.clone().into_iter().collect(),
                outbound_denied: false,
            };
            let (pre, isolated) = if isolated.is_empty() {
                (linker.instantiate_pre(&component)?, Vec::new())
            } else {
                let (own_linker, isolated) =
                    isolate::link(&engine, &linker, &caps, &component, isolated)?;
                (own_linker.instantiate_pre(&component)?, isolated)
            };
            let pre = ProxyPre::new(pre)?;
            Ok(LoadedComponent {
                pre,
                caps: Arc::new(caps),
                isolated: Arc::new(isolated),
            })
        };
        let components = std::thread::scope(|scope| {
            let loading: Vec<_> = manifest
                .component
                .iter()
                .map(|(id, spec)| (id, scope.spawn(move || load(id, spec))))
                .collect();
            loading
                .into_iter()
                .map(|(id, thread)| {
                    let loaded = thread
                        .join()
                        .map_err(|_| anyhow!("loading component `{id}` panicked"))?;
                    Ok((
                        id.clone(),
                        loaded.with_context(|| format!("cannot load component `{id}`"))?,
                    ))
                })
                .collect::<Result<HashMap<_, _>>>()
        })?;

        let mut router = Router::default();
        for trigger in &manifest.trigger.http {
            if let RouteSpec::Path(route) = &trigger.route {
                router.add(route, &trigger.component)?;
            }
        }
        // As Spin 4.0.2: crates/trigger-http/src/server.rs (HttpServer::new)
        let unreachable = router.routes_under(WELL_KNOWN_PREFIX);
        if !unreachable.is_empty() {
            eprintln!(
                "crm: routes under {WELL_KNOWN_PREFIX} are answered by the host and will never \
                 be reached: {}",
                unreachable.join(", ")
            );
        }
        let app_info = serde_json::to_vec_pretty(&AppInfo {
            name: &manifest.application.name,
            version: manifest.application.version.as_deref(),
        })?;
        if options.access_log {
            println!(
                "crm: {} components loaded ({allocator} allocator)",
                components.len()
            );
        }
        let instances = Arc::new(Semaphore::new(
            options.limits.max_concurrent_requests.max(1),
        ));
        Ok(Arc::new_cyclic(|myself| Host {
            engine,
            router,
            components,
            clock: Clock::default(),
            options,
            instantiation_micros: Mutex::new(Vec::new()),
            myself: myself.clone(),
            instances,
            app_info: Bytes::from(app_info),
            self_origin: OnceLock::new(),
        }))
    }

    /// Where a request to the application itself is sent, once `serve` listens.
    pub fn self_origin(&self) -> Option<SocketAddr> {
        self.self_origin.get().copied()
    }

    pub fn routes(&self) -> Vec<(String, String)> {
        self.router.describe()
    }

    /// Serves one request that arrived over the network.
    // As Spin 4.0.2: crates/trigger-http/src/server.rs (HttpServer::handle)
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<WasiBody> {
        let started = Instant::now();
        let id = next_request_id();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        if self.options.test_clock && path == TEST_CLOCK_PATH {
            return self.test_clock(req).await;
        }
        if let Some(well_known) = path.strip_prefix(WELL_KNOWN_PREFIX) {
            let response = match well_known {
                "health" => Response::new(full(Bytes::from_static(b"OK"))),
                "info" => {
                    let mut response = Response::new(full(self.app_info.clone()));
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    response
                }
                _ => empty(StatusCode::NOT_FOUND),
            };
            self.log_access(id, &method, &path, "-", response.status(), started, None);
            return response;
        }
        let (response, route, component) = match self.router.route(&path) {
            None => {
                not_found_hint(&path);
                (empty(StatusCode::NOT_FOUND), "-".to_owned(), "-".to_owned())
            }
            Some(matched) => {
                let response = self.serve_routed(id, &matched, req, client).await;
                (response, matched.raw_route, matched.component)
            }
        };
        self.log_access(
            id,
            &method,
            &route,
            &component,
            response.status(),
            started,
            None,
        );
        response
    }

    /// The route pattern, not the path, so no customer data reaches the log.
    #[allow(clippy::too_many_arguments)]
    fn log_access(
        &self,
        id: u64,
        method: &Method,
        route: &str,
        component: &str,
        status: StatusCode,
        started: Instant,
        caller: Option<u64>,
    ) {
        if !self.options.access_log {
            return;
        }
        let micros = started.elapsed().as_micros();
        let status = status.as_u16();
        match caller {
            None => println!("crm: [req {id}] {method} {route} {component} {status} {micros}µs"),
            Some(caller) => println!(
                "crm: [req {id}] {method} {route} {component} {status} {micros}µs (chained from req {caller})"
            ),
        }
    }

    /// A routed request: refused over the limits before any instance exists, else run.
    async fn serve_routed(
        &self,
        id: u64,
        matched: &RouteMatch,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<WasiBody> {
        let limit = self.options.limits.max_request_bytes;
        if declared_length(&req).is_some_and(|length| length > limit) {
            return too_large(limit);
        }
        let Ok(permit) = self.instances.clone().try_acquire_owned() else {
            return busy();
        };
        let full_url = full_url(&req);
        let overflow = Arc::new(AtomicBool::new(false));
        let req = req.map(|body| {
            LimitedBody {
                inner: body,
                read: 0,
                limit,
                overflow: overflow.clone(),
            }
            .boxed_unsync()
        });
        let response = match self
            .run(id, matched, req, Some(client), &full_url, permit)
            .await
        {
            Ok(response) => with_length_if_small(id, response).await,
            Err(error) => {
                // As Spin 4.0.2: crates/trigger-http/src/server.rs (respond_wasm_component):
                // the cause goes to the log, the caller gets an empty 500.
                eprintln!(
                    "crm: [req {id}] error processing request ({} {}): {error:#}",
                    matched.component, matched.raw_route
                );
                empty(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        if overflow.load(Ordering::Relaxed) {
            // The body was cut off at the limit; whatever the guest made of the rest is not
            // an answer to the request that was sent.
            return too_large(limit);
        }
        response
    }

    /// Serves `http://<component>.spin.internal/…` for a guest of this application, in-process.
    // As Spin 4.0.2: crates/trigger-http/src/outbound_http.rs (OutboundHttpInterceptor::intercept)
    pub async fn handle_chained(
        &self,
        caller: u64,
        component: &str,
        req: Request<WasiBody>,
    ) -> Result<Response<WasiBody>, HttpError> {
        if !self.components.contains_key(component) {
            return Err(HttpError::DestinationNotFound);
        }
        let started = Instant::now();
        let id = next_request_id();
        let method = req.method().clone();
        let matched = RouteMatch::synthetic(component, req.uri().path());
        // The caller's `Host` was dropped before this point, so the URL names `localhost`.
        let full_url = full_url(&req);
        let response = match self.instances.clone().try_acquire_owned() {
            Err(_) => busy(),
            Ok(permit) => {
                match self
                    .run(
                        id,
                        &matched,
                        req,
                        Some(CHAINED_CLIENT_ADDR),
                        &full_url,
                        permit,
                    )
                    .await
                {
                    Ok(response) => response,
                    Err(error) => {
                        eprintln!(
                            "crm: [req {id}] error processing request ({component} /...): {error:#}"
                        );
                        empty(StatusCode::INTERNAL_SERVER_ERROR)
                    }
                }
            }
        };
        self.log_access(
            id,
            &method,
            &matched.raw_route,
            component,
            response.status(),
            started,
            Some(caller),
        );
        Ok(response)
    }

    /// Sends a request through the router as if from outside and reads the whole answer; used
    /// by `--tick`, `--demo` and `crm seed`. It waits for room under
    /// `--max-concurrent-requests` rather than being turned away.
    pub async fn call(
        self: &Arc<Self>,
        method: &str,
        route: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes)> {
        let (status, _, body) = self.call_with_headers(method, route, headers, body).await?;
        Ok((status, body))
    }

    /// [`Host::call`], with the answer's headers (e.g. a `set-cookie`).
    pub async fn call_with_headers(
        self: &Arc<Self>,
        method: &str,
        route: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes)> {
        // Routes match the path; a query string is the handler's business.
        let path = route.split_once('?').map_or(route, |(path, _)| path);
        let matched = self
            .router
            .route(path)
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
        let permit = self
            .instances
            .clone()
            .acquire_owned()
            .await
            .context("the host is shutting down")?;
        let id = next_request_id();
        let response = self
            .run(
                id,
                &matched,
                req,
                None,
                &format!("http://localhost{route}"),
                permit,
            )
            .await?;
        let status = response.status();
        let answer_headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| anyhow!("cannot read the answer of {route}: {e:?}"))?
            .to_bytes();
        Ok((status, answer_headers, body))
    }

    /// Runs one request in a fresh instance; `permit` is held until the instance is gone.
    async fn run(
        &self,
        id: u64,
        matched: &RouteMatch,
        mut req: Request<WasiBody>,
        client: Option<SocketAddr>,
        full_url: &str,
        permit: OwnedSemaphorePermit,
    ) -> Result<Response<WasiBody>> {
        let component = self
            .components
            .get(&matched.component)
            .context("the route names an unknown component")?;
        set_spin_headers(req.headers_mut(), matched, client, full_url);

        let deadline = Instant::now() + self.options.request_timeout;
        let reads = Reads::for_method(req.method());
        let mut store = self.new_store(id, &component.caps, deadline, reads);
        let dependency_stores: Vec<_> = component
            .isolated
            .iter()
            .map(|dependency| self.new_store(id, &dependency.caps, deadline, reads))
            .collect();

        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        let pre = component.pre.clone();
        let isolated = component.isolated.clone();
        let host = self.myself.clone();
        let task = tokio::spawn(async move {
            let _permit = permit;
            let started = Instant::now();
            for (dependency, own_store) in isolated.iter().zip(dependency_stores) {
                let running = dependency.instantiate(own_store).await?;
                store.data_mut().dependencies.push(running);
            }
            let proxy = pre.instantiate_async(&mut store).await?;
            if let Some(host) = host.upgrade() {
                host.record_instantiation(started.elapsed());
            }
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        });
        // As Spin 4.0.2: crates/trigger-http/src/wasi.rs (WasiHttpExecutor::execute)
        match receiver.await {
            Ok(Ok(response)) => {
                tokio::spawn(async move {
                    let failure = match task.await {
                        Ok(Ok(())) => return,
                        Ok(Err(trap)) => format!("{:#}", anyhow::Error::from(trap)),
                        Err(join) => join.to_string(),
                    };
                    eprintln!(
                        "crm: [req {id}] component error after the response started; the \
                         response may not be fully sent: {failure}"
                    );
                });
                Ok(response)
            }
            Ok(Err(code)) => Err(anyhow!("the component answered with error code {code:?}")),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(anyhow!("the component returned without setting a response")),
                Ok(Err(trap)) => Err(anyhow::Error::from(trap).context("the component trapped")),
                Err(join) => Err(anyhow!("the request task failed: {join}")),
            },
        }
    }

    /// A fresh store for one instance of request `id`, with `caps`, the memory limit, the
    /// request's deadline and how its SQLite connections read.
    fn new_store(
        &self,
        id: u64,
        caps: &Arc<Capabilities>,
        deadline: Instant,
        reads: Reads,
    ) -> Store<RequestState> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(GuestOutput::new(id, Target::Stdout))
            .stderr(GuestOutput::new(id, Target::Stderr))
            .wall_clock(self.clock.clone())
            .envs(&caps.environment);
        let state = RequestState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                allowed: caps.allowed_hosts.clone(),
                denied: caps.outbound_denied,
                host: self.myself.clone(),
                request: id,
            },
            caps: caps.clone(),
            limits: MemoryLimit::new(self.options.limits.max_instance_memory, id),
            dependencies: Vec::new(),
            reads,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
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
        store
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

    /// The wall clock every guest reads; moving it moves the guests' time at once (what
    /// `--test-clock`'s endpoint does, and `crm bench --suite escalation` in-process).
    pub fn clock(&self) -> &Clock {
        &self.clock
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
// As Spin 4.0.2: crates/trigger-http/src/headers.rs (compute_default_headers)
fn set_spin_headers(
    headers: &mut http::HeaderMap,
    m: &RouteMatch,
    client: Option<SocketAddr>,
    full_url: &str,
) {
    let mut set = |name: HeaderName, value: &str| {
        headers.remove(&name);
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(HeaderName::from_static("spin-full-url"), full_url);
    set(HeaderName::from_static("spin-path-info"), &m.path_info);
    set(
        HeaderName::from_static("spin-matched-route"),
        &m.based_route,
    );
    set(HeaderName::from_static("spin-base-path"), "/");
    set(
        HeaderName::from_static("spin-raw-component-route"),
        &m.raw_route,
    );
    set(
        HeaderName::from_static("spin-component-route"),
        &m.component_route,
    );
    set(
        HeaderName::from_static("spin-client-addr"),
        &client.map(|c| c.to_string()).unwrap_or_default(),
    );
    for (param, value) in &m.params {
        // `SPIN_PATH_MATCH_<NAME>` turned into a header name; a name that cannot be one is
        // dropped, as Spin's wasi executor drops it.
        let name = format!(
            "spin-path-match-{}",
            param.to_ascii_lowercase().replace('_', "-")
        );
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            set(name, value);
        }
    }
}

/// Buffers a response body of up to [`BUFFER_LIMIT`] bytes to give it a `content-length`
/// (keep-alive clients stall on small chunked responses without TCP_NODELAY tricks); a larger
/// body is streamed on after what was buffered.
async fn with_length_if_small(id: u64, response: Response<WasiBody>) -> Response<WasiBody> {
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
                eprintln!("crm: [req {id}] the component's response body failed: {error}");
                return empty(StatusCode::INTERNAL_SERVER_ERROR);
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

/// A response with no body, as Spin makes its own 404 and 500.
// As Spin 4.0.2: crates/trigger-http/src/server.rs (not_found, internal_error)
fn empty(status: StatusCode) -> Response<WasiBody> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Spin's one hint about a generic 404, shown once and only to someone at a terminal.
// As Spin 4.0.2: crates/trigger-http/src/server.rs (HttpServer::not_found)
fn not_found_hint(path: &str) {
    static SHOWN: AtomicBool = AtomicBool::new(false);
    if !SHOWN.fetch_or(true, Ordering::Relaxed) && std::io::stderr().is_terminal() {
        eprintln!(
            "crm: Request to {path} matched no pattern, and received a generic 404 response. To \
             serve a more informative 404 page, add a catch-all (/...) route."
        );
    }
}

fn text(status: StatusCode, body: String) -> Response<WasiBody> {
    let mut response = Response::new(full(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `--max-request-bytes` exceeded. The connection is closed after it, since the rest of the
/// body is never read.
fn too_large(limit: u64) -> Response<WasiBody> {
    let mut response = text(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {limit} bytes\n"),
    );
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `--max-concurrent-requests` reached.
fn busy() -> Response<WasiBody> {
    let mut response = text(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many requests in progress; retry shortly\n".to_owned(),
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The body length a request declares, if it declares one.
fn declared_length<B>(req: &Request<B>) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A request body that fails once it has delivered more than `limit` bytes, and says so in
/// `overflow`: a streamed body has no length to check up front.
struct LimitedBody {
    inner: Incoming,
    read: u64,
    limit: u64,
    overflow: Arc<AtomicBool>,
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, HttpError>>> {
        let this = self.get_mut();
        if this.read > this.limit {
            return Poll::Ready(Some(Err(HttpError::HttpRequestBodySize(Some(this.read)))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read += data.len() as u64;
                    if this.read > this.limit {
                        this.overflow.store(true, Ordering::Relaxed);
                        return Poll::Ready(Some(Err(HttpError::HttpRequestBodySize(Some(
                            this.read,
                        )))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(HttpError::from(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The entries of `all` whose labels the component was granted.
fn granted<V: Clone>(labels: &[String], all: &HashMap<String, V>) -> HashMap<String, V> {
    labels
        .iter()
        .filter_map(|label| all.get(label).map(|v| (label.clone(), v.clone())))
        .collect()
}

/// A problem+json response of crm's own test-only endpoint.
fn problem(status: StatusCode, detail: &str) -> Response<WasiBody> {
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

/// The request's `spin-full-url`: its `Host` (or `localhost` without one), path and query.
// As Spin 4.0.2: crates/trigger-http/src/headers.rs (prepare_request_headers)
fn full_url<B>(req: &http::Request<B>) -> String {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    format!("http://{host}{path_and_query}")
}

/// Accepts connections until `shutdown` resolves, then lets requests in flight finish (for up
/// to ten seconds) before returning.
pub async fn serve(
    host: Arc<Host>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let _ = host.self_origin.set(listener.local_addr()?);
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
