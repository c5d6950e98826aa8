//! The host's Spin semantics, checked with the probe component mounted under several
//! components with different capabilities.

use crm_tests::{probe_wasm, serve_text, write_manifest, TestApp};
use std::path::Path;
use std::process::Command;

/// `front` has stores, outbound to `allowed_port` and `*.spin.internal`, and a secret variable;
/// `plain` has nothing; `back` is private.
fn probe_manifest(dir: &Path, allowed_port: u16) -> std::path::PathBuf {
    let wasm = probe_wasm();
    let wasm = wasm.display();
    write_manifest(
        dir,
        &format!(
            r#"
spin_manifest_version = 2
[application]
name = "probe-app"

[variables]
secret_word = {{ required = true, secret = true }}
greeting = {{ default = "hello" }}

[[trigger.http]]
route = "/front/..."
component = "front"

[[trigger.http]]
route = "/plain/..."
component = "plain"

[[trigger.http]]
route = "/front/exact"
component = "plain"

[[trigger.http]]
route = {{ private = true }}
component = "back"

[component.front]
source = "{wasm}"
key_value_stores = ["default"]
sqlite_databases = ["default"]
allowed_outbound_hosts = ["http://127.0.0.1:{allowed_port}", "http://*.spin.internal"]
[component.front.variables]
name = "front"
word = "{{{{ secret_word }}}}"
phrase = "{{{{ greeting }}}}, {{{{ secret_word }}}}!"

[component.plain]
source = "{wasm}"
[component.plain.variables]
name = "plain"

[component.back]
source = "{wasm}"
[component.back.variables]
name = "back"
"#
        ),
    )
}

fn start_probe(allowed_port: u16) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), allowed_port);
    let app = TestApp::start(
        &manifest,
        &dir.path().join("state"),
        &[("SPIN_VARIABLE_SECRET_WORD", "s3cret")],
        &[],
    );
    (app, dir)
}

#[test]
fn exact_routes_beat_wildcards_and_unrouted_paths_are_404() {
    let (app, _dir) = start_probe(1);
    assert_eq!(app.get("/front/anything").json()["component"], "front");
    assert_eq!(app.get("/front/exact").json()["component"], "plain");
    assert_eq!(app.get("/plain/x/y").json()["component"], "plain");
    let missing = app.get("/back/anything");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
}

#[test]
fn guests_see_spins_request_headers_and_cannot_forge_them() {
    let (app, _dir) = start_probe(1);
    let reply = app.request("GET", "/front/headers?x=1", None, None);
    let headers = reply.json();
    assert_eq!(headers["spin-path-info"], "/headers");
    assert_eq!(headers["spin-matched-route"], "/front/...");
    assert_eq!(headers["spin-raw-component-route"], "/front/...");
    assert_eq!(headers["spin-component-route"], "/front");
    assert_eq!(headers["spin-base-path"], "/");
    let port = app.url.rsplit(':').next().unwrap_or_default().to_owned();
    assert_eq!(
        headers["spin-full-url"],
        format!("http://127.0.0.1:{port}/front/headers?x=1")
    );
    assert!(
        headers["spin-client-addr"]
            .as_str()
            .unwrap_or_default()
            .starts_with("127.0.0.1:"),
        "{headers}"
    );

    let forged = ureq::get(&format!("{}/front/headers", app.url))
        .set("spin-path-info", "/forged")
        .call()
        .expect("request");
    let seen: serde_json::Value =
        serde_json::from_str(&forged.into_string().expect("body")).expect("json");
    assert_eq!(seen["spin-path-info"], "/headers");
}

#[test]
fn stores_are_reachable_only_when_declared() {
    let (app, _dir) = start_probe(1);
    assert_eq!(app.get("/front/kv/default?set=k=v").json()["ok"], true);
    assert_eq!(app.get("/front/kv/default?get=k").json()["value"], "v");
    let denied = |path: &str| {
        app.get(path).json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("AccessDenied")
    };
    assert!(
        denied("/front/kv/other"),
        "an undeclared label is denied even where another is granted"
    );
    assert!(denied("/plain/kv/default"));
    assert!(denied("/plain/sqlite"));
}

#[test]
fn the_key_value_file_has_spins_table_layout() {
    let (app, dir) = start_probe(1);
    assert_eq!(
        app.get("/front/kv/default?set=greeting=hello-kv").json()["ok"],
        true
    );
    let db = rusqlite::Connection::open(dir.path().join("state/sqlite_key_value.db"))
        .expect("open kv file");
    let value: Vec<u8> = db
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = 'default' AND key = 'greeting'",
            [],
            |r| r.get(0),
        )
        .expect("the value is in Spin's table");
    assert_eq!(String::from_utf8(value).expect("utf-8"), "hello-kv");
}

#[test]
fn outbound_http_reaches_only_allowed_hosts() {
    let port = serve_text("hello from outside");
    let (app, _dir) = start_probe(port);
    let allowed = app
        .get(&format!("/front/outbound?url=http://127.0.0.1:{port}/x"))
        .json();
    assert_eq!(allowed["status"], 200, "{allowed}");
    assert_eq!(allowed["body"], "hello from outside");
    let denied = app
        .get(&format!("/plain/outbound?url=http://127.0.0.1:{port}/x"))
        .json();
    assert!(denied["status"].is_null(), "{denied}");
    assert!(denied["error"].is_string(), "{denied}");
}

#[test]
fn service_chaining_reaches_private_components_in_process() {
    let (app, _dir) = start_probe(1);
    let chained = app.get("/front/chain/back/x/whoami").json();
    assert_eq!(chained["status"], 200, "{chained}");
    let inner: serde_json::Value =
        serde_json::from_str(chained["body"].as_str().unwrap_or_default()).expect("inner json");
    assert_eq!(inner["component"], "back");
    assert_eq!(inner["path"], "/x/whoami");
    // `plain` may not make outbound requests at all, chaining included.
    assert!(app.get("/plain/chain/back/x/whoami").json()["error"].is_string());
}

#[test]
fn variables_come_from_the_manifest_and_the_environment() {
    let (app, _dir) = start_probe(1);
    assert_eq!(app.get("/front/variable/word").json()["value"], "s3cret");
    assert_eq!(
        app.get("/front/variable/phrase").json()["value"],
        "hello, s3cret!"
    );
    let error = |path: &str| {
        app.get(path).json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        error("/plain/variable/word").contains("Undefined"),
        "{}",
        error("/plain/variable/word")
    );
    assert!(
        error("/front/variable/Bad-Name").contains("InvalidName"),
        "{}",
        error("/front/variable/Bad-Name")
    );
}

#[test]
fn every_request_gets_a_fresh_instance() {
    let (app, _dir) = start_probe(1);
    for _ in 0..3 {
        assert_eq!(app.get("/front/counter").json()["served"], 1);
    }
}

#[test]
fn a_trapping_component_gets_a_500_and_the_host_keeps_serving() {
    let (app, _dir) = start_probe(1);
    let trapped = app.get("/front/trap");
    assert_eq!(trapped.status, 500);
    assert_eq!(trapped.content_type, "application/problem+json");
    assert_eq!(app.get("/front/counter").status, 200);
}

#[test]
fn responses_carry_content_length_and_requests_are_logged() {
    let (app, _dir) = start_probe(1);
    let reply = app.get("/front/counter");
    assert_eq!(
        reply.content_length.as_deref(),
        Some(reply.body.len().to_string().as_str())
    );
    app.wait_for_line(|l| l.starts_with("crm: GET /front/... front 200 ") && l.ends_with("µs"));
}

#[test]
fn sqlite_data_survives_a_restart_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let state = dir.path().join("state");
    let env = [("SPIN_VARIABLE_SECRET_WORD", "s3cret")];
    let first = TestApp::start(&manifest, &state, &env, &[]);
    assert_eq!(
        first.request("POST", "/front/sqlite", None, None).json()["n"],
        1
    );
    assert_eq!(
        first.request("POST", "/front/sqlite", None, None).json()["n"],
        2
    );
    assert!(first.stop().success(), "crm should exit 0 on SIGTERM");
    let second = TestApp::start(&manifest, &state, &env, &[]);
    assert_eq!(second.get("/front/sqlite").json()["n"], 2);
}

#[test]
fn a_required_variable_without_a_value_stops_startup_with_its_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    // Required secrets are generated by `crm up`; a required plain variable must come from outside.
    let text = std::fs::read_to_string(&manifest)
        .expect("read")
        .replace("required = true, secret = true", "required = true");
    std::fs::write(&manifest, text).expect("write");
    let output = Command::new(crm_tests::crm())
        .args(["up", "--listen", "127.0.0.1:0", "--from"])
        .arg(&manifest)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .env_remove("SPIN_VARIABLE_SECRET_WORD")
        .output()
        .expect("run crm");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("SPIN_VARIABLE_SECRET_WORD"), "{stderr}");
}

#[test]
fn a_malformed_manifest_is_rejected_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let text = std::fs::read_to_string(&manifest)
        .expect("read")
        .replace("[component.plain]\n", "[component.plain]\nsauce = 1\n");
    std::fs::write(&manifest, text).expect("write");
    let output = Command::new(crm_tests::crm())
        .args(["up", "--from"])
        .arg(&manifest)
        .output()
        .expect("run crm");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not a valid Spin manifest") && stderr.contains("sauce"),
        "{stderr}"
    );
}

/// A Redis server of the test's own on a free port; killed on drop.
struct Redis {
    port: u16,
    child: std::process::Child,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test (apt-get install redis-server; .ci/run does)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Redis { port, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    fn get(&self, key: &str) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "GET", key])
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_runtime_config_can_put_the_key_value_store_in_redis() {
    let redis = Redis::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{}\"\n",
            redis.port
        ),
    )
    .expect("write config");
    let config_arg = config.display().to_string();
    let app = TestApp::start(
        &manifest,
        &dir.path().join("state"),
        &[("SPIN_VARIABLE_SECRET_WORD", "s3cret")],
        &["--runtime-config-file", &config_arg],
    );
    assert_eq!(
        app.get("/front/kv/default?set=colour=blue").json()["ok"],
        true
    );
    assert_eq!(redis.get("colour"), "blue");
    assert_eq!(
        app.get("/front/kv/default?get=colour").json()["value"],
        "blue"
    );
}

#[test]
fn an_unreachable_redis_stops_startup_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:1\"\n",
    )
    .expect("write");
    let output = Command::new(crm_tests::crm())
        .args(["up", "--listen", "127.0.0.1:0", "--from"])
        .arg(&manifest)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .arg("--runtime-config-file")
        .arg(&config)
        .env("SPIN_VARIABLE_SECRET_WORD", "s3cret")
        .output()
        .expect("run crm");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot connect to Redis"), "{stderr}");
}

#[test]
fn tick_calls_a_route_periodically() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let app = TestApp::start(
        &manifest,
        &dir.path().join("state"),
        &[("SPIN_VARIABLE_SECRET_WORD", "s3cret")],
        &["--tick", "/front/sqlite=1"],
    );
    // Each tick POSTs /front/sqlite, which increments a counter; wait (bounded) for two.
    let mut seen = 0;
    for _ in 0..300 {
        seen = app.get("/front/sqlite").json()["n"].as_i64().unwrap_or(0);
        if seen >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(seen >= 2, "the tick ran {seen} times\n{}", app.output());
    assert!(
        app.output().contains("crm: tick /front/sqlite -> 200"),
        "{}",
        app.output()
    );
}
