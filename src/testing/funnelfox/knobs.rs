//! What a test turns on a [`FakeFunnelFox`] besides its catalogue and clock:
//! webhook targets and how deliveries go (re-delivery, duplicates, waiting),
//! and answers that go wrong on purpose.

use super::{FakeFunnelFox, Mishap, Redelivery, WebhookDelivery, WebhooksPending};

impl FakeFunnelFox {
    /// Deliver the webhook events of every later change to `url` too (FunnelFox
    /// takes up to seven targets; the fake any number), as FunnelFox does: a JSON
    /// POST each, in order; any 2xx acknowledges; anything else is retried with
    /// exponential backoff (from 20 ms, 6 attempts in all; see
    /// [`FakeFunnelFox::set_redelivery`]).
    pub fn add_webhook_target(&self, url: impl Into<String>) {
        self.shared
            .outbox
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(url.into());
    }

    /// Make the next request to `operation` go wrong as `mishap` says (once;
    /// several queue in order).
    ///
    /// ```no_run
    /// # async fn run() {
    /// use billing_clients::funnelfox::OperationId;
    /// use billing_clients::testing::{FakeFunnelFox, Mishap};
    ///
    /// let fake = FakeFunnelFox::start().await;
    /// fake.mishap_next(OperationId::PaymentRefund, Mishap::DroppedAfterWork);
    /// # }
    /// ```
    pub fn mishap_next(&self, operation: crate::funnelfox::OperationId, mishap: Mishap) {
        self.shared.store().next_mishaps.push((operation, mishap));
    }

    /// Re-send unacknowledged deliveries on another schedule (default: six
    /// attempts, waits doubling from 20 ms); it applies from the next event on.
    pub fn set_redelivery(&self, schedule: Redelivery) {
        *self.shared.outbox.redelivery.lock().unwrap_or_else(|e| e.into_inner()) = schedule;
    }

    /// Every delivery made so far, oldest first (an index into it is what
    /// [`FakeFunnelFox::redeliver`] takes). [`WebhookDelivery::typed`] reads
    /// one's event as the typed event a handler gets; which events each action
    /// sends, in order, is the README's table "Which webhooks arrive for which
    /// action" (checked against this fake by `tests/webhook_table.rs`).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.outbox.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Wait until every event so far was delivered (acknowledged by a 2xx) or
    /// given up on, however long that takes.
    ///
    /// A target that does not acknowledge costs each event the whole
    /// [`Redelivery`] schedule before it is given up on (by default six
    /// attempts, about 0.6 s), and events are delivered one after the other: a
    /// test with an unreachable or failing target should bound its wait with
    /// [`FakeFunnelFox::webhooks_delivered_within`], or shorten the schedule
    /// with [`FakeFunnelFox::set_redelivery`] (`Redelivery::new(1, ..)`: one
    /// attempt, no waits).
    pub async fn webhooks_delivered(&self) {
        self.shared.outbox.settled().await;
    }

    /// Wait at most `limit` until every event so far was delivered or given
    /// up on (see [`FakeFunnelFox::webhooks_delivered`]); `Err` says how many
    /// are still under way when the time is up. The deliveries go on either
    /// way.
    ///
    /// ```no_run
    /// # async fn run() {
    /// use billing_clients::testing::FakeFunnelFox;
    /// use std::time::Duration;
    ///
    /// let fake = FakeFunnelFox::start().await;
    /// fake.add_webhook_target("http://127.0.0.1:9/nobody-listens");
    /// // ... actions ...
    /// if let Err(pending) = fake.webhooks_delivered_within(Duration::from_secs(2)).await {
    ///     panic!("{pending}");
    /// }
    /// # }
    /// ```
    pub async fn webhooks_delivered_within(&self, limit: std::time::Duration) -> Result<(), WebhooksPending> {
        match tokio::time::timeout(limit, self.shared.outbox.settled()).await {
            Ok(()) => Ok(()),
            Err(_) => Err(WebhooksPending {
                events: self.shared.outbox.pending(),
            }),
        }
    }

    /// Deliver each of the next `n` events twice (the same body and
    /// `event_id`, the second copy queued right after the first, marked
    /// [`WebhookDelivery::redelivered`]), as FunnelFox's at-least-once delivery
    /// may: for a test that a handler acts on an event once.
    pub fn duplicate_next(&self, n: usize) {
        self.shared
            .outbox
            .duplicates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next += n;
    }

    /// Deliver every later event twice (`true`), or once again (`false`, which
    /// also cancels [`FakeFunnelFox::duplicate_next`]).
    pub fn duplicate_every(&self, on: bool) {
        let mut d = self.shared.outbox.duplicates.lock().unwrap_or_else(|e| e.into_inner());
        d.every = on;
        if !on {
            d.next = 0;
        }
    }

    /// Deliver an earlier delivery again, now: entry `index` of
    /// [`FakeFunnelFox::webhook_deliveries`], the same event to the same
    /// target, queued after what is already queued (so it arrives after later
    /// events: an out-of-order delivery), on the [`Redelivery`] schedule and
    /// marked [`WebhookDelivery::redelivered`]. Wait with
    /// [`FakeFunnelFox::webhooks_delivered`] as for any event.
    ///
    /// # Panics
    ///
    /// When there is no delivery `index` (yet: wait for the deliveries first).
    pub fn redeliver(&self, index: usize) {
        assert!(
            self.shared.outbox.redeliver(index),
            "no webhook delivery {index}: {} so far (wait with webhooks_delivered() first)",
            self.webhook_deliveries().len()
        );
    }
}
