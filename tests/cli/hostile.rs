//! `serve` against hostile requests: thousands of bounded, seeded requests over loopback —
//! filters and PATCH paths nested up to 100,000 levels, deep JSON, long and garbled input —
//! and a client that sends its headers one byte at a time. The server answers every one
//! without a 5xx, never aborts, closes the slow client, and its memory stays bounded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use super::serve;

const TOKEN: &str = "hostile-requests-token";

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One request: method, path and query, body.
fn hostile(rng: &mut Rng, i: usize) -> (String, String, Vec<u8>) {
    let depth = [1usize, 40, 1_000, 20_000, 100_000][rng.below(5) as usize];
    let nest = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match rng.below(8) {
        0 => (
            "GET".into(),
            format!(
                "Users?filter={}",
                enc(&nest("(", r#"userName eq "x""#, ")"))
            ),
            Vec::new(),
        ),
        1 => (
            "GET".into(),
            format!(
                "Users?filter={}",
                enc(&nest("not (", r#"userName eq "x""#, ")"))
            ),
            Vec::new(),
        ),
        2 => {
            let path = format!("emails{}", nest("[", r#"type eq "work""#, "]"));
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": path, "value": "x"}]
            });
            (
                "PATCH".into(),
                format!("Users/{i}"),
                body.to_string().into_bytes(),
            )
        }
        3 => (
            "POST".into(),
            "Users".into(),
            nest("[", "1", "]").into_bytes(),
        ),
        4 => (
            "GET".into(),
            format!(
                "Users?filter={}",
                enc(&vec![r#"userName eq "x""#; depth.min(20_000)].join(" or "))
            ),
            Vec::new(),
        ),
        5 => {
            let garbage: Vec<u8> = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
            ("POST".into(), "Groups".into(), garbage)
        }
        6 => (
            "GET".into(),
            format!(
                "Users?attributes={}&excludedAttributes={}&startIndex=-{depth}&count={}",
                "a.".repeat(depth.min(2_000)),
                "[".repeat(depth.min(2_000)),
                u64::MAX
            ),
            Vec::new(),
        ),
        _ => (
            "PATCH".into(),
            format!("Groups/{i}"),
            nest(r#"{"a":"#, "1", "}").into_bytes(),
        ),
    }
}

/// Sends one request on a fresh connection; the status, or `None` when the server closed the
/// connection without an answer (allowed for oversized input).
fn send(port: u16, method: &str, path: &str, body: &[u8]) -> Result<Option<u16>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.set_write_timeout(Some(Duration::from_secs(10))).ok();
    let head = format!(
        "{method} /scim/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes())
        .and_then(|_| s.write_all(body))
        .is_err()
    {
        return Ok(None);
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    Ok(text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok()))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Thousands of hostile requests and a slow-header client.
pub fn serve_survives_hostile_requests() -> Result<(), Failed> {
    let mut server = serve(TOKEN, &[])?;
    let port = url::Url::parse(&server.url)
        .ok()
        .and_then(|u| u.port())
        .ok_or("serve printed no port")?;
    let pid = server.child.id();
    // A client that sends its headers a byte at a time, slower than the header timeout.
    let slow = std::thread::spawn(move || -> Result<Duration, String> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        let started = Instant::now();
        for b in b"GET /scim/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if s.write_all(&[*b]).is_err() || started.elapsed() > Duration::from_secs(40) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        Ok(started.elapsed())
    });
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let (mut answered, mut closed, mut worst) = (0, 0, 0u16);
    let started = Instant::now();
    let mut peak = 0;
    for i in 0..2_000 {
        let (method, path, body) = hostile(&mut rng, i);
        match send(port, &method, &path, &body)? {
            Some(status) => {
                answered += 1;
                worst = worst.max(status);
                if status >= 500 {
                    return Err(format!(
                        "{method} {} answered {status}",
                        &path[..path.len().min(80)]
                    )
                    .into());
                }
            }
            None => closed += 1,
        }
        if i % 100 == 0 {
            peak = peak.max(rss_kib(pid).unwrap_or(0));
        }
        if let Ok(Some(exit)) = server.child.try_wait() {
            return Err(format!(
                "serve died after request {i} ({method} {}): {exit}",
                &path[..path.len().min(80)]
            )
            .into());
        }
    }
    let elapsed = started.elapsed();
    let slow_for = slow.join().map_err(|_| "the slow client panicked")??;
    let alive = server
        .child
        .try_wait()
        .map_err(|e| e.to_string())?
        .is_none();
    let after = send(port, "GET", "Users?count=1", b"")?;
    eprintln!(
        "hostile: {answered} answered, {closed} closed without an answer, highest status {worst}, {:.1} s, peak RSS {} KiB, the slow client was cut off after {:.1} s",
        elapsed.as_secs_f64(),
        peak,
        slow_for.as_secs_f64()
    );
    if !alive {
        return Err("serve is no longer running".into());
    }
    if after != Some(200) {
        return Err(format!("after the storm a plain listing answered {after:?}").into());
    }
    if slow_for >= Duration::from_secs(40) {
        return Err("a slow-header client was kept open for 40 s".into());
    }
    if peak > 512 * 1024 {
        return Err(format!("serve grew to {peak} KiB").into());
    }
    if answered < 1_000 {
        return Err(format!("only {answered} of 2000 requests were answered").into());
    }
    Ok(())
}
