//! The fake's webhook deliveries: each event the store emits is POSTed, in order,
//! to every registered target, as FunnelFox does: JSON, any 2xx acknowledges, and
//! anything else (or no answer) is retried with exponential backoff. On request,
//! an event is delivered twice, or an earlier delivery again, as FunnelFox's
//! at-least-once delivery may.

use serde_json::Value;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// How the fake re-sends a delivery that was not acknowledged: `attempts` in
/// all, the first re-send after `first`, each later one after twice the last,
/// at most `max` (FunnelFox's own schedule spans hours; the default, six
/// attempts from 20 ms, keeps a test with an unreachable target short).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redelivery {
    /// Attempts per event and target before the fake gives up (at least 1).
    pub attempts: u32,
    /// The wait before the first re-send.
    pub first: Duration,
    /// The longest wait between two attempts.
    pub max: Duration,
}

impl Redelivery {
    /// `attempts` in all, waits doubling from `first` up to `max`.
    pub fn new(attempts: u32, first: Duration, max: Duration) -> Self {
        Self {
            attempts: attempts.max(1),
            first,
            max,
        }
    }
}

impl Default for Redelivery {
    fn default() -> Self {
        Self::new(6, Duration::from_millis(20), Duration::from_secs(1))
    }
}

/// One delivery the fake made (or gave up on).
///
/// [`event`](Self::event) is the event as sent, raw; [`typed`](Self::typed)
/// reads it as the typed [`webhooks::Event`](crate::funnelfox::webhooks::Event)
/// your handler gets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The target URL.
    pub target: String,
    /// The event, as sent.
    pub event: Value,
    /// HTTP status of each attempt (0: no answer).
    pub statuses: Vec<u16>,
    /// Whether a 2xx acknowledged it.
    pub acknowledged: bool,
    /// Whether this is a second delivery of an event already delivered: a
    /// duplicate ([`FakeFunnelFox::duplicate_next`](super::FakeFunnelFox::duplicate_next),
    /// [`FakeFunnelFox::duplicate_every`](super::FakeFunnelFox::duplicate_every)) or a
    /// re-delivery ([`FakeFunnelFox::redeliver`](super::FakeFunnelFox::redeliver)),
    /// with the same `event_id` and body as the first.
    pub redelivered: bool,
}

impl WebhookDelivery {
    /// The event, typed, as [`webhooks::parse`](crate::funnelfox::webhooks::parse)
    /// reads it (the fake's events always parse).
    ///
    /// ```no_run
    /// # async fn run(fake: billing_clients::testing::FakeFunnelFox) {
    /// use billing_clients::funnelfox::webhooks::{EventType, Subtype};
    ///
    /// fake.webhooks_delivered().await;
    /// let first = fake.webhook_deliveries()[0].typed().unwrap();
    /// assert_eq!((first.event_type, first.subtype), (EventType::Order, Some(Subtype::Settled)));
    /// assert!(first.order.unwrap().subs_id.is_some(), "an order names what it bought");
    /// # }
    /// ```
    pub fn typed(&self) -> Result<crate::funnelfox::webhooks::Event, crate::funnelfox::webhooks::WebhookError> {
        crate::funnelfox::webhooks::parse(self.event.to_string().as_bytes())
    }
}

/// Deliveries still under way when a bounded wait
/// ([`FakeFunnelFox::webhooks_delivered_within`](super::FakeFunnelFox::webhooks_delivered_within))
/// ended: neither acknowledged nor given up on yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhooksPending {
    /// Events (duplicates and re-deliveries counted) not yet delivered to
    /// every target nor given up on.
    pub events: usize,
}

impl fmt::Display for WebhooksPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} webhook event(s) neither acknowledged nor given up on yet (an unreachable target? see FakeFunnelFox::set_redelivery)",
            self.events
        )
    }
}

impl std::error::Error for WebhooksPending {}

/// An event to deliver: to every target, or (a re-delivery) to one.
struct Job {
    event: Value,
    target: Option<String>,
    redelivered: bool,
}

/// Which later events are delivered twice.
#[derive(Default)]
pub(super) struct Duplicates {
    /// Every event.
    pub(super) every: bool,
    /// The next this many events.
    pub(super) next: usize,
}

/// Targets, the log of deliveries, and the queue feeding the delivering task.
#[derive(Clone)]
pub(super) struct Outbox {
    pub(super) targets: Arc<Mutex<Vec<String>>>,
    pub(super) log: Arc<Mutex<Vec<WebhookDelivery>>>,
    pub(super) redelivery: Arc<Mutex<Redelivery>>,
    pub(super) duplicates: Arc<Mutex<Duplicates>>,
    queue: mpsc::UnboundedSender<Job>,
    /// Jobs queued and not yet delivered (or given up on).
    pending: Arc<tokio::sync::watch::Sender<usize>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Outbox {
    /// Start the delivering task on the current runtime.
    pub(super) fn start() -> Self {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let (pending, _) = tokio::sync::watch::channel(0usize);
        let outbox = Outbox {
            targets: Arc::default(),
            log: Arc::default(),
            redelivery: Arc::default(),
            duplicates: Arc::default(),
            queue,
            pending: Arc::new(pending),
        };
        let worker = outbox.clone();
        tokio::spawn(async move {
            let http = crate::http_client_builder()
                .expect("a TLS configuration")
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default();
            while let Some(job) = jobs.recv().await {
                let targets = match job.target {
                    Some(target) => vec![target],
                    None => lock(&worker.targets).clone(),
                };
                let schedule = *lock(&worker.redelivery);
                for target in targets {
                    let delivery = deliver(&http, &target, &job.event, schedule, job.redelivered).await;
                    lock(&worker.log).push(delivery);
                }
                worker.pending.send_modify(|n| *n = n.saturating_sub(1));
            }
        });
        outbox
    }

    /// Queue events for delivery (nothing is sent without a target), each
    /// twice while [`Duplicates`] says so.
    pub(super) fn send(&self, events: Vec<Value>) {
        if lock(&self.targets).is_empty() {
            return;
        }
        for event in events {
            let twice = {
                let mut d = lock(&self.duplicates);
                let twice = d.every || d.next > 0;
                d.next = d.next.saturating_sub(1);
                twice
            };
            if twice {
                self.queue(event.clone(), None, false);
                self.queue(event, None, true);
            } else {
                self.queue(event, None, false);
            }
        }
    }

    /// Queue delivery `index` of the log again, to its target; `false` when
    /// there is no such delivery.
    pub(super) fn redeliver(&self, index: usize) -> bool {
        let Some(earlier) = lock(&self.log).get(index).cloned() else {
            return false;
        };
        self.queue(earlier.event, Some(earlier.target), true);
        true
    }

    fn queue(&self, event: Value, target: Option<String>, redelivered: bool) {
        self.pending.send_modify(|n| *n += 1);
        let job = Job {
            event,
            target,
            redelivered,
        };
        if self.queue.send(job).is_err() {
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
        }
    }

    /// Wait until every queued event was delivered or given up on.
    pub(super) async fn settled(&self) {
        let mut rx = self.pending.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Events queued and not yet delivered or given up on.
    pub(super) fn pending(&self) -> usize {
        *self.pending.borrow()
    }
}

async fn deliver(
    http: &reqwest::Client,
    target: &str,
    event: &Value,
    schedule: Redelivery,
    redelivered: bool,
) -> WebhookDelivery {
    let mut statuses = Vec::new();
    let mut delay = schedule.first;
    for attempt in 1..=schedule.attempts {
        let status = match http.post(target).json(event).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        statuses.push(status);
        if (200..300).contains(&status) {
            break;
        }
        if attempt < schedule.attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(schedule.max);
        }
    }
    let acknowledged = statuses.last().is_some_and(|s| (200..300).contains(s));
    WebhookDelivery {
        target: target.to_string(),
        event: event.clone(),
        statuses,
        acknowledged,
        redelivered,
    }
}
