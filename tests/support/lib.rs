//! Support for the end-to-end tests: builds `crm` and the wasm components once per test run,
//! starts `crm up` on `127.0.0.1:0` with a state directory of the test's own, and speaks HTTP
//! to it. A failure prints the command, its directory and everything `crm` printed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The bootstrap admin token every test app is started with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

pub fn repo_root() -> PathBuf {
    let tests_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    tests_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(tests_dir)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Compiled components shared by all tests, so only the first start of each compiles.
fn cache_dir() -> PathBuf {
    target_dir().join("crm-test-cache")
}

pub fn probe_wasm() -> PathBuf {
    target_dir().join("wasm32-wasip2/release/probe.wasm")
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed in {:?}\n--- stdout\n{}\n--- stderr\n{}",
        command.get_current_dir(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds the `crm` binary, the application's components and the probe, once.
pub fn crm() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let root = repo_root();
            run(Command::new(&cargo)
                .args(["build", "-p", "crm-host", "--bin", "crm"])
                .current_dir(&root));
            let crm = target_dir().join("debug/crm");
            run(Command::new(&crm)
                .args(["build", "--from", "spin.toml"])
                .current_dir(&root));
            run(Command::new(&cargo)
                .args([
                    "build",
                    "--target",
                    "wasm32-wasip2",
                    "--release",
                    "-p",
                    "probe",
                ])
                .current_dir(&root));
            crm
        })
        .clone()
}

/// A running `crm up`; stopped (killed if need be) when dropped.
pub struct TestApp {
    pub url: String,
    pub state_dir: PathBuf,
    child: Child,
    output: Arc<Mutex<String>>,
    _temp: Option<tempfile::TempDir>,
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub content_length: Option<String>,
    pub etag: Option<String>,
    pub location: Option<String>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text (bytes that are not UTF-8 replaced), and as it came.
    pub body: String,
    pub bytes: Vec<u8>,
}

/// A member of staff created through the API, with a bearer token of their own.
#[derive(Debug, Clone)]
pub struct StaffLogin {
    pub id: String,
    pub token: String,
}

impl Reply {
    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Reads a response whole.
    fn from_response(response: ureq::Response) -> Reply {
        let status = response.status();
        let content_type = response
            .header("content-type")
            .unwrap_or_default()
            .to_owned();
        let content_length = response.header("content-length").map(str::to_owned);
        let etag = response.header("etag").map(str::to_owned);
        let location = response.header("location").map(str::to_owned);
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                let value = response.header(&name)?.to_owned();
                Some((name.to_lowercase(), value))
            })
            .collect();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes)
            .unwrap_or_else(|e| panic!("unreadable body: {e}"));
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            status,
            content_type,
            content_length,
            etag,
            location,
            headers,
            body,
            bytes,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    /// The real application (`spin.toml` at the repo root) with a fresh state directory.
    pub fn start_app() -> TestApp {
        Self::start_app_with(&[])
    }

    /// The real application with a test clock (`--test-clock`) set to `unix_seconds`.
    pub fn start_app_at(unix_seconds: i64) -> TestApp {
        let app = Self::start_app_with(&["--test-clock"]);
        app.set_clock(serde_json::json!({ "unix_seconds": unix_seconds }));
        app
    }

    /// Moves the test clock of an app started with [`TestApp::start_app_at`].
    pub fn advance_clock(&self, seconds: i64) {
        self.set_clock(serde_json::json!({ "advance_seconds": seconds }));
    }

    fn set_clock(&self, body: serde_json::Value) {
        let reply = self.post_json("/.well-known/crm/test-clock", None, &body);
        assert_eq!(reply.status, 200, "set the test clock: {}", reply.body);
    }

    /// The real application with extra `crm up` arguments.
    pub fn start_app_with(args: &[&str]) -> TestApp {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut app = Self::start(
            &repo_root().join("spin.toml"),
            temp.path(),
            &[("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)],
            args,
        );
        app._temp = Some(temp);
        app
    }

    /// `crm up` for `manifest`, keeping state in `state_dir`.
    pub fn start(
        manifest: &Path,
        state_dir: &Path,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> TestApp {
        let crm = crm();
        let mut command = Command::new(&crm);
        command
            .arg("up")
            .arg("--from")
            .arg(manifest)
            .args(["--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state_dir)
            .arg("--cache-dir")
            .arg(cache_dir())
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let (url_tx, url_rx) = mpsc::channel();
        collect(child.stdout.take(), output.clone(), Some(url_tx));
        collect(child.stderr.take(), output.clone(), None);
        // A generous limit: the first start of a test run compiles every component.
        match url_rx.recv_timeout(Duration::from_secs(300)) {
            Ok(url) => TestApp {
                url,
                state_dir: state_dir.to_owned(),
                child,
                output,
                _temp: None,
            },
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "{command:?} did not start serving\n--- output\n{}",
                    output.lock().map(|o| o.clone()).unwrap_or_default()
                );
            }
        }
    }

    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Waits up to 10 s for a line of `crm`'s output that satisfies `wanted`: the access log
    /// is written after the response, so a test may read the reply before the line.
    pub fn wait_for_line(&self, wanted: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            if let Some(line) = self.output().lines().find(|l| wanted(l)) {
                return line.to_owned();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no such line in crm's output:\n{}", self.output());
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, None)
    }

    pub fn get_as(&self, path: &str, token: &str) -> Reply {
        self.request("GET", path, Some(token), None)
    }

    pub fn post_json(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> Reply {
        self.request("POST", path, token, Some(body.to_string()))
    }

    pub fn patch_json(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: &serde_json::Value,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|v| ("if-match", v)).into_iter().collect();
        self.request_with("PATCH", path, Some(token), &headers, Some(body.to_string()))
    }

    /// Creates a member of staff with `role` as the bootstrap admin, and a token for them.
    pub fn create_staff(&self, name: &str, role: &str) -> StaffLogin {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let created = self.post_json(
            "/api/v1/staff",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"name": name, "email": email, "role": role}),
        );
        assert_eq!(created.status, 201, "create staff: {}", created.body);
        let id = created.json()["id"].as_str().expect("staff id").to_owned();
        let issued = self.post_json(
            &format!("/api/v1/staff/{id}/tokens"),
            Some(ADMIN_TOKEN),
            &serde_json::json!({"label": "test"}),
        );
        assert_eq!(issued.status, 201, "issue token: {}", issued.body);
        let token = issued.json()["token"].as_str().expect("token").to_owned();
        StaffLogin { id, token }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json_body: Option<String>,
    ) -> Reply {
        self.request_with(method, path, token, &[], json_body)
    }

    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        json_body: Option<String>,
    ) -> Reply {
        let body = json_body.map(|b| ("application/json", b.into_bytes()));
        self.send(method, path, token, headers, body)
    }

    /// `POST` of an HTML form (`application/x-www-form-urlencoded`), as a browser sends it,
    /// without following a redirect: the reply is the 303 itself, with its `set-cookie`.
    pub fn send_form(&self, path: &str, form: &str, headers: &[(&str, &str)]) -> Reply {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let mut request = agent
            .post(&format!("{}{path}", self.url))
            .timeout(Duration::from_secs(60))
            .set("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let result = request.send_string(form);
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("POST {path} failed: {e}\n--- crm output\n{}", self.output()),
        };
        Reply::from_response(response)
    }

    /// `POST` of an HTML form with files (`multipart/form-data`), as a browser sends a form with
    /// a file input, without following a redirect. `files` are (input, file name, content
    /// type, bytes).
    pub fn send_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
        headers: &[(&str, &str)],
    ) -> Reply {
        let boundary = "----crm-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"; \
                     filename=\"{file_name}\"\r\ncontent-type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let mut request = agent
            .post(&format!("{}{path}", self.url))
            .timeout(Duration::from_secs(60))
            .set(
                "content-type",
                &format!("multipart/form-data; boundary={boundary}"),
            );
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let response = match request.send_bytes(&body) {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("POST {path} failed: {e}\n--- crm output\n{}", self.output()),
        };
        Reply::from_response(response)
    }

    /// `GET path` with `headers`, not following a redirect: the reply is the 303 itself (a page
    /// of the portal or the dashboard, which sign in with cookies rather than tokens).
    pub fn fetch(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let mut request = agent
            .get(&format!("{}{path}", self.url))
            .timeout(Duration::from_secs(60));
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let response = match request.call() {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("GET {path} failed: {e}\n--- crm output\n{}", self.output()),
        };
        Reply::from_response(response)
    }

    /// The portal page of `path` for the customer of `cookie` (`crm_portal=…`), in `lang`.
    pub fn page_as(&self, path: &str, cookie: &str, lang: &str) -> Reply {
        self.fetch(path, &[("cookie", cookie), ("accept-language", lang)])
    }

    /// `POST` of a body of any content type, e.g. a CSV file.
    pub fn post_bytes(&self, path: &str, token: &str, content_type: &str, body: &[u8]) -> Reply {
        self.send(
            "POST",
            path,
            Some(token),
            &[],
            Some((content_type, body.to_vec())),
        )
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request =
            ureq::request(method, &format!("{}{path}", self.url)).timeout(Duration::from_secs(60));
        for (name, value) in headers {
            request = request.set(name, value);
        }
        if let Some(token) = token {
            request = request.set("authorization", &format!("Bearer {token}"));
        }
        let result = match body {
            Some((content_type, body)) => {
                request.set("content-type", content_type).send_bytes(&body)
            }
            None => request.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!(
                "{method} {path} failed: {e}\n--- crm output\n{}",
                self.output()
            ),
        };
        Reply::from_response(response)
    }

    /// The `host:port` the app listens on.
    pub fn address(&self) -> String {
        self.url
            .strip_prefix("http://")
            .unwrap_or(&self.url)
            .to_owned()
    }

    /// Sends `request` as written over a new connection and returns everything the server
    /// sends back until it closes the connection: for requests an HTTP client library would not
    /// send, such as a body shorter than its `content-length`. The request should carry
    /// `connection: close`.
    pub fn raw_exchange(&self, request: &[u8]) -> String {
        let mut stream = std::net::TcpStream::connect(self.address())
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url));
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("read timeout");
        stream.write_all(request).expect("send the request");
        let mut answer = Vec::new();
        // A reset after the answer arrived still leaves the answer read so far.
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Stops with SIGTERM, as an operator would, and returns how the process exited.
    pub fn stop(mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!(
            "crm did not stop within 30 s of SIGTERM\n--- output\n{}",
            self.output()
        );
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(
    stream: Option<impl Read + Send + 'static>,
    output: Arc<Mutex<String>>,
    url_tx: Option<mpsc::Sender<String>>,
) {
    let Some(stream) = stream else { return };
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(tx), Some(url)) = (&url_tx, line.strip_prefix("crm: serving ")) {
                let _ = tx.send(url.trim().to_owned());
            }
            if let Ok(mut out) = output.lock() {
                out.push_str(&line);
                out.push('\n');
            }
        }
    });
}

/// Writes a manifest into `dir` and returns its path.
pub fn write_manifest(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("spin.toml");
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// A plain HTTP server on loopback that answers every request with `200 body`; returns its port.
pub fn serve_text(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut stream = stream;
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// `application/x-www-form-urlencoded` of `pairs`, every byte but the unreserved escaped.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let escape = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", escape(name), escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the hidden input `name` in an HTML page.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}: {body}"))
        + marker.len();
    body[start..].split('"').next().expect("a value").to_owned()
}

/// The password of the customers the portal tests sign up.
pub const PORTAL_PASSWORD: &str = "correct-horse-42";

/// Signs up a new portal customer (password [`PORTAL_PASSWORD`]) and returns their session
/// cookie (`crm_portal=…`).
pub fn sign_up(app: &TestApp, name: &str, email: &str) -> String {
    let reply = app.send_form(
        "/sign-up",
        &form(&[
            ("name", name),
            ("email", email),
            ("password", PORTAL_PASSWORD),
            ("lang", "en"),
        ]),
        &[],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let set = reply.header("set-cookie").expect("a session cookie");
    set.split(';').next().expect("name=value").to_owned()
}

/// The customer number the portal's account page shows the customer of `cookie`.
pub fn customer_id_of(app: &TestApp, cookie: &str) -> String {
    let page = app.page_as("/account", cookie, "en").body;
    let start = page.find("<code>").unwrap_or_else(|| panic!("{page}")) + "<code>".len();
    let id = page[start..]
        .split("</code>")
        .next()
        .expect("an id")
        .to_owned();
    assert!(id.starts_with("cus_"), "{id}");
    id
}

/// A portal page for a signed-in customer: `status`, HTML, never cached.
pub fn assert_html(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "text/html; charset=utf-8");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}
