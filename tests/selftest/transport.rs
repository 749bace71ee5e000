//! Bad endpoints: every way a target can misbehave on the wire becomes a failed trial with a
//! one-line reason — a transport error where no usable response came back, an expectation
//! failure naming the problem where one did — never a panic, never a hang. Also Entra-like
//! throttling: 429/503 with Retry-After are waited out (bounded) and reported.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::exec::{run_trial, Context, Ledger};
use scim_conformance::http::oauth::{ClientAuth, OAuth};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::outcome::{FindingKind, TrialOutcome};
use scim_conformance::plan::TrialSpec;

use crate::common::{fixtures, message, package_dir, profiles, tls_server};
use scim_conformance::server::oauth::OAuthConfig;
use scim_conformance::server::{self, RunningServer, ServerConfig};
use scim_conformance::suite::load::parse_str;

/// The probe every case runs: Entra's Test Connection query.
const PROBE: &str = r#"
[suite]
title = "probe"
[[entry]]
id = "probe"
title = "Test Connection"
[[entry.step]]
name = "query a random userName"
method = "GET"
path = "Users"
query = { filter = 'userName eq "{{guid}}"' }
expect = [{ status = 200 }, { pointer = "/totalResults", equals = 0 }]
"#;

const TOKEN: &str = "transport-selftest-token";

fn list_json() -> serde_json::Value {
    serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []})
}

/// Runs the probe against `url` with a short timeout; a watchdog turns a hang into a failure.
fn probe(url: String, config: ClientConfig) -> Result<TrialOutcome, String> {
    probe_with(url, config, None)
}

/// [`probe`], with OAuth client credentials instead of the static token when given.
fn probe_with(
    url: String,
    config: ClientConfig,
    oauth: Option<OAuthSetup>,
) -> Result<TrialOutcome, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = (|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(run_entry(PROBE, &url, config, oauth))
                .map(|(outcome, _)| outcome)
        })();
        let _ = tx.send(result);
    });
    rx.recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the trial hung for 60 s (a timeout is missing)".to_string())?
}

/// Runs the first entry of `suite` (as the entra-default vendor, run id `transport`) against
/// `url` and returns its outcome and the run's ledger.
async fn run_entry(
    suite: &str,
    url: &str,
    config: ClientConfig,
    oauth: Option<OAuthSetup>,
) -> Result<(TrialOutcome, Arc<Ledger>), String> {
    let suite = parse_str("entry", "entry.toml", suite, &fixtures());
    let entry = suite
        .entries
        .into_iter()
        .next()
        .ok_or("no entry")?
        .map_err(|e| e.to_string())?;
    let profile = profiles()?
        .into_iter()
        .find(|p| p.id() == "entra-default")
        .ok_or("no entra-default profile")?;
    let (mut target, _) =
        Target::parse(url, Some(Secret::new(TOKEN))).map_err(|e| e.to_string())?;
    let redactor = Redactor::new([Secret::new(TOKEN)]);
    if let Some(o) = oauth {
        target.token = None;
        target.oauth = Some(o.build(&redactor)?);
    }
    let ledger = Arc::new(Ledger::new());
    let ctx = Context {
        ledger: ledger.clone(),
        ..Context::new(
            ScimClient::new(config).map_err(|e| e.to_string())?,
            target,
            "transport".parse().map_err(|e| format!("{e}"))?,
            redactor,
        )
    };
    let spec = TrialSpec {
        name: "entry".into(),
        entry: Arc::new(entry),
        dialect: None,
        default_dialect: scim_conformance::core::dialect::Dialect::Legacy,
        seq: 0,
        profile: Arc::new(profile),
        refs: Arc::default(),
    };
    Ok((run_trial(&ctx, &spec).await, ledger))
}

fn quick() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(2),
        retries: 1,
        retry_budget: Duration::from_secs(3),
        ..ClientConfig::default()
    }
}

/// Asserts the probe failed with exactly this kind of problem, saying `says`.
fn assert_fails(outcome: &TrialOutcome, transport: bool, says: &str) -> Result<(), Failed> {
    let msg = message(outcome, false);
    if !outcome.failed(scim_conformance::suite::expect::Severity::Entra) {
        return Err(format!("the trial passed against a broken endpoint:\n{msg}").into());
    }
    let kinds: Vec<FindingKind> = outcome.findings.iter().map(|f| f.kind).collect();
    // No usable SCIM answer: the wire failed, or the credentials were refused first.
    let is_transport =
        kinds.contains(&FindingKind::Transport) || kinds.contains(&FindingKind::Authentication);
    if transport != is_transport {
        return Err(format!(
            "expected a {} failure, got {kinds:?}:\n{msg}",
            if transport {
                "transport"
            } else {
                "expectation"
            }
        )
        .into());
    }
    if !msg.contains(says) {
        return Err(format!("the message does not say `{says}`:\n{msg}").into());
    }
    if msg.contains(TOKEN) {
        return Err(format!("the token leaked into the message:\n{msg}").into());
    }
    Ok(())
}

/// A wiremock server answering every request with `template`.
fn mock(template: ResponseTemplate) -> Result<(tokio::runtime::Runtime, MockServer), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(any()).respond_with(template).mount(&s).await;
        s
    });
    Ok((rt, server))
}

fn with_mock(
    template: ResponseTemplate,
    config: ClientConfig,
    transport: bool,
    says: &str,
) -> Result<(), Failed> {
    let (_rt, server) = mock(template)?;
    let outcome = probe(format!("{}/scim", server.uri()), config)?;
    assert_fails(&outcome, transport, says)
}

/// A raw TCP server that answers one request with `reply` and closes.
fn raw_server(reply: &'static [u8]) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
            let _ = stream.flush();
        }
    });
    Ok(format!("http://{addr}/scim"))
}

/// A named case.
type Case = (&'static str, fn() -> Result<(), Failed>);

fn cases() -> Vec<Case> {
    vec![
        ("connection-refused", || {
            let out = probe("http://127.0.0.1:1/scim".into(), quick())?;
            assert_fails(&out, true, "could not connect")
        }),
        ("dns-failure", || {
            let out = probe("http://scimconf-no-such-host.invalid/scim".into(), quick())?;
            // Depending on the resolver this is NXDOMAIN or an unreachable DNS server (timeout).
            assert_fails(&out, true, "transport error:")
        }),
        ("tls-against-plain-http", || {
            let (_rt, server) = mock(ResponseTemplate::new(200).set_body_json(list_json()))?;
            let url = server.uri().replace("http://", "https://");
            let out = probe(format!("{url}/scim"), quick())?;
            assert_fails(&out, true, "TLS failure")
        }),
        ("slower-than-timeout", || {
            let t = ResponseTemplate::new(200)
                .set_body_json(list_json())
                .set_delay(Duration::from_secs(5));
            with_mock(
                t,
                ClientConfig {
                    timeout: Duration::from_millis(500),
                    ..quick()
                },
                true,
                "timed out after 500ms",
            )
        }),
        ("body-not-json", || {
            with_mock(
                ResponseTemplate::new(200).set_body_string("hello"),
                quick(),
                false,
                "response body is not JSON",
            )
        }),
        ("html-login-page-200", || {
            let t = ResponseTemplate::new(200).set_body_raw(
                "<html><body><form>Sign in</form></body></html>",
                "text/html",
            );
            with_mock(t, quick(), false, "response body is not JSON (text/html")
        }),
        ("empty-body", || {
            with_mock(
                ResponseTemplate::new(200),
                quick(),
                false,
                "response body is empty",
            )
        }),
        ("huge-body", || {
            let t = ResponseTemplate::new(200).set_body_string("x".repeat(1024 * 1024));
            with_mock(
                t,
                ClientConfig {
                    max_body: 64 * 1024,
                    ..quick()
                },
                true,
                "larger than 65536 bytes",
            )
        }),
        ("invalid-utf8", || {
            let t = ResponseTemplate::new(200)
                .set_body_raw(vec![0xff, 0xfe, 0x7b, 0x7d], "application/scim+json");
            with_mock(t, quick(), false, "not valid UTF-8")
        }),
        ("status-500", || {
            with_mock(
                ResponseTemplate::new(500),
                quick(),
                false,
                "actual:   status 500",
            )
        }),
        ("status-502", || {
            with_mock(
                ResponseTemplate::new(502),
                quick(),
                false,
                "actual:   status 502",
            )
        }),
        ("status-503", || {
            with_mock(
                ResponseTemplate::new(503),
                quick(),
                false,
                "throttled first: 503",
            )
        }),
        ("redirect-not-followed", || {
            let t =
                ResponseTemplate::new(302).insert_header("Location", "https://login.example.com/");
            with_mock(
                t,
                quick(),
                true,
                "redirect 302 to https://login.example.com/ (not followed",
            )
        }),
        ("closed-mid-body", || {
            let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{\"totalRes")?;
            let out = probe(url, quick())?;
            assert_fails(&out, true, "connection closed mid-response")
        }),
        ("throttled-429-then-ok", || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let server = rt.block_on(async {
                let s = MockServer::start().await;
                Mock::given(any())
                    .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
                    .up_to_n_times(1)
                    .mount(&s)
                    .await;
                Mock::given(any())
                    .respond_with(ResponseTemplate::new(200).set_body_json(list_json()))
                    .mount(&s)
                    .await;
                s
            });
            let out = probe(format!("{}/scim", server.uri()), quick())?;
            if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "a single 429 with Retry-After must be waited out:\n{}",
                    message(&out, false)
                )
                .into());
            }
            let throttled: Vec<String> = out
                .exchanges
                .iter()
                .filter_map(|x| x.response.as_ref().ok())
                .flat_map(|r| r.throttled.clone())
                .collect();
            if throttled.len() != 1
                || !throttled[0].starts_with("429 Too Many Requests (waited 1.0s)")
            {
                return Err(format!("throttling must be recorded, got {throttled:?}").into());
            }
            // The pause is Entra's own wait, not the endpoint's slowness: it is kept apart from
            // the answer time the latency warning reads.
            let waits: Vec<(Duration, Duration)> = out
                .exchanges
                .iter()
                .filter_map(|x| x.response.as_ref().ok())
                .filter(|r| !r.throttled.is_empty())
                .map(|r| (r.waited, r.answer_time()))
                .collect();
            match waits.as_slice() {
                [(waited, answer)] if *waited == Duration::from_secs(1) && *answer < *waited => {
                    Ok(())
                }
                _ => Err(format!(
                    "the wait must be recorded apart from the answer time, got {waits:?}"
                )
                .into()),
            }
        }),
        ("throttled-429-exhausted", || {
            let t = ResponseTemplate::new(429).insert_header("Retry-After", "1");
            with_mock(
                t,
                quick(),
                false,
                "throttled first: 429 Too Many Requests (waited 1.0s)",
            )
        }),
    ]
}

/// OAuth settings for a probe.
#[derive(Clone)]
struct OAuthSetup {
    token_url: String,
    secret: String,
    auth: ClientAuth,
    shared: Option<Arc<OAuth>>,
}

impl OAuthSetup {
    fn build(self, redactor: &Redactor) -> Result<Arc<OAuth>, String> {
        if let Some(o) = self.shared {
            return Ok(o);
        }
        let url = url::Url::parse(&self.token_url).map_err(|e| e.to_string())?;
        Ok(Arc::new(OAuth::new(
            url,
            "harness client".into(),
            Secret::new(self.secret),
            self.auth,
            None,
            redactor.clone(),
        )))
    }
}

/// A reference server acting as token endpoint for client `harness client`.
fn oauth_server(
    secret: &str,
    accept_header: bool,
    accept_body: bool,
    lifetime: Duration,
) -> Result<(tokio::runtime::Runtime, RunningServer, String), String> {
    let rt = crate::common::runtime()?;
    let mut cfg = ServerConfig::new("static-token-not-used-here");
    cfg.oauth = Some(OAuthConfig {
        client_id: "harness client".into(),
        client_secret: secret.into(),
        accept_header,
        accept_body,
        lifetime,
    });
    let server = rt
        .block_on(server::spawn(cfg, ([127, 0, 0, 1], 0).into()))
        .map_err(|e| e.to_string())?;
    let mut token_url = server.base_url().clone();
    token_url.set_path(scim_conformance::server::oauth::TOKEN_PATH);
    Ok((rt, server, token_url.to_string()))
}

const CLIENT_SECRET: &str = "canary-client-secret-5e1f";

fn oauth_cases() -> Vec<Case> {
    vec![
        ("oauth-header-credentials-cached-then-refreshed", || {
            let (_rt, server, token_url) =
                oauth_server(CLIENT_SECRET, true, false, Duration::from_secs(2))?;
            let redactor = Redactor::default();
            let shared = OAuthSetup {
                token_url,
                secret: CLIENT_SECRET.into(),
                auth: ClientAuth::Header,
                shared: None,
            }
            .build(&redactor)?;
            let setup = OAuthSetup {
                token_url: String::new(),
                secret: String::new(),
                auth: ClientAuth::Header,
                shared: Some(shared),
            };
            for _ in 0..3 {
                let out = probe_with(server.base_url().to_string(), quick(), Some(setup.clone()))?;
                if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                    return Err(format!(
                        "OAuth with Basic credentials must work:\n{}",
                        message(&out, false)
                    )
                    .into());
                }
            }
            let first = server.state().issuer().requests();
            std::thread::sleep(Duration::from_millis(2100));
            let out = probe_with(server.base_url().to_string(), quick(), Some(setup))?;
            if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "an expired token must be refreshed:\n{}",
                    message(&out, false)
                )
                .into());
            }
            let second = server.state().issuer().requests();
            if (first, second) == (1, 2) {
                Ok(())
            } else {
                Err(format!("expected one token request for three trials, then one refresh; got {first} then {second}").into())
            }
        }),
        ("oauth-body-credentials", || {
            let (_rt, server, token_url) =
                oauth_server(CLIENT_SECRET, false, true, Duration::from_secs(60))?;
            let ok = probe_with(
                server.base_url().to_string(),
                quick(),
                Some(OAuthSetup {
                    token_url: token_url.clone(),
                    secret: CLIENT_SECRET.into(),
                    auth: ClientAuth::Body,
                    shared: None,
                }),
            )?;
            if ok.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "--client-auth body must work with a body-only endpoint:\n{}",
                    message(&ok, false)
                )
                .into());
            }
            let out = probe_with(
                server.base_url().to_string(),
                quick(),
                Some(OAuthSetup {
                    token_url,
                    secret: CLIENT_SECRET.into(),
                    auth: ClientAuth::Header,
                    shared: None,
                }),
            )?;
            assert_fails(&out, true, "answered 401 Unauthorized")?;
            assert_fails(&out, true, "invalid_client")?;
            // A refused token request is an authentication error, not a transport error.
            if !out
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::Authentication)
                || !message(&out, false).contains("authentication error")
            {
                return Err(format!(
                    "a refused token request must be an authentication error:\n{}",
                    message(&out, false)
                )
                .into());
            }
            Ok(())
        }),
        ("oauth-wrong-secret-never-printed", || {
            let (_rt, server, token_url) =
                oauth_server("the-real-secret", true, true, Duration::from_secs(60))?;
            let out = probe_with(
                server.base_url().to_string(),
                quick(),
                Some(OAuthSetup {
                    token_url,
                    secret: CLIENT_SECRET.into(),
                    auth: ClientAuth::Header,
                    shared: None,
                }),
            )?;
            assert_fails(&out, true, "OAuth token request to http://127.0.0.1:")?;
            let text = format!("{}{:?}", message(&out, false), out.exchanges);
            if text.contains(CLIENT_SECRET) || text.contains("5e1f") {
                return Err(format!("the client secret leaked:\n{text}").into());
            }
            Ok(())
        }),
    ]
}

/// A create that times out although the server committed it: the harness finds the resource by
/// its run-unique name, records it and deletes it at the end of the trial.
fn unanswered_create_is_found_and_deleted() -> Result<(), Failed> {
    use wiremock::matchers::{method, path};
    let config = ClientConfig {
        timeout: Duration::from_millis(500),
        ..quick()
    };
    let (out, ledger, server, rt) = create_against(config, |s| {
        Box::pin(async move {
            let created = serde_json::json!({"id": "late-1", "userName": CREATED_NAME});
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(201)
                        .set_body_json(created)
                        .set_delay(Duration::from_secs(5)),
                )
                .mount(s)
                .await;
            Mock::given(method("GET"))
                .and(path("/scim/Users"))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1,
                    "Resources": [{"id": "late-1", "userName": CREATED_NAME}]})))
                .mount(s)
                .await;
            Mock::given(method("DELETE"))
                .and(path("/scim/Users/late-1"))
                .respond_with(ResponseTemplate::new(204))
                .expect(1)
                .mount(s)
                .await;
        })
    })?;
    assert_fails(
        &out,
        true,
        "the create may have happened anyway: found Users/late-1 by its name; it will be deleted",
    )?;
    let items = ledger.items();
    if items.len() != 1
        || items[0].path != "Users/late-1"
        || items[0].state != scim_conformance::exec::ledger::State::Deleted
    {
        return Err(
            format!("the late create must be recorded and deleted, ledger: {items:?}").into(),
        );
    }
    rt.block_on(server.verify());
    Ok(())
}

/// A one-step create whose body carries the run-unique userName `scimconf-transport-0-x@example.com`.
const CREATE: &str = r#"
[suite]
title = "create"
[[entry]]
id = "create"
title = "A create"
[[entry.step]]
name = "create"
method = "POST"
path = "Users"
body = { json = { userName = "{{tag}}-x@example.com" } }
expect = [{ status = 201 }]
"#;

/// The userName [`CREATE`] sends.
const CREATED_NAME: &str = "scimconf-transport-0-x@example.com";

/// Runs [`CREATE`] against a wiremock server set up by `mount`; returns the outcome, the ledger,
/// and the server and runtime (kept alive for verification).
type Mounted<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;
fn create_against(
    config: ClientConfig,
    mount: impl FnOnce(&MockServer) -> Mounted<'_>,
) -> Result<
    (
        TrialOutcome,
        Arc<Ledger>,
        MockServer,
        tokio::runtime::Runtime,
    ),
    String,
> {
    let rt = crate::common::runtime()?;
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        mount(&s).await;
        s
    });
    let (out, ledger) = rt.block_on(run_entry(
        CREATE,
        &format!("{}/scim", server.uri()),
        config,
        None,
    ))?;
    Ok((out, ledger, server, rt))
}

/// A DELETE mock that must never be called (checked by `server.verify()`).
async fn forbid_delete(s: &MockServer) {
    Mock::given(wiremock::matchers::method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(s)
        .await;
}

/// The creation counts as left behind and no DELETE was sent for it.
fn assert_left_behind(
    ledger: &Ledger,
    server: &MockServer,
    rt: &tokio::runtime::Runtime,
    what: &str,
) -> Result<(), Failed> {
    if ledger.all_deleted() {
        return Err(format!("{what} must count as left behind").into());
    }
    rt.block_on(server.verify());
    Ok(())
}

fn safety_cases() -> Vec<Case> {
    vec![
        ("unaddressable-id-is-never-deleted-blindly", || {
            use wiremock::matchers::method;
            let (out, ledger, server, rt) = create_against(quick(), |s| {
                Box::pin(async move {
                    Mock::given(method("POST"))
                        .respond_with(
                            ResponseTemplate::new(201)
                                .set_body_json(serde_json::json!({"id": "."})),
                        )
                        .mount(s)
                        .await;
                    forbid_delete(s).await;
                })
            })?;
            assert_fails(&out, false, "cannot be addressed safely")?;
            assert_left_behind(&ledger, &server, &rt, "an unaddressable creation")
        }),
        ("create-without-id-is-reported-left-behind", || {
            use wiremock::matchers::method;
            let (out, ledger, server, rt) = create_against(quick(), |s| {
                Box::pin(async move {
                    Mock::given(method("POST"))
                        .respond_with(ResponseTemplate::new(201))
                        .mount(s)
                        .await;
                    Mock::given(method("GET"))
                        .respond_with(ResponseTemplate::new(200).set_body_json(list_json()))
                        .mount(s)
                        .await;
                    forbid_delete(s).await;
                })
            })?;
            assert_fails(&out, false, "without an id and nothing was found by its name: run `scim-conformance cleanup --run-id transport`")?;
            assert_left_behind(&ledger, &server, &rt, "a creation without an id")
        }),
        ("huge-retry-after-is-not-a-panic", || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let server = rt.block_on(async {
                let s = MockServer::start().await;
                Mock::given(any())
                    .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
                    .up_to_n_times(1)
                    .mount(&s)
                    .await;
                Mock::given(any())
                    .respond_with(
                        ResponseTemplate::new(429)
                            .insert_header("Retry-After", "18446744073709551615"),
                    )
                    .mount(&s)
                    .await;
                s
            });
            let out = probe(
                format!("{}/scim", server.uri()),
                ClientConfig {
                    retries: 3,
                    ..quick()
                },
            )?;
            assert_fails(&out, false, "actual:   status 429")
        }),
        ("huge-expires-in-is-not-a-panic", || {
            use wiremock::matchers::{method, path};
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let server = rt.block_on(async {
                let s = MockServer::start().await;
                Mock::given(method("POST"))
                    .and(path("/token"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "at-1", "expires_in": 18446744073709551615u64})))
                    .mount(&s)
                    .await;
                Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(list_json())).mount(&s).await;
                s
            });
            let setup = OAuthSetup {
                token_url: format!("{}/token", server.uri()),
                secret: CLIENT_SECRET.into(),
                auth: ClientAuth::Header,
                shared: None,
            };
            let out = probe_with(format!("{}/scim", server.uri()), quick(), Some(setup))?;
            if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "a huge expires_in must be clamped, not fail:\n{}",
                    message(&out, false)
                )
                .into());
            }
            Ok(())
        }),
    ]
}

/// One trial per bad-endpoint case.
pub fn trials() -> Vec<Trial> {
    cases()
        .into_iter()
        .chain(tls_cases())
        .chain(oauth_cases())
        .chain(safety_cases())
        .chain([(
            "unanswered-create-is-found-and-deleted",
            unanswered_create_is_found_and_deleted as fn() -> Result<(), Failed>,
        )])
        .map(|(name, f)| Trial::test(format!("transport::{name}"), f))
        .collect()
}

/// The test CA that signed the fixtures' certificates.
fn ca() -> Option<std::path::PathBuf> {
    Some(package_dir().join("fixtures/tls/ca.pem"))
}

fn tls_cases() -> Vec<Case> {
    vec![
        ("tls-untrusted-certificate", || {
            let out = probe(tls_server("localhost")?, quick())?;
            assert_fails(&out, true, "TLS failure")?;
            assert_fails(&out, true, "UnknownIssuer")
        }),
        ("tls-wrong-host", || {
            let out = probe(
                tls_server("wrong-host")?,
                ClientConfig {
                    ca_cert: ca(),
                    ..quick()
                },
            )?;
            assert_fails(&out, true, "certificate not valid for name \"127.0.0.1\"")
        }),
        ("tls-private-ca-trusted", || {
            let out = probe(
                tls_server("localhost")?,
                ClientConfig {
                    ca_cert: ca(),
                    ..quick()
                },
            )?;
            if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "--ca-cert must make the private CA trusted:\n{}",
                    message(&out, false)
                )
                .into());
            }
            Ok(())
        }),
        ("tls-insecure-accepts-anything", || {
            let out = probe(
                tls_server("wrong-host")?,
                ClientConfig {
                    insecure: true,
                    ..quick()
                },
            )?;
            if out.failed(scim_conformance::suite::expect::Severity::Entra) {
                return Err(format!(
                    "--insecure must accept any certificate:\n{}",
                    message(&out, false)
                )
                .into());
            }
            Ok(())
        }),
        ("ca-cert-file-missing", || {
            match ScimClient::new(ClientConfig {
                ca_cert: Some("/nonexistent/ca.pem".into()),
                ..quick()
            }) {
                Err(e)
                    if e.to_string()
                        .contains("cannot use CA certificate /nonexistent/ca.pem") =>
                {
                    Ok(())
                }
                other => Err(format!(
                    "a missing --ca-cert file must be a clear error, got {other:?}"
                )
                .into()),
            }
        }),
    ]
}
