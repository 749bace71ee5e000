//! Benchmark figures for the provisioning-cycle simulation, printed (never asserted): the
//! harness's overhead — the cycles replayed by the simulation (model, metrics, ledger, 429
//! handling, pacing machinery) against a raw replay of the same requests in the same order and
//! concurrency (ids read from create answers, nothing else) — as medians of several runs, each
//! against a fresh embedded reference server in this process.
//!
//! `cargo bench --bench simulate -- [--users N] [--groups M] [--members K] [--concurrency C]
//! [--runs R]` (defaults 20000, 2000, 10, 32, 5). Other arguments are ignored.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scim_conformance::core::dialect::Dialect;
use scim_conformance::core::naming::RunId;
use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::http::{ClientConfig, Request, ScimClient, Target};
use scim_conformance::server::{self, ServerConfig};
use scim_conformance::simulate::bodies;
use scim_conformance::simulate::metrics::Recorder;
use scim_conformance::simulate::phase::run_all;
use scim_conformance::simulate::stop::Stop;
use scim_conformance::simulate::tenant::Tenant;
use scim_conformance::simulate::{engine, Pace, Settings};
use serde_json::Value;

const TOKEN: &str = "bench-token";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

struct Raw {
    client: ScimClient,
    target: Target,
    tenant: Arc<Tenant>,
    tag: String,
    users: Mutex<Vec<Option<String>>>,
    groups: Mutex<Vec<Option<String>>>,
}

impl Raw {
    async fn send(
        &self,
        method: &str,
        rel: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Option<Value> {
        let request = Request {
            method: method.into(),
            url: self.target.url(rel, query).ok()?,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: body.and_then(|b| serde_json::to_vec(b).ok()),
            bearer: self.target.token.clone(),
        };
        let r = self.client.send(&request).await.ok()?;
        (method == "POST").then(|| r.json().ok().cloned()).flatten()
    }

    async fn match_create(&self, user: bool, i: usize) {
        let g = if user {
            self.tenant.user(&self.tag, i)
        } else {
            self.tenant.group(&self.tag, i)
        };
        let Ok(g) = g else { return };
        let (coll, attr) = if user {
            ("Users", &self.tenant.user_match)
        } else {
            ("Groups", &self.tenant.group_match)
        };
        let mut q = vec![(
            "filter".to_string(),
            bodies::filter_eq(attr, &g.match_value),
        )];
        if !user {
            q.insert(0, ("excludedAttributes".into(), "members".into()));
        }
        self.send("GET", coll, &q, None).await;
        let id = self
            .send("POST", coll, &[], Some(&g.body))
            .await
            .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_string));
        let slot = if user { &self.users } else { &self.groups };
        if let Ok(mut s) = slot.lock() {
            if let Some(x) = s.get_mut(i) {
                *x = id;
            }
        }
    }

    fn uid(&self, i: usize) -> Option<String> {
        self.users.lock().ok()?.get(i).cloned().flatten()
    }

    fn gid(&self, g: usize) -> Option<String> {
        self.groups.lock().ok()?.get(g).cloned().flatten()
    }
}

/// The cycles' requests, straight: returns their wall time.
async fn raw_replay(url: &str, tenant: Arc<Tenant>, settings: &Settings) -> Duration {
    let (target, _) = Target::parse(url, Some(Secret::new(TOKEN))).expect("target");
    let client = ScimClient::new(ClientConfig {
        retries: 0,
        ..ClientConfig::default()
    })
    .expect("client");
    let raw = Arc::new(Raw {
        client,
        target,
        users: Mutex::new(vec![None; tenant.users]),
        groups: Mutex::new(vec![None; tenant.groups]),
        tag: RunId::random().tag(0),
        tenant: tenant.clone(),
    });
    let stop = Stop::new(Duration::from_secs(3600));
    let w = settings.concurrency;
    let d = tenant.dialect;
    let started = Instant::now();
    let r = &raw;
    run_all(0..tenant.users, w, &stop, false, |i| {
        let r = r.clone();
        async move { r.match_create(true, i).await }
    })
    .await;
    run_all(0..tenant.users, w, &stop, false, |i| {
        let r = r.clone();
        async move {
            if let (Some(m), Some(uid)) = (r.tenant.manager_of(i), r.uid(i)) {
                if let Some(mid) = r.uid(m) {
                    r.send(
                        "PATCH",
                        &format!("Users/{uid}"),
                        &[],
                        Some(&bodies::manager(d, &mid)),
                    )
                    .await;
                }
            }
        }
    })
    .await;
    run_all(0..tenant.groups, w, &stop, false, |g| {
        let r = r.clone();
        async move { r.match_create(false, g).await }
    })
    .await;
    let batch = settings.member_batch;
    let batches = tenant.members_per_group.div_ceil(batch);
    run_all(
        (0..tenant.groups).flat_map(|g| (0..batches).map(move |b| (g, b))),
        w,
        &stop,
        false,
        |(g, b)| {
            let r = r.clone();
            async move {
                let ids: Vec<String> = r
                    .tenant
                    .members(g)
                    .into_iter()
                    .skip(b * batch)
                    .take(batch)
                    .filter_map(|u| r.uid(u))
                    .collect();
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                if let Some(gid) = r.gid(g) {
                    r.send(
                        "PATCH",
                        &format!("Groups/{gid}"),
                        &[],
                        Some(&bodies::members_add(d, &refs)),
                    )
                    .await;
                }
            }
        },
    )
    .await;
    let tag = raw.tag.clone();
    run_all(0..tenant.users, w, &stop, false, |i| {
        let (r, tag) = (r.clone(), tag.clone());
        async move {
            let Some(uid) = r.uid(i) else { return };
            let t = &r.tenant;
            if t.updated(i) {
                let ch: Vec<(String, String)> = t
                    .changed_attributes
                    .iter()
                    .map(|a| (a.clone(), t.changed_value(&tag, i, a)))
                    .collect();
                r.send(
                    "PATCH",
                    &format!("Users/{uid}"),
                    &[],
                    Some(&bodies::update(d, &ch)),
                )
                .await;
            }
            if t.disabled(i) {
                r.send(
                    "PATCH",
                    &format!("Users/{uid}"),
                    &[],
                    Some(&bodies::disable(d)),
                )
                .await;
            }
        }
    })
    .await;
    run_all(0..tenant.groups, w, &stop, false, |g| {
        let r = r.clone();
        async move {
            let Some((removed, added)) = r.tenant.membership_change(g) else {
                return;
            };
            let Some(gid) = r.gid(g) else { return };
            if let Some(uid) = removed.and_then(|u| r.uid(u)) {
                r.send(
                    "PATCH",
                    &format!("Groups/{gid}"),
                    &[],
                    Some(&bodies::member_remove(d, &uid)),
                )
                .await;
            }
            if let Some(uid) = added.and_then(|u| r.uid(u)) {
                r.send(
                    "PATCH",
                    &format!("Groups/{gid}"),
                    &[],
                    Some(&bodies::members_add(d, &[uid.as_str()])),
                )
                .await;
            }
        }
    })
    .await;
    started.elapsed()
}

async fn spawn() -> server::RunningServer {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    server::spawn(ServerConfig::new(TOKEN), addr)
        .await
        .expect("server")
}

fn main() {
    let settings = Settings {
        users: arg("--users", 20_000),
        groups: arg("--groups", 2_000),
        members_per_group: arg("--members", 10),
        concurrency: arg("--concurrency", 32),
        pace: Pace::Unpaced,
        lag_probes: 0,
        keep: true,
        ..Settings::default()
    };
    let runs = arg("--runs", 5).max(1);
    let rt = scim_conformance::app::runtime().expect("runtime");
    let profile = Arc::new(
        scim_conformance::profile::load_all(&scim_conformance::core::files::Tree::Embedded(
            "fixtures",
        ))
        .expect("profiles")
        .into_iter()
        .find(|p| p.id() == "entra-default")
        .expect("entra-default"),
    );
    let tenant =
        Arc::new(Tenant::new(profile.clone(), Dialect::Legacy, &settings).expect("tenant"));
    let (mut sim, mut raw, mut sim_requests) = (Vec::new(), Vec::new(), 0);
    for run in 0..runs {
        let (s, n) = rt.block_on(async {
            let server = spawn().await;
            let (target, _) = Target::parse(server.base_url().as_str(), Some(Secret::new(TOKEN)))
                .expect("target");
            let setup = engine::Setup {
                stop: Arc::new(Stop::new(settings.max_duration)),
                recorder: Arc::new(Recorder::new(1)),
                capture: None,
                settings: Settings {
                    keep: true,
                    ..settings.clone()
                },
                profile: profile.clone(),
                dialect: Dialect::Legacy,
                client: ScimClient::new(ClientConfig {
                    retries: 0,
                    ..ClientConfig::default()
                })
                .expect("client"),
                target,
                embedded: true,
                run_id: RunId::random(),
                redactor: Redactor::new(None),
            };
            let report = engine::run(setup).await.expect("simulation");
            server.shutdown().await;
            (report.throughput.seconds, report.throughput.requests)
        });
        sim_requests = n;
        let r = rt.block_on(async {
            let server = spawn().await;
            let d = raw_replay(server.base_url().as_str(), tenant.clone(), &settings).await;
            server.shutdown().await;
            d.as_secs_f64()
        });
        eprintln!(
            "run {}: simulation cycles {s:.2} s ({n} requests, {:.0} req/s), raw replay {r:.2} s",
            run + 1,
            n as f64 / s
        );
        sim.push(s);
        raw.push(r);
    }
    let (s, r) = (median(sim), median(raw));
    println!(
        "harness overhead ({} users, {} groups x {} members, concurrency {}, {runs} runs, medians): simulation {s:.2} s ({:.0} req/s) vs raw replay {r:.2} s ({:.0} req/s): overhead {:+.1} %",
        settings.users,
        settings.groups,
        settings.members_per_group,
        settings.concurrency,
        sim_requests as f64 / s,
        sim_requests as f64 / r,
        (s / r - 1.0) * 100.0
    );
}
