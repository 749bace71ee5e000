//! Planning: suites x vendor profile x dialects -> the list of trials to run, in a stable order.

use std::sync::Arc;

use crate::core::dialect::{Dialect, DialectChoice};
use crate::core::naming::TrialId;
use crate::profile::{Unmet, VendorProfile};
use crate::suite::{CheckedEntry, Suite, SuiteError};

/// One trial to run: an entry in a dialect, for a vendor.
#[derive(Clone, Debug)]
pub struct TrialSpec {
    /// The trial name, e.g. `entra-default::users::disable-and-enable::legacy`.
    pub name: String,
    /// The entry.
    pub entry: Arc<CheckedEntry>,
    /// The dialect, for dialect-dependent entries.
    pub dialect: Option<Dialect>,
    /// The dialect whose request shapes a dialect-independent entry uses (e.g. for a generated
    /// group body): compliant when the run is compliant-only, else legacy.
    pub default_dialect: Dialect,
    /// Position in the run's plan; makes `{{tag}}` unique per trial.
    pub seq: usize,
    /// The vendor profile shaping the requests.
    pub profile: Arc<VendorProfile>,
    /// The trial names its `setup`/`blocked_by` references resolve to for this vendor and
    /// dialect (`groups::create` -> `zenkit::groups::create::legacy`).
    pub refs: Arc<std::collections::BTreeMap<String, String>>,
}

impl TrialSpec {
    /// The dialect whose shapes this trial sends.
    pub fn effective_dialect(&self) -> Dialect {
        self.dialect.unwrap_or(self.default_dialect)
    }
}

/// One planned trial, a trial the profile cannot use, or a suite problem.
#[derive(Debug)]
pub enum Planned {
    /// A runnable trial.
    Trial(TrialSpec),
    /// An entry the vendor's configuration cannot exercise (reported as ignored, with why).
    Ignored {
        /// Trial name.
        name: String,
        /// Why, e.g. `zenvoices's Entra app does not send groups`.
        reason: Unmet,
    },
    /// A malformed suite file or entry: fails with the error, names file, entry and field.
    Broken {
        /// Trial name, e.g. `entra-default::users::create`.
        name: String,
        /// What is wrong.
        error: SuiteError,
    },
}

impl Planned {
    /// The trial name.
    pub fn name(&self) -> &str {
        match self {
            Planned::Trial(t) => &t.name,
            Planned::Ignored { name, .. } | Planned::Broken { name, .. } => name,
        }
    }
}

/// Expands suites for one vendor: one trial per entry, or one per dialect for entries that vary
/// by dialect, named `<vendor>::<suite>::<entry>[::<dialect>]`. `seq_start` keeps `{{tag}}`
/// unique across vendors of one run.
pub fn plan(
    suites: &[Suite],
    profile: &Arc<VendorProfile>,
    dialects: DialectChoice,
    seq_start: usize,
) -> Vec<Planned> {
    plan_for(suites, profile, dialects, seq_start, &[])
}

/// [`plan`] for a target that also offers `target` capabilities (`target:oauth` when the run
/// uses OAuth client credentials).
pub fn plan_for(
    suites: &[Suite],
    profile: &Arc<VendorProfile>,
    dialects: DialectChoice,
    seq_start: usize,
    target: &[&str],
) -> Vec<Planned> {
    let vendor = profile.id();
    let default_dialect = match dialects {
        DialectChoice::Compliant => Dialect::Compliant,
        _ => Dialect::Legacy,
    };
    let mut out = Vec::new();
    for suite in suites {
        for entry in &suite.entries {
            let e = match entry {
                Err(error) => {
                    out.push(Planned::Broken {
                        name: format!(
                            "{vendor}::{}::{}",
                            suite.name,
                            error.entry.as_deref().unwrap_or("suite-file")
                        ),
                        error: error.clone(),
                    });
                    continue;
                }
                Ok(e) => Arc::new(e.clone()),
            };
            let variants: Vec<Option<Dialect>> = if e.dialects.is_empty() {
                vec![None]
            } else if e.flag_ignored {
                vec![Some(Dialect::Legacy)]
            } else {
                dialects
                    .dialects()
                    .iter()
                    .filter(|d| e.dialects.contains(d))
                    .map(|d| Some(*d))
                    .collect()
            };
            for dialect in variants {
                let id = TrialId {
                    vendor: vendor.to_string(),
                    suite: e.suite.clone(),
                    entry: e.id.clone(),
                    dialect,
                };
                let name = id.to_string();
                let needs: Vec<String> = e
                    .needs
                    .iter()
                    .filter(|n| !target.contains(&n.as_str()))
                    .cloned()
                    .collect();
                if let Some(reason) = profile.unmet(&needs) {
                    out.push(Planned::Ignored { name, reason });
                    continue;
                }
                let seq = seq_start + out.len();
                let effective = dialect.unwrap_or(default_dialect);
                let refs = e
                    .steps
                    .iter()
                    .flat_map(|s| {
                        s.setup
                            .iter()
                            .chain(s.blocked_by.iter())
                            .chain(s.expects.iter().filter_map(|e| e.blocks.as_ref()))
                    })
                    .map(|r| (r.clone(), resolve(suites, vendor, r, effective)))
                    .collect();
                out.push(Planned::Trial(TrialSpec {
                    name,
                    entry: e.clone(),
                    dialect,
                    default_dialect,
                    seq,
                    profile: profile.clone(),
                    refs: Arc::new(refs),
                }));
            }
        }
    }
    out
}

/// The trial name a `<suite>::<entry>` reference means for `vendor` in `dialect`: with
/// `::<dialect>` when that entry runs once per dialect.
fn resolve(suites: &[Suite], vendor: &str, reference: &str, dialect: Dialect) -> String {
    let (suite, entry) = reference.split_once("::").unwrap_or((reference, ""));
    let per_dialect = suites
        .iter()
        .filter(|s| s.name == suite)
        .flat_map(|s| s.entries.iter().flatten())
        .any(|e| e.id == entry && !e.dialects.is_empty());
    TrialId {
        vendor: vendor.to_string(),
        suite: suite.to_string(),
        entry: entry.to_string(),
        dialect: per_dialect.then_some(dialect),
    }
    .to_string()
}
