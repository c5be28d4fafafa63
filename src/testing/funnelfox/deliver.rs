//! The fake's webhook deliveries: each event the store emits is POSTed, in order,
//! to every registered target, as FunnelFox does: JSON, any 2xx acknowledges, and
//! anything else (or no answer) is retried with exponential backoff.

use serde_json::Value;
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
}

/// Targets, the log of deliveries, and the queue feeding the delivering task.
#[derive(Clone)]
pub(super) struct Outbox {
    pub(super) targets: Arc<Mutex<Vec<String>>>,
    pub(super) log: Arc<Mutex<Vec<WebhookDelivery>>>,
    pub(super) redelivery: Arc<Mutex<Redelivery>>,
    queue: mpsc::UnboundedSender<Value>,
    /// Events queued and not yet delivered (or given up on).
    pending: Arc<tokio::sync::watch::Sender<usize>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Outbox {
    /// Start the delivering task on the current runtime.
    pub(super) fn start() -> Self {
        let (queue, mut events) = mpsc::unbounded_channel::<Value>();
        let (pending, _) = tokio::sync::watch::channel(0usize);
        let outbox = Outbox {
            targets: Arc::default(),
            log: Arc::default(),
            redelivery: Arc::default(),
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
            while let Some(event) = events.recv().await {
                let targets = lock(&worker.targets).clone();
                let schedule = *lock(&worker.redelivery);
                for target in targets {
                    let delivery = deliver(&http, &target, &event, schedule).await;
                    lock(&worker.log).push(delivery);
                }
                worker.pending.send_modify(|n| *n = n.saturating_sub(1));
            }
        });
        outbox
    }

    /// Queue events for delivery (nothing is sent without a target).
    pub(super) fn send(&self, events: Vec<Value>) {
        if lock(&self.targets).is_empty() {
            return;
        }
        for event in events {
            self.pending.send_modify(|n| *n += 1);
            if self.queue.send(event).is_err() {
                self.pending.send_modify(|n| *n = n.saturating_sub(1));
            }
        }
    }

    /// Wait until every queued event was delivered or given up on.
    pub(super) async fn settled(&self) {
        let mut rx = self.pending.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

async fn deliver(http: &reqwest::Client, target: &str, event: &Value, schedule: Redelivery) -> WebhookDelivery {
    let mut statuses = Vec::new();
    let mut delay = schedule.first;
    for attempt in 1..=schedule.attempts {
        let status = match http.post(target).json(event).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        statuses.push(status);
        if (200..300).contains(&status) {
            return WebhookDelivery {
                target: target.to_string(),
                event: event.clone(),
                statuses,
                acknowledged: true,
            };
        }
        if attempt < schedule.attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(schedule.max);
        }
    }
    WebhookDelivery {
        target: target.to_string(),
        event: event.clone(),
        statuses,
        acknowledged: false,
    }
}
