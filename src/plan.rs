//! Planning: suites x dialects -> the list of trials to run, in a stable order.

use std::sync::Arc;

use crate::dialect::DialectChoice;
use crate::exec::TrialSpec;
use crate::suite::{Suite, SuiteError};

/// One planned trial, or a suite problem that becomes a failing trial of its own.
#[derive(Debug)]
pub enum Planned {
    /// A runnable trial.
    Trial(TrialSpec),
    /// A malformed suite file or entry: fails with the error, names file, entry and field.
    Broken {
        /// Trial name, e.g. `users::create-user`.
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
            Planned::Broken { name, .. } => name,
        }
    }
}

/// Expands suites into trials: one per entry, or one per selected dialect for entries that
/// vary by dialect (named `<suite>::<entry>::<dialect>`).
pub fn plan(suites: &[Suite], dialects: DialectChoice) -> Vec<Planned> {
    let mut out = Vec::new();
    for suite in suites {
        for entry in &suite.entries {
            match entry {
                Err(error) => out.push(Planned::Broken {
                    name: format!(
                        "{}::{}",
                        suite.name,
                        error.entry.as_deref().unwrap_or("suite-file")
                    ),
                    error: error.clone(),
                }),
                Ok(e) => {
                    let e = Arc::new(e.clone());
                    if e.dialects.is_empty() {
                        let seq = out.len();
                        out.push(Planned::Trial(TrialSpec {
                            name: format!("{}::{}", e.suite, e.id),
                            entry: e,
                            dialect: None,
                            seq,
                        }));
                    } else {
                        for d in dialects
                            .dialects()
                            .iter()
                            .filter(|d| e.dialects.contains(d))
                        {
                            let seq = out.len();
                            out.push(Planned::Trial(TrialSpec {
                                name: format!("{}::{}::{d}", e.suite, e.id),
                                entry: e.clone(),
                                dialect: Some(*d),
                                seq,
                            }));
                        }
                    }
                }
            }
        }
    }
    out
}
