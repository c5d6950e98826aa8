//! The host's Spin semantics, checked with the probe component mounted under several
//! components with different capabilities.

use crm_tests::{probe_wasm, serve_text, write_manifest, TestApp};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// `front` has stores, outbound to `allowed_port` and `*.spin.internal`, and a secret variable;
/// `plain` has nothing; `back` is private; `selfy` and `alt` may call the app itself, as
/// `http://self` and `http://self.alt`.
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

[[trigger.http]]
route = "/selfy/..."
component = "selfy"

[[trigger.http]]
route = "/alt/..."
component = "alt"

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

[component.selfy]
source = "{wasm}"
allowed_outbound_hosts = ["http://self"]
[component.selfy.variables]
name = "selfy"

[component.alt]
source = "{wasm}"
allowed_outbound_hosts = ["http://self.alt"]
[component.alt.variables]
name = "alt"
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
    // As on Spin: a bare 404, no body and no content type.
    let missing = app.get("/back/anything");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, "");
    assert_eq!(missing.content_type, "");
}

/// The id in an access-log line `crm: [req N] …`.
fn request_id(line: &str) -> u64 {
    line.strip_prefix("crm: [req ")
        .and_then(|rest| rest.split(']').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no request id in {line:?}"))
}

#[test]
fn the_host_answers_spins_well_known_paths_itself() {
    let (app, _dir) = start_probe(1);
    let health = app.get("/.well-known/spin/health");
    assert_eq!(
        (
            health.status,
            health.body.as_str(),
            health.content_type.as_str()
        ),
        (200, "OK", "")
    );
    let info = app.get("/.well-known/spin/info");
    assert_eq!(info.status, 200);
    assert_eq!(info.content_type, "application/json");
    // Pretty-printed, and without a version when the manifest has none.
    assert_eq!(info.body, "{\n  \"name\": \"probe-app\"\n}");
    let other = app.get("/.well-known/spin/other");
    assert_eq!((other.status, other.body.as_str()), (404, ""));
}

/// Routes with parameters beside a literal and a wildcard, each on its own probe.
fn param_manifest(dir: &Path) -> std::path::PathBuf {
    let wasm = probe_wasm();
    let wasm = wasm.display();
    let mut text = String::from(
        r#"
spin_manifest_version = 2
[application]
name = "param-app"
version = "1.2.3"
"#,
    );
    for (route, component) in [
        ("/items/:id", "param"),
        ("/items/new", "literal"),
        ("/items/...", "wild"),
        ("/users/:user_id/posts/:post_id", "param"),
    ] {
        text.push_str(&format!(
            "[[trigger.http]]\nroute = \"{route}\"\ncomponent = \"{component}\"\n"
        ));
    }
    for component in ["param", "literal", "wild"] {
        text.push_str(&format!(
            "[component.{component}]\nsource = \"{wasm}\"\n[component.{component}.variables]\nname = \"{component}\"\n"
        ));
    }
    write_manifest(dir, &text)
}

#[test]
fn parameter_routes_are_matched_and_reported_as_on_spin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = param_manifest(dir.path());
    let app = TestApp::start(&manifest, &dir.path().join("state"), &[], &[]);
    let routed = |path: &str| {
        app.get(path).json()["component"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(routed("/items/new"), "literal");
    assert_eq!(routed("/items/42"), "param");
    assert_eq!(routed("/items/42/"), "param");
    assert_eq!(routed("/items/42/extra"), "wild");
    assert_eq!(routed("/items"), "wild");

    let headers = app.get("/items/42?probe=headers").json();
    assert_eq!(headers["spin-path-match-id"], "42", "{headers}");
    assert_eq!(headers["spin-matched-route"], "/items/:id");
    assert_eq!(headers["spin-component-route"], "/items/:id");
    assert_eq!(headers["spin-raw-component-route"], "/items/:id");
    assert_eq!(headers["spin-path-info"], "");
    assert_eq!(headers["spin-base-path"], "/");
    assert_eq!(
        headers["spin-full-url"],
        format!("{}/items/42?probe=headers", app.url)
    );

    // `:user_id` is `SPIN_PATH_MATCH_USER_ID`, a header `spin-path-match-user-id`.
    let nested = app.get("/users/7/posts/9?probe=headers").json();
    assert_eq!(nested["spin-path-match-user-id"], "7", "{nested}");
    assert_eq!(nested["spin-path-match-post-id"], "9", "{nested}");

    let wild = app.get("/items/42/extra?probe=headers").json();
    assert_eq!(wild["spin-path-info"], "/42/extra");
    assert!(wild.get("spin-path-match-id").is_none(), "{wild}");

    let info = app.get("/.well-known/spin/info").json();
    assert_eq!(
        info,
        serde_json::json!({"name": "param-app", "version": "1.2.3"})
    );
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

    // As on Spin 4.0.2, whose wasi-http host forbids `host` on incoming requests: the guest
    // gets the Host as the request's authority (and in `spin-full-url`), not as a header.
    assert!(headers.get("host").is_none(), "{headers}");
    assert_eq!(
        headers["uri"],
        format!("http://127.0.0.1:{port}/front/headers?x=1")
    );
    let named = ureq::get(&format!("{}/front/headers", app.url))
        .set("host", "shop.example:8080")
        .call()
        .expect("request");
    let named: serde_json::Value =
        serde_json::from_str(&named.into_string().expect("body")).expect("json");
    assert_eq!(
        named["uri"], "http://shop.example:8080/front/headers",
        "{named}"
    );
    assert_eq!(
        named["spin-full-url"],
        "http://shop.example:8080/front/headers"
    );
    assert!(named.get("host").is_none(), "{named}");

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
fn a_chained_callee_sees_the_headers_spin_gives_chained_requests() {
    let (app, _dir) = start_probe(1);
    // `plain` has public routes of its own; a chained request ignores them, as on Spin.
    for callee in ["back", "plain"] {
        let chained = app.get(&format!("/front/chain/{callee}/x/headers")).json();
        assert_eq!(chained["status"], 200, "{chained}");
        let seen: serde_json::Value =
            serde_json::from_str(chained["body"].as_str().unwrap_or_default()).expect("json");
        assert_eq!(
            seen["spin-full-url"], "http://localhost/x/headers",
            "{seen}"
        );
        assert_eq!(seen["spin-client-addr"], "0.0.0.0:0");
        assert_eq!(seen["spin-matched-route"], "/...");
        assert_eq!(seen["spin-raw-component-route"], "/...");
        assert_eq!(seen["spin-component-route"], "");
        assert_eq!(seen["spin-path-info"], "/x/headers");
        assert_eq!(seen["spin-base-path"], "/");
        assert!(seen.get("host").is_none(), "{seen}");
    }
    app.wait_for_line(|l| l.contains("] GET /... back 200 ") && l.contains("(chained from req "));
}

#[test]
fn requests_to_the_app_itself_need_self_in_allowed_outbound_hosts() {
    let (app, _dir) = start_probe(1);
    let through_self = |caller: &str, url: &str| -> serde_json::Value {
        let answer = app.get(&format!("/{caller}/outbound?url={url}")).json();
        assert_eq!(answer["status"], 200, "{caller} -> {url}: {answer}");
        serde_json::from_str(answer["body"].as_str().unwrap_or_default()).expect("json")
    };
    // A relative URL goes to the app's own listener, and is routed there like any request.
    let seen = through_self("selfy", "/plain/headers");
    let address = app.address();
    assert_eq!(
        seen["spin-full-url"],
        format!("http://{address}/plain/headers")
    );
    assert_eq!(seen["spin-matched-route"], "/plain/...");
    assert!(
        seen["spin-client-addr"]
            .as_str()
            .unwrap_or_default()
            .starts_with("127.0.0.1:"),
        "{seen}"
    );
    // `http://self.alt/…` names the app too, and either entry allows both forms.
    through_self("selfy", "http://self.alt/plain/headers");
    through_self("alt", "/plain/headers");
    through_self("alt", "http://self.alt/plain/headers");

    let denied = |caller: &str, url: &str| {
        let answer = app.get(&format!("/{caller}/outbound?url={url}")).json();
        assert!(
            answer["status"].is_null() && answer["error"].is_string(),
            "{caller} -> {url} should be denied: {answer}"
        );
    };
    // `http://self/…` is an ordinary host name, which `http://self` does not allow.
    denied("selfy", "http://self/plain/headers");
    // Without a self entry, the app's own URLs are off limits like any other.
    denied("front", "/plain/headers");
    denied("front", "http://self.alt/plain/headers");
    app.wait_for_line(|l| {
        l.contains("A component tried to make an HTTP request to its own app but it does not have permission.")
    });
}

#[test]
fn guests_cannot_attach_database_files() {
    let (app, dir) = start_probe(1);
    let sql = |statement: &str| {
        app.request("POST", "/front/sql", None, Some(statement.to_owned()))
            .json()
    };
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .expect("create a database file")
        .execute_batch("CREATE TABLE secret (x); INSERT INTO secret VALUES ('s3cret');")
        .expect("fill it");
    let refused = sql(&format!("ATTACH '{}' AS other", other.display()));
    assert_eq!(refused["io"], "not authorized", "{refused}");
    let passwd = sql("ATTACH '/etc/passwd' AS p");
    assert_eq!(passwd["io"], "not authorized", "{passwd}");
    let in_memory = sql("ATTACH ':memory:' AS m");
    assert!(
        in_memory.get("io").is_none() && in_memory.get("error").is_none(),
        "{in_memory}"
    );
    // The component's own database is untouched by the sandbox.
    assert_eq!(sql("SELECT 1 AS one")["rows"], serde_json::json!([[1]]));
}

#[test]
fn sqlite_runs_the_first_of_several_statements_and_each_open_is_a_new_session() {
    let (app, _dir) = start_probe(1);
    let sql = |statement: &str| {
        app.request("POST", "/front/sql", None, Some(statement.to_owned()))
            .json()
    };
    // As on Spin 4.0.2 (rusqlite 0.34's `prepare`): the first statement runs, the rest not.
    let created = sql("CREATE TABLE several (x); INSERT INTO several VALUES (1)");
    assert!(created.get("io").is_none(), "{created}");
    assert_eq!(sql("SELECT count(*) FROM several")["rows"], json!([[0]]));
    app.wait_for_line(|l| l.contains("only the first statement of a string of several ran"));

    let inserted = sql("INSERT INTO several VALUES (7)");
    assert_eq!(
        (&inserted["last_insert_rowid"], &inserted["changes"]),
        (&json!(1), &json!(1))
    );
    // The next request's `open` is a new connection: nothing inserted or changed by it yet.
    let read = sql("SELECT x FROM several");
    assert_eq!(read["rows"], json!([[7]]));
    assert_eq!(
        (&read["last_insert_rowid"], &read["changes"]),
        (&json!(0), &json!(0))
    );

    // Session state ends with the request that made it, whichever pooled connection it had.
    for statement in [
        "CREATE TEMP TABLE scratch (x)",
        "ATTACH ':memory:' AS scratch",
        "PRAGMA foreign_keys = OFF",
    ] {
        let made = sql(statement);
        assert!(made.get("io").is_none(), "{statement}: {made}");
        let temp = sql("SELECT count(*) FROM sqlite_temp_master");
        assert_eq!(temp["rows"], json!([[0]]), "after {statement}");
        let attached = sql("SELECT count(*) FROM pragma_database_list WHERE name = 'scratch'");
        assert_eq!(attached["rows"], json!([[0]]), "after {statement}");
        assert_eq!(
            sql("PRAGMA foreign_keys")["rows"],
            json!([[1]]),
            "after {statement}"
        );
    }
}

/// Intake with records as a dependency; `inherit` is the component's
/// `dependencies_inherit_configuration` line (empty: Spin's default, false), `per_dependency`
/// more of the dependency's table (e.g. `, inherit_configuration = true`).
fn intake_with_records(dir: &Path, inherit: &str, per_dependency: &str) -> TestApp {
    let wasm = crm_tests::repo_root().join("target/wasm32-wasip2/release");
    std::fs::create_dir_all(dir).expect("app dir");
    let manifest = write_manifest(
        dir,
        &format!(
            r#"spin_manifest_version = 2
[application]
name = "isolated"
[variables]
admin_token = {{ required = true, secret = true }}
[[trigger.http]]
route = "/..."
component = "intake"
[component.intake]
source = "{intake}"
key_value_stores = ["default"]
sqlite_databases = ["default"]
{inherit}
[component.intake.variables]
admin_token = "{{{{ admin_token }}}}"
[component.intake.dependencies]
"crm:records" = {{ path = "{records}"{per_dependency} }}
"#,
            intake = wasm.join("intake.wasm").display(),
            records = wasm.join("records.wasm").display(),
        ),
    );
    TestApp::start(
        &manifest,
        &dir.join("state"),
        &[("SPIN_VARIABLE_ADMIN_TOKEN", crm_tests::ADMIN_TOKEN)],
        &[],
    )
}

#[test]
fn a_dependency_gets_only_the_configuration_it_inherits_as_on_spin() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Spin's default: the component has the database, its dependency does not.
    let isolated = intake_with_records(&dir.path().join("isolated"), "", "");
    let health = isolated.get("/api/v1/health/intake");
    // Records' answers reach intake through the host (an error here, as the values are).
    assert_eq!(health.status, 500, "{}", health.body);
    isolated.wait_for_line(|l| l.contains("access-denied") || l.contains("AccessDenied"));
    // Written out, `false` is the same.
    let explicit = intake_with_records(
        &dir.path().join("explicit"),
        "dependencies_inherit_configuration = false",
        "",
    );
    assert_eq!(explicit.get("/api/v1/health/intake").status, 500);

    let inheriting = intake_with_records(
        &dir.path().join("inheriting"),
        "dependencies_inherit_configuration = true",
        "",
    );
    let health = inheriting.get("/api/v1/health/intake");
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["component"], "intake");

    // Spin 4's per-dependency groups: the database alone is enough for records' health.
    let groups = |name: &str, setting: &str| {
        let app = intake_with_records(&dir.path().join(name), "", setting);
        app.get("/api/v1/health/intake")
    };
    let sqlite = groups(
        "sqlite",
        r#", inherit_configuration = ["sqlite_databases"]"#,
    );
    assert_eq!(sqlite.status, 200, "{}", sqlite.body);
    assert_eq!(sqlite.json()["component"], "intake");
    let other = groups(
        "kv-only",
        r#", inherit_configuration = ["key_value_stores"]"#,
    );
    assert_eq!(other.status, 500, "{}", other.body);
    let all = groups("all", ", inherit_configuration = true");
    assert_eq!(all.status, 200, "{}", all.body);
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
fn a_component_that_fails_before_answering_gets_an_empty_500_and_the_host_keeps_serving() {
    let (app, _dir) = start_probe(1);
    let trapped = app.get("/front/trap");
    assert_eq!(trapped.status, 500);
    assert_eq!(
        (trapped.body.as_str(), trapped.content_type.as_str()),
        ("", "")
    );
    // The cause is in the log under the request's id, after what the guest printed.
    let access = app.wait_for_line(|l| {
        l.starts_with("crm: [req ") && l.contains("] GET /front/... front 500 ")
    });
    let id = request_id(&access);
    app.wait_for_line(|l| l.starts_with(&format!("crm: [req {id}] error processing request")));
    app.wait_for_line(|l| {
        l.starts_with(&format!("[req {id}] ")) && l.contains("the probe was asked to trap")
    });

    let exited = app.get("/front/exit");
    assert_eq!((exited.status, exited.body.as_str()), (500, ""));
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
    app.wait_for_line(|l| {
        l.starts_with("crm: [req ")
            && l.contains("] GET /front/... front 200 ")
            && l.ends_with("µs")
    });
}

#[test]
fn guest_output_lines_carry_the_request_id_of_the_access_log() {
    let (app, _dir) = start_probe(1);
    assert_eq!(app.get("/front/print/hello").json()["printed"], true);
    let access = app.wait_for_line(|l| {
        l.starts_with("crm: [req ") && l.contains("] GET /front/... front 200 ")
    });
    let id = request_id(&access);
    app.wait_for_line(|l| l == format!("[req {id}] hello on stdout"));
    // Written in two pieces, printed as one line.
    app.wait_for_line(|l| l == format!("[req {id}] hello on stderr"));
}

/// The probe app with extra `crm up` arguments.
fn start_probe_with(args: &[&str]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let app = TestApp::start(
        &manifest,
        &dir.path().join("state"),
        &[("SPIN_VARIABLE_SECRET_WORD", "s3cret")],
        args,
    );
    (app, dir)
}

#[test]
fn a_body_over_max_request_bytes_is_refused_before_the_component_handles_it() {
    let (app, _dir) = start_probe_with(&["--max-request-bytes", "1024"]);
    // Declared too large: 413 at once, without waiting for the body.
    let declared = app.raw_exchange(
        b"POST /front/sqlite HTTP/1.1\r\nhost: localhost\r\ncontent-length: 2048\r\nconnection: close\r\n\r\n",
    );
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    // Streamed past the limit: cut off there, and 413 too.
    let chunk = "x".repeat(2048);
    let streamed = app.raw_exchange(
        format!(
            "POST /front/sqlite HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len()
        )
        .as_bytes(),
    );
    assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");
    // Neither POST counted; one within the limit does.
    assert_eq!(app.get("/front/sqlite").json()["n"], 0);
    let small = app.request("POST", "/front/sqlite", None, Some("x".repeat(100)));
    assert_eq!(small.json()["n"], 1);
    app.wait_for_line(|l| l.contains("] POST /front/... front 413 "));
}

#[test]
fn max_instance_memory_limits_what_a_guest_can_allocate() {
    let (app, _dir) = start_probe_with(&["--max-instance-memory", "32MiB"]);
    assert_eq!(app.get("/front/alloc/4").json()["bytes"], 4 << 20);
    let refused = app.get("/front/alloc/64");
    assert_eq!((refused.status, refused.body.as_str()), (500, ""));
    app.wait_for_line(|l| l.contains("instance memory limit exceeded"));
    assert_eq!(app.get("/front/counter").status, 200);
}

#[test]
fn requests_beyond_max_concurrent_requests_get_503_with_retry_after() {
    let (app, _dir) = start_probe_with(&["--max-concurrent-requests", "1"]);
    let url = app.url.clone();
    let slow = std::thread::spawn(move || {
        ureq::get(&format!("{url}/front/sleep/3000"))
            .call()
            .map(|r| r.status())
            .unwrap_or_else(|e| panic!("the slow request failed: {e}"))
    });
    // Give the slow request the only instance before anything else asks.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut turned_away = None;
    for _ in 0..20 {
        let reply = app.get("/front/counter");
        if reply.status == 503 {
            turned_away = Some(reply);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let busy = turned_away.expect("a request while the only instance sleeps should get 503");
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(slow.join().expect("slow request"), 200);
    // The instance is gone a moment after its answer; then there is room again.
    let mut status = 0;
    for _ in 0..50 {
        status = app.get("/front/counter").status;
        if status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(status, 200);
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
    // A clean stop copies the log into the database and empties it: no recovery at the next start.
    let wal = std::fs::metadata(state.join("sqlite_db.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL should be empty after a clean stop");
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
fn a_libsql_database_stops_startup_with_a_message_naming_spin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = probe_manifest(dir.path(), 1);
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        "[sqlite_database.remote]\ntype = \"libsql\"\nurl = \"https://example.turso.io\"\ntoken = \"t0ken\"\n",
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
    assert!(
        stderr.contains("libsql") && stderr.contains("Spin"),
        "{stderr}"
    );
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
