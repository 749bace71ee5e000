//! In-memory reference SCIM 2.0 server (axum) that behaves the way Microsoft Entra ID provisioning
//! needs, in both Entra PATCH dialects, with switchable faults for the project's self-tests.

// Request input is arbitrary text: slicing it by byte offsets can panic mid-character.
#![deny(clippy::string_slice)]

pub mod discovery;
pub mod error;
pub mod faults;
pub mod filter;
pub mod kind;
pub mod load;
pub mod normalize;
pub mod oauth;
pub mod patch;
pub mod projection;
pub mod refusals;
mod request;
mod resources;
mod routes;
pub mod store;
#[cfg(test)]
mod tests;
pub mod util;

pub use error::ScimError;
pub use faults::{Fault, FaultCategory};
pub use load::RateLimit;
pub use store::ResourceKind;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How the reference server behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Bearer token required on every route.
    pub token: String,
    /// Mount point, e.g. `/scim`; may be empty or several segments deep.
    pub base_path: String,
    /// Deliberate defects to switch on.
    pub faults: BTreeSet<Fault>,
    /// When false every /Groups route answers 404 (a vendor without groups).
    pub groups_enabled: bool,
    /// Attributes POST/PUT/PATCH of a User must leave present (400 invalidValue otherwise).
    pub required_user_attributes: Vec<String>,
    /// Attributes POST/PUT/PATCH of a Group must leave present (400 invalidValue otherwise).
    pub required_group_attributes: Vec<String>,
    /// Wait this long before answering each request (a slow endpoint; default zero).
    pub delay: std::time::Duration,
    /// Act as an OAuth 2.0 token endpoint at `/oauth2/token` (client credentials); issued
    /// access tokens are accepted besides `token`.
    pub oauth: Option<oauth::OAuthConfig>,
    /// A token bucket over all requests; over it, 429 with `Retry-After` (default none).
    pub rate_limit: Option<RateLimit>,
    /// Read-after-write lag: a resource created less than this long ago is invisible to filters
    /// (still visible by id). Default zero.
    pub filter_lag: std::time::Duration,
    /// This fraction (0.0 to 1.0) of requests answers 500 without being handled, the same
    /// requests for the same `seed`. Default 0.0.
    pub error_share: f64,
    /// A DELETE of a user deactivates it (`active` false) instead of removing it, as some
    /// vendors' guides say (a vendor emulation switch, not a fault). Default off.
    pub delete_deactivates: bool,
    /// Seed for `error_share` (default 0).
    pub seed: u64,
    /// The requests `error_share` picks are carried out (their change kept) before the 500 is
    /// sent, as behind a gateway that gives up after the backend committed; a client that
    /// retries such a create makes a second one. Default off (the 500 comes without a change).
    pub error_after_commit: bool,
}

impl ServerConfig {
    /// Defaults: base path `/scim`, no faults, groups on, userName / displayName required.
    pub fn new(token: impl Into<String>) -> Self {
        ServerConfig {
            token: token.into(),
            base_path: "/scim".into(),
            faults: BTreeSet::new(),
            groups_enabled: true,
            required_user_attributes: vec!["userName".into()],
            required_group_attributes: vec!["displayName".into()],
            delay: std::time::Duration::ZERO,
            oauth: None,
            rate_limit: None,
            filter_lag: std::time::Duration::ZERO,
            error_share: 0.0,
            delete_deactivates: false,
            seed: 0,
            error_after_commit: false,
        }
    }

    /// True if `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// True if /Groups is served (groups enabled and the `groups-unsupported` fault off).
    pub fn groups_served(&self) -> bool {
        self.groups_enabled && !self.has(Fault::GroupsUnsupported)
    }
}

/// `""` or `/a/b` (leading slash, no trailing slash).
fn normalize_base_path(p: &str) -> String {
    let trimmed = p.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

#[derive(Debug)]
struct Inner {
    config: ServerConfig,
    base_path: String,
    fallback_origin: String,
    store: Mutex<store::Store>,
    issuer: oauth::Issuer,
    governor: load::Governor,
}

/// Shared server state (configuration and store); cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// State for `config`; locations fall back to `http://localhost` when a request has no Host.
    pub fn new(config: ServerConfig) -> Self {
        Self::with_origin(config, "http://localhost".into())
    }

    fn with_origin(config: ServerConfig, fallback_origin: String) -> Self {
        AppState {
            inner: Arc::new(Inner {
                base_path: normalize_base_path(&config.base_path),
                config,
                fallback_origin,
                store: Mutex::new(store::Store::new()),
                issuer: oauth::Issuer::default(),
                governor: load::Governor::default(),
            }),
        }
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The OAuth token issuer (tokens issued, requests answered).
    pub fn issuer(&self) -> &oauth::Issuer {
        &self.inner.issuer
    }

    /// The normalised base path (`""` or `/x/y`).
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    fn governor(&self) -> &load::Governor {
        &self.inner.governor
    }

    fn fallback_origin(&self) -> &str {
        &self.inner.fallback_origin
    }

    fn store(&self) -> MutexGuard<'_, store::Store> {
        self.inner
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `{"Users":[...],"Groups":[...]}`: every stored resource as stored, sorted by id.
    pub fn dump(&self) -> serde_json::Value {
        self.store().dump()
    }

    /// Inserts a resource directly (no HTTP, no validation); returns its new id.
    ///
    /// # Panics
    /// If `resource_type` is not `User`, `Users`, `Group` or `Groups` (any case).
    pub fn seed(&self, resource_type: &str, resource: serde_json::Value) -> String {
        let kind = ResourceKind::from_name(resource_type)
            .unwrap_or_else(|| panic!("seed: unknown resource type `{resource_type}`"));
        let base = format!("{}{}", self.fallback_origin(), self.base_path());
        self.store().seed(kind, resource, &base)
    }
}

/// The axum router serving every SCIM route under the configured base path.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .fallback(routes::dispatch)
        .with_state(state)
}

/// A server started by [`spawn`].
#[derive(Debug)]
pub struct RunningServer {
    base_url: url::Url,
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    state: AppState,
}

impl RunningServer {
    /// Absolute base URL including the base path, always ending with `/`.
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// The shared state (configuration and store).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Every stored resource as stored: `{"Users":[...],"Groups":[...]}`, each sorted by id.
    pub fn dump(&self) -> serde_json::Value {
        self.state.dump()
    }

    /// Inserts a resource directly (no HTTP, no validation); returns its new id.
    ///
    /// # Panics
    /// If `resource_type` is not `User`, `Users`, `Group` or `Groups` (any case).
    pub fn seed(&self, resource_type: &str, resource: serde_json::Value) -> String {
        self.state.seed(resource_type, resource)
    }

    /// Stops accepting connections and waits (up to 5 s) for the server task to finish.
    pub async fn shutdown(self) {
        let RunningServer {
            shutdown, handle, ..
        } = self;
        let _ = shutdown.send(());
        let abort = handle.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// How long a client may take to send a request's headers (a slow-header client is cut off,
/// so no connection is held open forever).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `shutdown` fires, serving each over HTTP/1.1 with a bounded header
/// read time; on shutdown the open connections are closed.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let app = app.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let mut app = app.clone();
                        tower_service::Service::call(&mut app, req.map(axum::body::Body::new))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    connections.shutdown().await;
    Ok(())
}

/// Binds `addr` (use `127.0.0.1:0` in tests) and serves the reference server in a tokio task
/// (HTTP/1.1, headers read within [`HEADER_READ_TIMEOUT`]). Dropping the returned handle stops
/// it: no new connection is accepted and open ones are closed.
pub async fn spawn(config: ServerConfig, addr: SocketAddr) -> std::io::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let origin = format!("http://{local}");
    let state = AppState::with_origin(config, origin.clone());
    let base_url = url::Url::parse(&format!("{origin}{}/", state.base_path()))
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let handle = tokio::spawn(serve_connections(listener, app, rx));
    Ok(RunningServer {
        base_url,
        shutdown: tx,
        handle,
        state,
    })
}
