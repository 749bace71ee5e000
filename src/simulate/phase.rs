//! Runs a stage's tasks with bounded width: at most `width` tasks at once, no new task once the
//! run stops (unless the stage ignores stops, as the cleanup does).

use std::future::Future;

use tokio::task::JoinSet;

use super::stop::Stop;

/// Runs `f(item)` for every item, at most `width` at a time, each in its own task; stops
/// starting new ones when `stop` trips (unless `ignore_stop`). Returns how many were started.
pub async fn run_all<T, F, Fut>(
    items: impl IntoIterator<Item = T>,
    width: usize,
    stop: &Stop,
    ignore_stop: bool,
    f: F,
) -> usize
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut set = JoinSet::new();
    let mut started = 0;
    for item in items {
        if !ignore_stop && stop.stopped() {
            break;
        }
        while set.len() >= width.max(1) {
            let _ = set.join_next().await;
        }
        set.spawn(f(item));
        started += 1;
    }
    while set.join_next().await.is_some() {}
    started
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn width_bounds_the_tasks_in_flight() {
        let stop = Stop::new(Duration::from_secs(60));
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let started = run_all(0..20, 3, &stop, false, |_| {
            let (now, peak) = (now.clone(), peak.clone());
            async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            }
        })
        .await;
        assert_eq!(started, 20);
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        stop.signal("SIGINT");
        assert_eq!(run_all(0..5, 3, &stop, false, |_| async {}).await, 0);
        assert_eq!(run_all(0..5, 3, &stop, true, |_| async {}).await, 5);
    }
}
