//! Helpers shared by the test binaries: where the package is, outcome messages as libtest shows
//! them, a runtime, the package's profiles.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use scim_conformance::core::files::Tree;
use scim_conformance::outcome::TrialOutcome;
use scim_conformance::profile::VendorProfile;

/// The package directory (suites, fixtures, snapshots on disk).
pub fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The package's fixtures folder as a tree on disk.
pub fn fixtures() -> Tree {
    Tree::Disk(package_dir().join("fixtures"))
}

/// The failure message libtest would show for this outcome.
pub fn message(o: &TrialOutcome, strict: bool) -> String {
    use scim_conformance::suite::expect::Severity;
    let level = if strict {
        Severity::Rfc
    } else {
        Severity::Entra
    };
    scim_conformance::report::text::trial_message(o, level)
}

/// A mock endpoint on `rt` that answers every request with `responder`.
pub fn answering_everything(
    rt: &tokio::runtime::Runtime,
    responder: impl wiremock::Respond + 'static,
) -> wiremock::MockServer {
    rt.block_on(async {
        let s = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(responder)
            .mount(&s)
            .await;
        s
    })
}

/// The harness's runtime, with the error as text.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    scim_conformance::app::runtime().map_err(|e| e.to_string())
}

/// Every vendor profile of the package.
pub fn profiles() -> Result<Vec<VendorProfile>, String> {
    scim_conformance::profile::load_all(&fixtures()).map_err(|e| e.to_string())
}

/// A TLS server on 127.0.0.1 presenting `fixtures/tls/<cert>.pem`, answering every request
/// with an empty ListResponse; returns its `https://.../scim` URL.
pub fn tls_server(cert: &str) -> Result<String, String> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = package_dir().join("fixtures/tls");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join(format!("{cert}.pem")))
            .map_err(|e| e.to_string())?
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
    let key =
        PrivateKeyDer::from_pem_file(dir.join(format!("{cert}.key"))).map_err(|e| e.to_string())?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = [0u8; 8192];
                    let _ = tls.read(&mut buf).await;
                    let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []}).to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    Ok(format!("https://127.0.0.1:{}/scim", addr.port()))
}

/// A plain HTTP server on 127.0.0.1 that answers every request with `reply` (raw HTTP bytes);
/// returns its `http://.../scim` URL.
pub fn raw_http_server(reply: &'static [u8]) -> Result<String, String> {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
            let _ = stream.flush();
        }
    });
    Ok(format!("http://{addr}/scim"))
}

/// A server that reads each request and resets the connection (linger 0: a TCP RST, as a TLS
/// port or a firewall may answer plain HTTP); returns its URL.
pub fn resets() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            use tokio::io::AsyncReadExt;
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf).await;
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(std::time::Duration::ZERO));
                drop(stream);
            }
        });
    });
    Ok(format!("http://{addr}/scim"))
}

/// A URL on 127.0.0.1 where nothing listens (a port bound, then released).
pub fn free_port_url() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    drop(listener);
    Ok(format!("http://{addr}/oauth2/token"))
}

/// A server that accepts connections and never answers; returns its URL.
pub fn black_hole() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    Ok(format!("http://{addr}/scim"))
}

/// A server that answers the first `answered` requests with an empty ListResponse and then
/// accepts connections without ever answering (a target that dies mid-run); returns its URL.
pub fn dies_after(answered: usize) -> Result<String, String> {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let mut held = Vec::new();
        let mut n = 0;
        for mut stream in listener.incoming().flatten() {
            if n < answered {
                n += 1;
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            } else {
                held.push(stream);
            }
        }
    });
    Ok(format!("http://{addr}/scim"))
}

/// Answers everything with 200 and echoes the Authorization header back, in a header and in the
/// body and a Location: the worst case for leaking a token into messages, snapshots and reports.
pub struct EchoAuthorization;

impl wiremock::Respond for EchoAuthorization {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        wiremock::ResponseTemplate::new(200)
            .insert_header("x-echo", auth.as_str())
            .insert_header("location", format!("https://example.test/{auth}").as_str())
            .set_body_raw(
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": 0,
                    "Resources": [],
                    "id": auth,
                    "userName": format!("echo {auth}"),
                })
                .to_string(),
                "application/scim+json",
            )
    }
}

/// Every form a careless server might echo a secret in: as is, percent-encoded (upper- and
/// lower-case hex), form-encoded, JSON `\u`-escaped, and with `/` JSON-escaped.
pub fn encoded_forms(secret: &str) -> Vec<String> {
    let upper: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let lower: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let unicode: String = secret
        .encode_utf16()
        .map(|u| format!("\\u{u:04X}"))
        .collect();
    vec![
        secret.to_string(),
        upper,
        lower,
        form,
        unicode,
        secret.replace('/', "\\/"),
    ]
}

/// A SCIM endpoint that echoes the bearer token it receives in every encoding of
/// [`encoded_forms`], in headers and in the body, on every request.
pub struct EchoEncoded;

impl wiremock::Respond for EchoEncoded {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let token = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_string();
        let forms = encoded_forms(&token);
        // The JSON body is written by hand so that the escaped forms stay as they are.
        let echoed = forms
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(",");
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"detail":"echo {}","echo":[{echoed}]}}"#,
            forms[1]
        );
        wiremock::ResponseTemplate::new(200)
            .insert_header("x-echo-percent", forms[1].as_str())
            .insert_header("x-echo-form", forms[3].as_str())
            .insert_header(
                "location",
                format!("https://example.test/?t={}", forms[2]).as_str(),
            )
            .set_body_raw(body, "application/scim+json")
    }
}

/// A token endpoint that refuses every request and echoes what it got (the Authorization
/// header, the form body) back in its answer.
pub struct EchoRefusal;

impl wiremock::Respond for EchoRefusal {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = String::from_utf8_lossy(&req.body).into_owned();
        wiremock::ResponseTemplate::new(401)
            .insert_header("x-echo", auth.as_str())
            .set_body_raw(
                serde_json::json!({"error": "invalid_client", "error_description": format!("got {auth} and {body}")})
                    .to_string(),
                "application/json",
            )
    }
}
