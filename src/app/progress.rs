//! Progress on stderr for a long run: after two seconds, a bar counting finished trials and
//! failures — only when stderr is a terminal and libtest's own lines are not going to the same
//! terminal (stdout redirected, or `--logfile`): a bar redrawn between libtest's lines would
//! erase them. Nothing at all otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::outcome::TrialOutcome;

/// How long a run goes before the bar appears.
pub const DELAY: Duration = Duration::from_secs(2);

/// A running progress display; [`Progress::finish`] clears it.
pub struct Progress {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Progress {
    /// No display.
    pub fn none() -> Progress {
        Progress {
            stop: Arc::new(AtomicBool::new(true)),
            handle: None,
        }
    }

    /// Starts the display for `total` trials if the terminals allow it (`libtest_to_file`:
    /// libtest's lines go to a `--logfile`).
    pub fn start(
        total: usize,
        outcomes: Arc<Mutex<Vec<TrialOutcome>>>,
        libtest_to_file: bool,
    ) -> Progress {
        if total == 0
            || !std::io::stderr().is_terminal()
            || (std::io::stdout().is_terminal() && !libtest_to_file)
        {
            return Progress::none();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < DELAY {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(4),
            )
            .with_elapsed(started.elapsed());
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} trials{msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            while !flag.load(Ordering::Relaxed) {
                let (done, failed) = outcomes
                    .lock()
                    .map(|o| (o.len(), o.iter().filter(|t| t.verdict.fails_run()).count()))
                    .unwrap_or_default();
                bar.set_position(done as u64);
                bar.set_message(if failed > 0 {
                    format!(", {failed} not passed")
                } else {
                    String::new()
                });
                std::thread::sleep(Duration::from_millis(250));
            }
            bar.finish_and_clear();
        });
        Progress {
            stop,
            handle: Some(handle),
        }
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
