//! Headless Chromium driven through ChromeDriver (WebDriver, with `fantoccini`), for tests of
//! the pages. `scripts/test` installs Debian's `chromium` and `chromium-driver`.

use std::future::Future;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A ChromeDriver process on a free loopback port, stopped when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
}

impl Browser {
    pub fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; scripts/test installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Browser { driver, port }
    }

    /// Runs `test` with a new headless Chromium session, closing it afterwards.
    pub fn run<F, Fut>(&self, test: F)
    where
        F: FnOnce(fantoccini::Client) -> Fut,
        Fut: Future<Output = Result<(), fantoccini::error::CmdError>>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async {
            // The flags this closed network needs: without the background-networking ones
            // Chromium's own connections are refused, many at a time.
            let options = serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,1800",
                         "--lang=en-US"],
            });
            let mut capabilities = serde_json::Map::new();
            capabilities.insert("goog:chromeOptions".into(), options);
            let client = fantoccini::ClientBuilder::new(
                hyper_util::client::legacy::connect::HttpConnector::new(),
            )
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session");
            let outcome = test(client.clone()).await;
            let _ = client.close().await;
            outcome.expect("the browser test");
        });
    }
}

/// Asserts that the page `client` shows fits the window's width: no sideways scrolling, on a
/// phone above all. `what` names the page in the failure.
pub async fn assert_fits_width(
    client: &fantoccini::Client,
    what: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await?;
    assert!(
        overflow.as_i64().is_some_and(|px| px <= 0),
        "{what} is wider than the window by {overflow}px"
    );
    Ok(())
}

/// The `serious` and `critical` accessibility violations axe-core finds on the page `client`
/// shows, one line each (rule, help, elements). `scripts/test` installs axe-core with npm.
pub async fn accessibility_violations(
    client: &fantoccini::Client,
) -> Result<Vec<String>, fantoccini::error::CmdError> {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let axe = AXE.get_or_init(|| {
        let path = crm_tests::repo_root().join("target/axe/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is missing at {} ({e}); scripts/test installs it with npm",
                path.display()
            )
        })
    });
    client.execute(axe, vec![]).await?;
    let found = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ["violations"] })
                 .then(r => done(r.violations
                   .filter(v => v.impact === "serious" || v.impact === "critical")
                   .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join(", ")})`)))
                 .catch(e => done([`axe failed: ${e}`]));"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found).unwrap_or_else(|e| panic!("axe's answer: {e}")))
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
