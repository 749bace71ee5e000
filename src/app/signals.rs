//! SIGINT and SIGTERM: the run sends no new request, waits (bounded) for requests in flight,
//! deletes what it created, lets the caller write its summary and reports, and exits 130 or 143.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{AppError, EXIT_SIGINT, EXIT_SIGTERM};
use crate::exec::sweep::Sweep;
use crate::exec::Abort;

/// Called once the sweep is done, with the signal's name; prints what it must, then returns.
pub type OnStop = Box<dyn FnOnce(&'static str) + Send>;

/// SIGINT and SIGTERM, listened for on a runtime (Ctrl-C elsewhere).
pub struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the listeners on `rt`.
    pub fn install(rt: &tokio::runtime::Runtime) -> Result<Signals, AppError> {
        #[cfg(unix)]
        {
            let (int, term) = rt
                .block_on(async {
                    use tokio::signal::unix::{signal, SignalKind};
                    Ok::<_, std::io::Error>((
                        signal(SignalKind::interrupt())?,
                        signal(SignalKind::terminate())?,
                    ))
                })
                .map_err(|source| AppError::System {
                    what: "cannot install signal handlers",
                    source,
                })?;
            Ok(Signals { int, term })
        }
        #[cfg(not(unix))]
        {
            let _ = rt;
            Ok(Signals {})
        }
    }

    /// The next signal: its name and the exit code it stands for.
    pub async fn next(&mut self) -> (&'static str, u8) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => ("SIGINT", EXIT_SIGINT),
                _ = self.term.recv() => ("SIGTERM", EXIT_SIGTERM),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            ("Ctrl-C", EXIT_SIGINT)
        }
    }
}

/// Installs the handlers on `rt`. On a signal: stop, wait for requests in flight (at most
/// `timeout` + 5 s), sweep, call `on_stop`, exit with the signal's code.
pub fn watch(
    rt: &tokio::runtime::Runtime,
    sweep: Arc<Sweep>,
    abort: Arc<Abort>,
    timeout: Duration,
    on_stop: OnStop,
) -> Result<(), AppError> {
    let mut signals = Signals::install(rt)?;
    rt.spawn(async move {
        let (name, code) = signals.next().await;
        abort.stop();
        for ctx in sweep.contexts() {
            ctx.client.stop_retrying();
        }
        eprintln!("\n{name}: stopping the run; waiting for requests in flight, then deleting what this run created");
        let deadline = Instant::now() + timeout + Duration::from_secs(5);
        while abort.in_flight() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sweep.run().await;
        on_stop(name);
        std::process::exit(i32::from(code));
    });
    Ok(())
}
