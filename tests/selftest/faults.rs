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
use scim_conformance::exec::{run_trial, Context};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::outcome::{FindingKind, TrialOutcome, Verdict};
use scim_conformance::plan::{plan_for, Planned};
use scim_conformance::profile::VendorProfile;
use scim_conformance::report::text;
use scim_conformance::server::faults::FaultCategory;
use scim_conformance::server::{self, Fault, ServerConfig};
use scim_conformance::suite::expect::Severity;
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

/// The baseline vendor: entra-default has every Entra feature (all three role functions) and
/// both dialects.
const BASELINE: &str = "entra-default";

/// A vendor's profile.
fn profile(vendor: &str) -> Arc<VendorProfile> {
    let profiles = profiles().expect("profiles load");
    Arc::new(
        profiles
            .into_iter()
            .find(|p| p.id() == vendor)
            .unwrap_or_else(|| panic!("profile {vendor} exists")),
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

fn run_with(vendor: &str, faults: &[Fault]) -> Run {
    let profile = profile(vendor);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let token = format!("selftest-{}", uuid::Uuid::new_v4().simple());
        let mut config = if vendor == BASELINE {
            ServerConfig::new(token.clone())
        } else {
            scim_conformance::app::emulation::emulation(&profile, &token)
        };
        config.faults = faults.iter().copied().collect();
        // The baseline runs on OAuth client credentials (as Microsoft now requires of gallery
        // apps), so the token checks run too; the static token stays valid.
        let oauth_secret = format!("selftest-secret-{}", uuid::Uuid::new_v4().simple());
        if vendor == BASELINE {
            config.oauth = Some(scim_conformance::server::oauth::OAuthConfig {
                client_id: "selftest-client".into(),
                client_secret: oauth_secret.clone(),
                accept_header: true,
                accept_body: false,
                lifetime: Duration::from_secs(3600),
            });
        }
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
        let redactor = Redactor::new([token.clone(), Secret::new(oauth_secret.clone())]);
        let oauth = (vendor == BASELINE).then(|| {
            let mut token_url = server.base_url().clone();
            token_url.set_path(scim_conformance::server::oauth::TOKEN_PATH);
            Arc::new(scim_conformance::http::oauth::OAuth::new(
                token_url,
                "selftest-client".into(),
                Secret::new(oauth_secret.clone()),
                scim_conformance::http::oauth::ClientAuth::Header,
                None,
                redactor.clone(),
            ))
        });
        let target = Target {
            base: server.base_url().clone(),
            params: Vec::new(),
            token: Some(token.clone()),
            oauth,
        };
        let run_id = "selftest".parse().expect("a valid run id");
        let ctx = Context {
            delete_deactivates: profile.delete_deactivates,
            ..Context::new(client, target, run_id, redactor)
        };
        let mut specs = Vec::new();
        let mut broken = Vec::new();
        let target: &[&str] = if vendor == BASELINE {
            &["target:oauth"]
        } else {
            &[]
        };
        for p in plan_for(&suites(), &profile, DialectChoice::Both, 0, target) {
            match p {
                Planned::Trial(t) => specs.push(t),
                Planned::Broken { error, .. } => broken.push(error.to_string()),
                // The baseline profile has every capability: nothing may be ignored for it.
                Planned::Ignored { name, reason } if vendor == BASELINE => {
                    broken.push(format!("{name} ignored: {reason}"))
                }
                Planned::Ignored { .. } => {}
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

/// One lazily computed run per vendor and server configuration.
type RunCache = Mutex<HashMap<(String, Vec<Fault>), Arc<OnceLock<Arc<Run>>>>>;

/// Each configuration is run once and shared by every trial that needs it.
fn run_cached(faults: &[Fault]) -> Arc<Run> {
    run_vendor(BASELINE, faults)
}

/// [`run_cached`] for another vendor's emulation.
fn run_vendor(vendor: &str, faults: &[Fault]) -> Arc<Run> {
    let mut key = faults.to_vec();
    key.sort();
    let key = (vendor.to_string(), key);
    static CACHE: OnceLock<RunCache> = OnceLock::new();
    let cell = {
        let mut map = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.entry(key.clone()).or_default().clone()
    };
    cell.get_or_init(|| Arc::new(run_with(&key.0, &key.1)))
        .clone()
}

/// The verdict of an outcome at this strictness.
fn verdict(o: &TrialOutcome, strict: bool) -> Verdict {
    let strict = if strict {
        Severity::Rfc
    } else {
        Severity::Entra
    };
    let mut o = o.clone();
    o.settle(strict);
    o.verdict
}

/// The fault table: which trials must catch each fault, what their message must say, and which
/// other trials the same defect may also fail or block (other subjects it breaks; `"*"`: every
/// trial, for a server-wide refusal such as a required header).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    caught_by: Vec<String>,
    says: String,
    #[serde(default)]
    also: Vec<String>,
    /// The diagnosis (`fixtures/diagnoses.toml`) a caught_by trial's root cause must carry.
    #[serde(default)]
    diagnosis: Option<String>,
}

/// Pairs of defects where one used to mask the other: both must be reported, each by its own
/// trials, and nothing else may fail or be blocked by anything but them. And runs against other
/// vendors' emulations, for the checks only their profile options switch on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pairs {
    pair: Vec<Pair>,
    #[serde(default)]
    vendor: Vec<VendorRun>,
}

/// A defect run against a vendor's emulation: these trials must fail saying this.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct VendorRun {
    vendor: String,
    faults: Vec<String>,
    caught_by: Vec<String>,
    says: String,
}

fn vendor_runs() -> Result<Vec<VendorRun>, String> {
    let path = package_dir().join("fixtures/selftest/pairs.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let p: Pairs = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(p.vendor)
}

fn parse_faults(names: &[String]) -> Result<Vec<Fault>, String> {
    names
        .iter()
        .map(|f| f.parse::<Fault>().map_err(|e| e.to_string()))
        .collect()
}

/// A vendor run: the clean emulation passes everything; with the faults on, the named trials
/// fail saying what the row says.
fn vendor_caught(v: VendorRun) -> Result<(), Failed> {
    let clean = run_vendor(&v.vendor, &[]);
    common_invariants(&clean)?;
    let failing: Vec<String> = clean
        .outcomes
        .iter()
        .filter(|o| verdict(o, false) != Verdict::Passed)
        .map(|o| format!("[{}]\n{}", o.name, message(o, false)))
        .collect();
    if !failing.is_empty() {
        return Err(format!(
            "the {} emulation must pass:\n{}",
            v.vendor,
            failing.join("\n\n")
        )
        .into());
    }
    let run = run_vendor(&v.vendor, &parse_faults(&v.faults)?);
    common_invariants(&run)?;
    let mut problems = Vec::new();
    for name in &v.caught_by {
        let full = format!("{}::{name}", v.vendor);
        match run.outcomes.iter().find(|o| o.name == full) {
            None => problems.push(format!("{full}: no such trial")),
            Some(o) if verdict(o, true) != Verdict::Failed => problems.push(format!(
                "{full}: {} despite the fault",
                verdict(o, true).name()
            )),
            Some(o) if !message(o, true).contains(&v.says) => problems.push(format!(
                "{full}: its message does not say `{}`:\n{}",
                v.says,
                message(o, true)
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n").into())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    faults: Vec<String>,
}

fn pairs() -> Result<Vec<Vec<Fault>>, String> {
    let path = package_dir().join("fixtures/selftest/pairs.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let p: Pairs = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    p.pair
        .into_iter()
        .map(|p| {
            p.faults
                .iter()
                .map(|f| f.parse::<Fault>().map_err(|e| e.to_string()))
                .collect()
        })
        .collect()
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
    let run = run_cached(&[]);
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

/// Checks a run with `faults` on: each fault's `caught_by` trials fail saying what it says, and
/// every other trial that fails or is blocked is accounted for by one of the faults' rows
/// (`caught_by` or `also`) — a defect is reported where it belongs, never by a trial it merely
/// got in the way of.
fn caught(faults: &[Fault]) -> Result<(), Failed> {
    let table = table()?;
    let run = run_cached(faults);
    common_invariants(&run)?;
    let mut allowed = BTreeSet::new();
    let mut problems = Vec::new();
    for fault in faults {
        // A tolerated behaviour in a combination fails nothing of its own: the others' rows say
        // what must fail.
        if fault.category() == FaultCategory::Tolerated {
            continue;
        }
        let expected = table.get(fault.name()).ok_or_else(|| {
            format!(
                "fault `{}` has no row in fixtures/selftest/faults.toml",
                fault.name()
            )
        })?;
        allowed.extend(expected.caught_by.iter().chain(&expected.also).cloned());
        // A defect is caught only when a default run (`--fail-on entra`) fails on a trial whose
        // subject it is; a deviation only Microsoft's gallery or the RFC asks about must leave
        // the default run green with a warning, and fail only at `--strict`.
        let default_failed: Vec<&String> = expected
            .caught_by
            .iter()
            .filter(|name| {
                run.outcomes.iter().any(|o| {
                    o.name == format!("entra-default::{name}")
                        && verdict(o, false) == Verdict::Failed
                })
            })
            .collect();
        match fault.category() {
            FaultCategory::Defect if default_failed.is_empty() => problems.push(format!(
                "`{}` is a defect, but a default run (--fail-on entra) fails none of {:?}: only warnings name it (raise the check's severity where Entra really breaks, or make the fault a deviation)",
                fault.name(),
                expected.caught_by
            )),
            FaultCategory::Deviation if !default_failed.is_empty() => problems.push(format!(
                "`{}` is a deviation (gallery or RFC only), but a default run fails {default_failed:?}",
                fault.name()
            )),
            _ => {}
        }
        if let Some(want) = &expected.diagnosis {
            let got: Vec<String> = expected
                .caught_by
                .iter()
                .filter_map(|name| {
                    let o = run
                        .outcomes
                        .iter()
                        .find(|o| o.name == format!("entra-default::{name}"))?;
                    let mut o = o.clone();
                    o.settle(Severity::Rfc);
                    let rc = o.root_cause(Severity::Rfc)?;
                    Some(
                        rc.diagnosis
                            .map(|d| d.id.clone())
                            .unwrap_or_else(|| "none".into()),
                    )
                })
                .collect();
            if !got.iter().any(|g| g == want) {
                problems.push(format!(
                    "no trial of {:?} is diagnosed `{want}` (got {got:?})",
                    expected.caught_by
                ));
            }
        }
        for name in &expected.caught_by {
            let hit = run
                .outcomes
                .iter()
                .find(|o| o.name == format!("entra-default::{name}"));
            match hit {
                None => problems.push(format!("{name}: no such trial")),
                Some(o) if verdict(o, true) != Verdict::Failed => problems.push(format!(
                    "{name}: {} despite `{}`\n{}",
                    verdict(o, true).name(),
                    fault.name(),
                    message(o, true)
                )),
                Some(o) if !message(o, true).contains(&expected.says) => problems.push(format!(
                    "{name}: failed, but its message does not say `{}`:\n{}",
                    expected.says,
                    message(o, true)
                )),
                Some(_) => {}
            }
        }
    }
    for o in &run.outcomes {
        let short = o.name.trim_start_matches("entra-default::").to_string();
        match verdict(o, true) {
            Verdict::Failed if !allowed.contains(&short) && !allowed.contains("*") => problems.push(format!(
                "{short} fails too, but no row of the fault(s) lists it (a defect reported by a trial it only got in the way of? if it is another subject the same defect breaks, add it to `also`):\n{}",
                message(o, true)
            )),
            Verdict::Blocked => {
                let by = o
                    .blocked
                    .as_ref()
                    .map(|b| b.by.trim_start_matches("entra-default::").to_string())
                    .unwrap_or_default();
                if !allowed.contains(&by) && !allowed.contains("*") {
                    problems.push(format!(
                        "{short} is blocked by {by}, which no row of the fault(s) lists:\n{}",
                        message(o, true)
                    ));
                }
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let names: Vec<String> = faults
            .iter()
            .map(|f| format!("`{}` ({})", f.name(), f.describe()))
            .collect();
        Err(format!(
            "{} not caught as expected:\n{}",
            names.join(" + "),
            problems.join("\n\n")
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
    let mut runs: Vec<Arc<Run>> = Fault::ALL.iter().map(|f| run_cached(&[*f])).collect();
    for v in vendor_runs()? {
        runs.push(run_vendor(&v.vendor, &parse_faults(&v.faults)?));
    }
    for run in runs {
        for o in &run.outcomes {
            for f in &o.findings {
                if let (FindingKind::Expectation, Some((step, _)), Some(ex)) =
                    (f.kind, &f.location.step, f.location.expect)
                {
                    failed.insert((o.suite.clone(), o.entry.clone(), *step, ex));
                }
            }
            // A precondition proves itself by blocking the trial.
            if let Some((step, indices)) = o.blocked.as_ref().and_then(|b| b.at.clone()) {
                for ex in indices {
                    failed.insert((o.suite.clone(), o.entry.clone(), step, ex));
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
    let run = run_cached(&[fault]);
    common_invariants(&run)?;
    let failing: Vec<String> = run
        .outcomes
        .iter()
        .filter(|o| o.failed(scim_conformance::suite::expect::Severity::Entra))
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
        .chain(Fault::in_category(FaultCategory::Deviation))
        .map(|f| f.name())
        .collect();
    let stale: Vec<&String> = table
        .keys()
        .filter(|k| !names.contains(k.as_str()))
        .collect();
    let named: BTreeSet<&str> = table
        .values()
        .filter_map(|e| e.diagnosis.as_deref())
        .collect();
    let unproven: Vec<&str> = scim_conformance::outcome::cause::catalogue()
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| !named.contains(id))
        .collect();
    if !unproven.is_empty() {
        return Err(format!(
            "diagnoses no reference-server fault produces (add `diagnosis` to a row of fixtures/selftest/faults.toml): {unproven:?}"
        )
        .into());
    }
    let uncaught: Vec<&String> = table
        .iter()
        .filter(|(_, e)| e.caught_by.is_empty())
        .map(|(k, _)| k)
        .collect();
    if !uncaught.is_empty() {
        return Err(format!(
            "fixtures/selftest/faults.toml has rows that no trial catches (empty caught_by): {uncaught:?}"
        )
        .into());
    }
    if !stale.is_empty() {
        return Err(format!(
            "fixtures/selftest/faults.toml names faults that are not defects or deviations of the server: {stale:?}"
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
    match vendor_runs() {
        Ok(runs) => {
            for v in runs {
                let name = format!("vendor::{}+{}", v.vendor, v.faults.join("+"));
                t.push(Trial::test(name, move || vendor_caught(v)));
            }
        }
        Err(e) => t.push(Trial::test("vendor::table", move || Err(e.into()))),
    }
    match pairs() {
        Ok(pairs) => {
            for pair in pairs {
                let name = pair.iter().map(|f| f.name()).collect::<Vec<_>>().join("+");
                t.push(Trial::test(format!("pair::{name}"), move || caught(&pair)));
            }
        }
        Err(e) => t.push(Trial::test("pair::table", move || Err(e.into()))),
    }
    for fault in Fault::ALL {
        let f = *fault;
        match f.category() {
            FaultCategory::Defect | FaultCategory::Deviation => t
                .push(Trial::test(format!("fault::{}", f.name()), move || {
                    caught(&[f])
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
