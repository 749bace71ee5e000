//! Every suite against the reference server: clean (everything passes, nothing left behind,
//! foreign resources untouched), and once per fault (each fault is caught by the checks its
//! table row names, with a message naming the defect; every expectation fails under some fault).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use serde::Deserialize;
use serde_json::{json, Value};

use scim_conformance::core::dialect::DialectChoice;
use scim_conformance::core::files::Tree;
use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::exec::{run_trial, Context, Ledger};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::outcome::{FindingKind, TrialOutcome};
use scim_conformance::plan::{plan, Planned};
use scim_conformance::profile::VendorProfile;
use scim_conformance::report::text;
use scim_conformance::server::faults::FaultCategory;
use scim_conformance::server::{self, Fault, ServerConfig};
use scim_conformance::suite::{load_dir, Suite};

use crate::common::{message, package_dir, profiles};

/// What one run of every suite against one server configuration produced.
struct Run {
    outcomes: Vec<TrialOutcome>,
    broken: Vec<String>,
    foreign_before: Value,
    foreign_after: Value,
    leftovers: Vec<String>,
}

fn suites() -> Vec<Suite> {
    let dir = package_dir();
    load_dir(
        &Tree::Disk(dir.join("suites")),
        &Tree::Disk(dir.join("fixtures")),
    )
    .expect("the package's suites directory is readable")
}

/// The entra-default profile: every Entra feature (all three role functions), both dialects.
fn baseline_profile() -> Arc<VendorProfile> {
    let profiles = profiles().expect("profiles load");
    Arc::new(
        profiles
            .into_iter()
            .find(|p| p.id() == "entra-default")
            .expect("entra-default profile exists"),
    )
}

/// Users and groups that exist before the run and that no trial may touch.
fn seed_foreign(server: &server::RunningServer) -> Vec<(String, String)> {
    let alice = server.seed(
        "Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "foreign-alice@example.com",
               "externalId": "foreign-1", "active": true, "name": {"givenName": "Alice", "familyName": "Foreign"}}),
    );
    let bob = server.seed(
        "Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "foreign-bob@example.com", "active": false}),
    );
    let group = server.seed(
        "Groups",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Foreign Team",
               "members": [{"value": alice.clone()}, {"value": bob.clone()}]}),
    );
    vec![
        ("Users".into(), alice),
        ("Users".into(), bob),
        ("Groups".into(), group),
    ]
}

fn foreign_state(dump: &Value, ids: &[(String, String)]) -> Value {
    let mut out = serde_json::Map::new();
    for (kind, id) in ids {
        let found = dump[kind.as_str()]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["id"] == json!(id)))
            .cloned()
            .unwrap_or(Value::Null);
        out.insert(format!("{kind}/{id}"), found);
    }
    Value::Object(out)
}

fn run_with(fault: Option<Fault>) -> Run {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let token = format!("selftest-{}", uuid::Uuid::new_v4().simple());
        let mut config = ServerConfig::new(token.clone());
        config.faults = fault.into_iter().collect();
        let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
        let server = server::spawn(config, addr)
            .await
            .expect("reference server starts");
        let foreign = seed_foreign(&server);
        let foreign_before = foreign_state(&server.dump(), &foreign);
        let client = ScimClient::new(ClientConfig {
            timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        })
        .expect("client builds");
        let token = Secret::new(token);
        let ctx = Context {
            client,
            target: Target {
                base: server.base_url().clone(),
                params: Vec::new(),
                token: Some(token.clone()),
                oauth: None,
            },
            run_id: "selftest".parse().expect("a valid run id"),
            ledger: Arc::new(Ledger::new()),
            redactor: Redactor::new([token]),
            abort: Default::default(),
        };
        let mut specs = Vec::new();
        let mut broken = Vec::new();
        for p in plan(&suites(), &baseline_profile(), DialectChoice::Both, 0) {
            match p {
                Planned::Trial(t) => specs.push(t),
                Planned::Broken { error, .. } => broken.push(error.to_string()),
                Planned::Ignored { name, reason } => {
                    broken.push(format!("{name} ignored: {reason}"))
                }
            }
        }
        let mut outcomes = Vec::new();
        for s in &specs {
            outcomes.push(run_trial(&ctx, s).await);
        }
        let dump = server.dump();
        let foreign_after = foreign_state(&dump, &foreign);
        let leftovers = ["Users", "Groups"]
            .iter()
            .flat_map(|k| dump[*k].as_array().cloned().unwrap_or_default())
            .filter(|r| {
                let name = r["userName"]
                    .as_str()
                    .or(r["displayName"].as_str())
                    .unwrap_or_default();
                name.starts_with("scimconf-")
            })
            .map(|r| r.to_string())
            .collect();
        server.shutdown().await;
        Run {
            outcomes,
            broken,
            foreign_before,
            foreign_after,
            leftovers,
        }
    })
}

/// One lazily computed run per server configuration.
type RunCache = Mutex<HashMap<Option<Fault>, Arc<OnceLock<Arc<Run>>>>>;

/// Each configuration is run once and shared by every trial that needs it.
fn run_cached(fault: Option<Fault>) -> Arc<Run> {
    static CACHE: OnceLock<RunCache> = OnceLock::new();
    let cell = {
        let mut map = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.entry(fault).or_default().clone()
    };
    cell.get_or_init(|| Arc::new(run_with(fault))).clone()
}

/// The fault table: which trials must catch each fault, and what their message must say.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    caught_by: Vec<String>,
    says: String,
}

fn table() -> Result<BTreeMap<String, Expected>, String> {
    let path = package_dir().join("fixtures/selftest/faults.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn common_invariants(run: &Run) -> Result<(), String> {
    if !run.broken.is_empty() {
        return Err(format!("malformed suites:\n{}", run.broken.join("\n")));
    }
    let safety: Vec<String> = run
        .outcomes
        .iter()
        .flat_map(|o| o.findings.iter())
        .filter(|f| f.kind == FindingKind::Safety)
        .map(|f| text::finding(f, &[]))
        .collect();
    if !safety.is_empty() {
        return Err(format!(
            "the harness tried to modify resources it did not create:\n{}",
            safety.join("\n")
        ));
    }
    if run.foreign_before != run.foreign_after {
        return Err(format!(
            "foreign resources changed during the run\nbefore: {:#}\nafter:  {:#}",
            run.foreign_before, run.foreign_after
        ));
    }
    Ok(())
}

fn baseline() -> Result<(), Failed> {
    let run = run_cached(None);
    common_invariants(&run)?;
    let problems: Vec<String> = run
        .outcomes
        .iter()
        .filter(|o| !o.findings.is_empty() || !o.skipped_steps.is_empty())
        .map(|o| format!("[{}]\n{}", o.name, message(o, true)))
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "the reference server must pass every check without a warning:\n{}",
            problems.join("\n\n")
        )
        .into());
    }
    if !run.leftovers.is_empty() {
        return Err(format!("resources left behind:\n{}", run.leftovers.join("\n")).into());
    }
    if run.outcomes.is_empty() {
        return Err("no trial ran".into());
    }
    Ok(())
}

fn fault_caught(fault: Fault) -> Result<(), Failed> {
    let table = table()?;
    let expected = table.get(fault.name()).ok_or_else(|| {
        format!(
            "fault `{}` has no row in fixtures/selftest/faults.toml",
            fault.name()
        )
    })?;
    let run = run_cached(Some(fault));
    common_invariants(&run)?;
    let mut missing = Vec::new();
    for name in &expected.caught_by {
        let hit = run
            .outcomes
            .iter()
            .find(|o| o.name == format!("entra-default::{name}"));
        match hit {
            None => missing.push(format!("{name}: no such trial")),
            Some(o) if !o.failed(true) => missing.push(format!("{name}: passed despite the fault")),
            Some(o) if !message(o, true).contains(&expected.says) => missing.push(format!(
                "{name}: failed, but its message does not say `{}`:\n{}",
                expected.says,
                message(o, true)
            )),
            Some(_) => {}
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fault `{}` ({}) not caught as expected:\n{}",
            fault.name(),
            fault.describe(),
            missing.join("\n")
        )
        .into())
    }
}

/// Every expectation of every suite (file, entry, step, index) with its description.
fn all_expectations() -> BTreeMap<(String, String, usize, usize), String> {
    let mut out = BTreeMap::new();
    for suite in suites() {
        for entry in suite.entries.iter().flatten() {
            for (si, step) in entry.steps.iter().enumerate() {
                for e in &step.expects {
                    out.insert(
                        (entry.suite.clone(), entry.id.clone(), si, e.index),
                        format!("{} ({})", e.describe(), e.severity),
                    );
                }
            }
        }
    }
    out
}

fn coverage() -> Result<(), Failed> {
    let mut failed: BTreeSet<(String, String, usize, usize)> = BTreeSet::new();
    for fault in Fault::ALL {
        let run = run_cached(Some(*fault));
        for o in &run.outcomes {
            for f in &o.findings {
                if let (FindingKind::Expectation, Some((step, _)), Some(ex)) =
                    (f.kind, &f.location.step, f.location.expect)
                {
                    failed.insert((o.suite.clone(), o.entry.clone(), *step, ex));
                }
            }
        }
    }
    let uncovered: Vec<String> = all_expectations()
        .into_iter()
        .filter(|(k, _)| !failed.contains(k))
        .map(|((s, e, st, ex), d)| format!("{s}::{e} step {} expect[{ex}]: {d}", st + 1))
        .collect();
    if uncovered.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} expectation(s) never fail under any reference-server fault (a check that cannot fail proves nothing):\n{}",
            uncovered.len(),
            uncovered.join("\n")
        )
        .into())
    }
}

/// A behaviour Entra works with: the default run passes (warnings allowed), and nothing is left
/// behind or touched that should not be.
fn tolerated_stays_green(fault: Fault) -> Result<(), Failed> {
    let run = run_cached(Some(fault));
    common_invariants(&run)?;
    let failing: Vec<String> = run
        .outcomes
        .iter()
        .filter(|o| o.failed(false))
        .map(|o| format!("[{}]\n{}", o.name, message(o, false)))
        .collect();
    if !failing.is_empty() {
        return Err(format!(
            "`{}` ({}) is a behaviour Entra works with, but the harness fails it (a false alarm):\n{}",
            fault.name(),
            fault.describe(),
            failing.join("\n\n")
        )
        .into());
    }
    if !run.leftovers.is_empty() {
        return Err(format!("resources left behind:\n{}", run.leftovers.join("\n")).into());
    }
    Ok(())
}

fn table_is_complete() -> Result<(), Failed> {
    let table = table()?;
    let names: BTreeSet<&str> = Fault::in_category(FaultCategory::Defect)
        .map(|f| f.name())
        .collect();
    let stale: Vec<&String> = table
        .keys()
        .filter(|k| !names.contains(k.as_str()))
        .collect();
    if !stale.is_empty() {
        return Err(format!(
            "fixtures/selftest/faults.toml names faults that are not defects of the server: {stale:?}"
        )
        .into());
    }
    Ok(())
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    let mut t = vec![
        Trial::test("suites::pass-against-reference-server", baseline),
        Trial::test("suites::every-expectation-fails-under-some-fault", coverage),
        Trial::test("suites::fault-table-names-real-faults", table_is_complete),
    ];
    for fault in Fault::ALL {
        let f = *fault;
        match f.category() {
            FaultCategory::Defect => t
                .push(Trial::test(format!("fault::{}", f.name()), move || {
                    fault_caught(f)
                })),
            FaultCategory::Tolerated => t
                .push(Trial::test(format!("tolerated::{}", f.name()), move || {
                    tolerated_stays_green(f)
                })),
            // Load faults shape the provisioning-cycle simulation; its own self-tests cover them.
            FaultCategory::Load => {}
        }
    }
    t
}
