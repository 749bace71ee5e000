//! Socket smoke test of [`spawn`]: a real listener on 127.0.0.1:0, raw HTTP/1.1 over TCP.

use super::*;
use std::io::{Read, Write};

fn parse_response(raw: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

/// One request over a fresh connection (`Connection: close`); `rel` as in [`Api::send`].
async fn raw(server: &RunningServer, method: &str, rel: &str, body: Option<&str>) -> Resp {
    let url = server.base_url().join(rel).expect("join");
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(80)
    );
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let body = body.unwrap_or_default();
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n"
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/scim+json; charset=utf-8\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&host).expect("connect");
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        s.write_all(req.as_bytes()).expect("write");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).expect("read");
        parse_response(&buf)
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn spawn_serves_over_tcp_under_any_base_path() {
    for base in ["/scim", "", "/api/scim/entra/env-1/"] {
        let mut cfg = ServerConfig::new(TOKEN);
        cfg.base_path = base.to_string();
        let server = spawn(cfg, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("spawn");
        assert!(server.base_url().as_str().ends_with('/'), "{base}");
        assert_eq!(
            raw(&server, "GET", "Users", None).await.status,
            200,
            "{base}"
        );
        let created = raw(&server, "POST", "Users", Some(r#"{"userName":"tcp@x.io"}"#)).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.json()["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let location = format!("{}Users/{id}", server.base_url());
        assert_eq!(created.header("location"), Some(location.as_str()));
        assert_eq!(server.dump()["Users"][0]["id"], json!(id));
        if !base.is_empty() {
            assert_eq!(raw(&server, "GET", "/Users", None).await.status, 404);
        }
        server.shutdown().await;
    }
}
