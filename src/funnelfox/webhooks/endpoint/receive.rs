//! One delivery through the endpoint's steps, cheapest refusal first: nothing
//! a forged request can reach costs an API call, a store call or a handler run.

use super::super::{Claim, Confirmation, Delivery, MAX_BODY};
use super::Endpoint;
use axum::http::StatusCode;
use std::fmt;
use std::future::Future;

impl<F, Fut, E> Endpoint<F>
where
    F: Fn(Delivery) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: fmt::Display,
{
    pub(super) async fn receive(&self, request: axum::extract::Request) -> Answer {
        let (parts, body) = request.into_parts();
        // The URI is never logged: its query holds the token.
        if let Some(token) = &self.token
            && !token.accepts(parts.uri.query())
        {
            tracing::warn!(
                path = parts.uri.path(),
                "FunnelFox webhook refused: no accepted token in the URL's query"
            );
            return answer(StatusCode::FORBIDDEN, "forbidden");
        }
        let _slot = match &self.running {
            Some(running) => match running.clone().try_acquire_owned() {
                Ok(slot) => Some(slot),
                Err(_) => return retry_later("too many deliveries at once"),
            },
            None => None,
        };
        let body = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => body,
            Err(_) => return answer(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
        };
        if let Some(verifier) = &self.verifier
            && let Err(refusal) = verifier.verify(&body, &parts.headers)
        {
            tracing::warn!(reason = %refusal, "FunnelFox webhook refused by the verifier");
            return answer(StatusCode::FORBIDDEN, "forbidden");
        }
        let mut delivery = match Delivery::new(body, parts.headers) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "FunnelFox webhook refused");
                return answer(StatusCode::BAD_REQUEST, "not a FunnelFox event");
            }
        };
        if let Err(refused) = self.confirm(&mut delivery).await {
            return refused;
        }
        self.claim_and_handle(delivery).await
    }

    /// Read back an event of the configured types. Before the claim: a forged
    /// event then costs no store call and never holds its key.
    async fn confirm(&self, delivery: &mut Delivery) -> Result<(), Answer> {
        let Some((client, types)) = &self.read_back else {
            return Ok(());
        };
        if !types.contains(&delivery.event.event_type) {
            return Ok(());
        }
        let key = &delivery.key;
        match super::super::read_back(client, delivery).await {
            Ok(Confirmation::Confirmed(how)) => {
                delivery.verified = Some(how);
                Ok(())
            }
            Ok(Confirmation::NotConfirmed(why)) => {
                tracing::warn!(event = %key, reason = %why, "FunnelFox webhook not confirmed by the API; refused");
                Err(answer(StatusCode::CONFLICT, "not confirmed"))
            }
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, event = %key, "FunnelFox webhook read-back failed; FunnelFox will retry");
                Err(retry_later("read-back unavailable"))
            }
        }
    }

    async fn claim_and_handle(&self, delivery: Delivery) -> Answer {
        let dedup = &self.dedup;
        let key = delivery.key.clone();
        let token = match dedup.claim(&key, self.lease).await {
            Ok(Claim::Claimed(token)) => token,
            Ok(Claim::Done) => return answer(StatusCode::OK, "already processed"),
            Ok(Claim::InProgress) => return retry_later("in progress elsewhere"),
            Err(e) => {
                tracing::warn!(error = %e, event = %key, "FunnelFox webhook not claimed; FunnelFox will retry");
                return retry_later("store unavailable");
            }
        };
        let handled = (self.handle)(delivery).await.map_err(|e| e.to_string());
        match handled {
            Ok(()) => match dedup.complete(&key, &token).await {
                Ok(()) => answer(StatusCode::OK, "processed"),
                Err(e) => {
                    // Processed, but not recorded: the claim stays until its lease
                    // ends, so a re-send within it is not run again.
                    tracing::warn!(error = %e, event = %key, "FunnelFox webhook processed but not recorded");
                    answer(StatusCode::OK, "processed")
                }
            },
            Err(why) => {
                tracing::warn!(error = %why, event = %key, "FunnelFox webhook handler failed; FunnelFox will retry");
                if let Err(e) = dedup.release(&key, &token).await {
                    tracing::warn!(error = %e, event = %key, "claim not released; it ends with its lease");
                }
                answer(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
            }
        }
    }
}

pub(super) type Answer = (StatusCode, [(&'static str, &'static str); 1], &'static str);

fn answer(status: StatusCode, text: &'static str) -> Answer {
    (status, [("cache-control", "no-store")], text)
}

/// 503 with `Retry-After`: any non-2xx makes FunnelFox deliver again later.
fn retry_later(text: &'static str) -> Answer {
    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "30")], text)
}
