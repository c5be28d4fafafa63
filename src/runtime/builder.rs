//! Client configuration shared by both providers: a typed builder whose
//! provider-specific setters live in the provider modules.

use super::retry::RetryPolicy;
use super::spec::RetryClass;
use super::{Api, Core, url};
use crate::error::{Error, InvalidInput, Violation};
use secrecy::SecretString;
use std::marker::PhantomData;

use std::sync::Arc;
use std::time::Duration;

/// Limits applied to every call; set per client with [`Builder`], per call with
/// the clients' `with_options`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOptions {
    /// Limit for one attempt, from connecting to the end of the body (default 30 s,
    /// as FunnelFox's own SDK).
    pub attempt_timeout: Duration,
    /// Limit for the whole call, retries and backoff included (default 60 s).
    pub call_timeout: Duration,
    /// How failed attempts are retried (see [`RetryPolicy`]).
    pub retry: RetryPolicy,
    /// Largest response body read (default 256 KiB; real responses are under 4 KiB).
    pub max_response_bytes: usize,
    /// Whether a failed attempt may be re-sent; `None` (the default): the
    /// operation's retry class from the spec (`x-billing-retry`).
    pub retry_class: Option<RetryClass>,
    /// Whether the API key is sent; `None` (the default): where the operation's
    /// `security` asks for it.
    pub send_key: Option<bool>,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(30),
            call_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            max_response_bytes: 256 * 1024,
            retry_class: None,
            send_key: None,
        }
    }
}

/// Configuration of a client; start from `funnelfox::Client::builder` or
/// `closient::Client::builder`.
#[derive(Debug)]
#[must_use]
pub struct Builder<C> {
    pub(crate) variables: Vec<(&'static str, String)>,
    pub(crate) secret: Option<SecretString>,
    base_url: Option<String>,
    user_agent: Option<String>,
    connect_timeout: Duration,
    options: CallOptions,
    http: Option<reqwest::Client>,
    budget: Option<super::retry::RetryBudget>,
    hooks: super::hooks::Hooks,
    pacing: Option<bool>,
    pacer: Option<super::pacing::Pacer>,
    journal: Option<Arc<dyn super::intents::Journal>>,
    _client: PhantomData<fn() -> C>,
}

impl<C: Api> Builder<C> {
    pub(crate) fn new() -> Self {
        Self {
            variables: Vec::new(),
            secret: None,
            base_url: None,
            user_agent: None,
            connect_timeout: Duration::from_secs(5),
            options: CallOptions::default(),
            http: None,
            budget: None,
            hooks: Default::default(),
            pacing: None,
            pacer: None,
            journal: None,
            _client: PhantomData,
        }
    }

    /// Send requests here instead of the spec's server (a proxy, or a fake server
    /// in tests). A template like the spec's: it must contain each server variable
    /// (FunnelFox: `https://proxy.example.com/funnelfox/{org_id}/v1`). Must be
    /// https, or http to a loopback address.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Limit for the whole call, retries included.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.options.call_timeout = d;
        self
    }

    /// Limit for one attempt.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.options.attempt_timeout = d;
        self
    }

    /// Limit for establishing a connection (default 5 s; ignored with
    /// [`Builder::http_client`], whose own setting applies).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How failed attempts are retried; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = policy;
        self
    }

    /// Share this retry budget (by default each client, with its clones, has its
    /// own: 20 % of recent requests plus 10 retries; [`RetryBudget::unlimited`]
    /// turns it off).
    ///
    /// [`RetryBudget::unlimited`]: super::retry::RetryBudget::unlimited
    pub fn retry_budget(mut self, budget: super::retry::RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Largest response body read before the call fails.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.options.max_response_bytes = n;
        self
    }

    /// The `User-Agent` header (default `billing-clients/VERSION`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Use this `reqwest::Client` (its pool, proxy and TLS settings). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: this crate never follows a
    /// redirect, but cannot stop a client that does; an answer that comes from
    /// another URL than the one requested fails with [`crate::Error::Redirect`]
    /// unread, though the redirected request (and any header reqwest kept) was
    /// already sent.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Run `hook` around every attempt of this client's calls (your own
    /// headers, metrics); hooks run in the order added. See [`super::hooks::Hook`].
    pub fn hook(mut self, hook: impl super::hooks::Hook) -> Self {
        self.hooks.0.push(Arc::new(hook));
        self
    }

    /// Pace calls from the server's rate-limit headers (`RateLimit-*`,
    /// `X-RateLimit-*`) so that replicas sharing a key do not meet 429 (see
    /// [`pacing`](super::pacing)). On by default for providers that send them
    /// (Closient), off for the others (FunnelFox); `false` turns it off.
    ///
    /// ```
    /// let key = billing_clients::closient::api_key::with_checksum("csb", &"a".repeat(32));
    /// let client = billing_clients::closient::Client::builder(key).pacing(false).build()?;
    /// # Ok::<(), billing_clients::Error>(())
    /// ```
    pub fn pacing(mut self, on: bool) -> Self {
        self.pacing = Some(on);
        self
    }

    /// Pace by this [`Pacer`](super::pacing::Pacer) (turning pacing on): keep a
    /// clone to read what the server last said ([`Pacer::last_seen`]), or give
    /// it to several clients of one key to pace them together. By default each
    /// client, with its clones, has its own.
    ///
    /// [`Pacer::last_seen`]: super::pacing::Pacer::last_seen
    pub fn pacer(mut self, pacer: super::pacing::Pacer) -> Self {
        self.pacer = Some(pacer);
        self.pacing = Some(true);
        self
    }

    /// Write the intents of calls given `.intent(..)` here (see
    /// [`intents`](super::intents)): a [`FileJournal`] for one process, a
    /// [`PostgresJournal`] for a fleet. By default each client, with its clones,
    /// has a [`MemoryJournal`](super::intents::MemoryJournal): what a crash forgets.
    ///
    /// ```
    /// use billing_clients::runtime::intents::MemoryJournal;
    /// use std::sync::Arc;
    ///
    /// let client = billing_clients::funnelfox::Client::builder("my-org")
    ///     .journal(Arc::new(MemoryJournal::new()))
    ///     .build()?;
    /// # Ok::<(), billing_clients::Error>(())
    /// ```
    ///
    /// [`FileJournal`]: super::intents
    /// [`PostgresJournal`]: super::intents
    pub fn journal(mut self, journal: Arc<dyn super::intents::Journal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Check everything and build the client.
    pub fn build(self) -> Result<C, Error> {
        let provider = C::provider();
        let vars: Vec<(&str, &str)> = self.variables.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let base_url = url::render(provider.spec, self.base_url.as_deref(), &vars)?;
        if let Some(secret) = &self.secret {
            (provider.check_secret)(secret)?;
        }
        let ua = self
            .user_agent
            .unwrap_or_else(|| concat!("billing-clients/", env!("CARGO_PKG_VERSION")).into());
        let user_agent = reqwest::header::HeaderValue::from_str(&ua).map_err(|_| {
            InvalidInput::new(
                None,
                "user_agent",
                Violation::Format("is not a valid header value".into()),
            )
        })?;
        // Installs this crate's crypto provider process-wide unless one is, so that
        // the application's own reqwest clients (built after this) work too; see
        // [`install_crypto_provider`].
        super::tls::install();
        let http = match self.http {
            Some(http) => http,
            // Redirects are never followed (see `RedirectError`).
            None => http_client_builder()?
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| InvalidInput::new(None, "http_client", Violation::Format(e.to_string())))?,
        };
        let parsed_base = reqwest::Url::parse(&base_url)
            .map_err(|e| InvalidInput::new(None, "base_url", Violation::Format(e.to_string())))?;
        let host = parsed_base.host_str().unwrap_or_default().to_string();
        let port = parsed_base.port_or_known_default().unwrap_or(443);
        let core = Core {
            provider,
            http,
            base_url,
            parsed_base,
            fixed_urls: provider.spec.operations.iter().map(|_| Default::default()).collect(),
            host,
            port,
            secret: self.secret,
            user_agent,
            options: self.options,
            budget: self.budget.unwrap_or_default(),
            hooks: self.hooks,
            pacer: match self.pacing.unwrap_or(provider.paces) {
                true => Some(self.pacer.unwrap_or_default()),
                false => None,
            },
            journal: self
                .journal
                .unwrap_or_else(|| Arc::new(super::intents::MemoryJournal::new())),
        };
        Ok(C::from_core(Arc::new(core)))
    }
}

/// A `reqwest::ClientBuilder` set up as the clients' own: TLS through rustls
/// with this crate's crypto provider (`ring`, or `aws-lc-rs`) and the
/// platform's verifier, and redirects never followed. Start here to tune a
/// client for [`Builder::http_client`] (pool, proxy, timeouts) without a second
/// TLS stack in the build:
///
/// ```
/// use std::time::Duration;
///
/// let http = billing_clients::http_client_builder()?
///     .pool_idle_timeout(Duration::from_secs(30))
///     .build()
///     .expect("a reqwest client");
/// let client = billing_clients::funnelfox::Client::builder("my-org").http_client(http).build()?;
/// # Ok::<(), billing_clients::Error>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    let tls = super::tls::config().map_err(|e| InvalidInput::new(None, "http_client", Violation::Format(e)))?;
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls))
}

/// Install this crate's rustls crypto provider (`ring`, or `aws-lc-rs` with
/// that feature) as the process-wide default, unless one is installed already
/// (then nothing changes: yours, a FIPS one say, is kept and used by this crate
/// too). Building any client of this crate (or [`http_client_builder`]) does
/// this; call it first only when the application builds its own `reqwest`
/// 0.13 client (`reqwest::Client::new()`) before any billing client: cargo
/// unifies this crate's reqwest feature `rustls-no-provider` into that client,
/// which then panics "No rustls crypto provider is configured" without one.
///
/// ```
/// billing_clients::install_crypto_provider()?;
/// let other = reqwest::Client::new(); // the application's own client
/// # drop(other);
/// # Ok::<(), billing_clients::Error>(())
/// ```
///
/// Fails (as [`Error::InvalidInput`], [`crate::ErrorClass::Configuration`])
/// only with neither provider feature on and none installed.
pub fn install_crypto_provider() -> Result<(), Error> {
    super::tls::provider()
        .map(drop)
        .map_err(|e| InvalidInput::new(None, "http_client", Violation::Format(e)).into())
}

/// A client built from environment variables: an error about a setting
/// (`field`) names the variable (`var`) it was read from instead, for each
/// `(field, var)` in `read`.
pub(crate) fn read_from<T>(result: Result<T, Error>, read: &[(&str, &'static str)]) -> Result<T, Error> {
    match result {
        Err(Error::InvalidInput(mut e)) if e.operation.is_none() => {
            if let Some((_, var)) = read.iter().find(|(field, _)| e.field == *field) {
                e.field = var.to_string();
            }
            Err(Error::InvalidInput(e))
        }
        other => other,
    }
}

/// The environment variable `name`, if set and not empty.
pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
