//! Guards one WebSocket connection against a client that floods it: a rate of incoming
//! messages, and a number of subscriptions open at once. A connection over either limit is
//! closed; the client's other connections and everyone else's carry on.

use std::collections::HashSet;
use std::num::NonZeroU32;

use axum::extract::ws::Message;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;

/// How many messages a connection may send at once before the rate applies.
const BURST_SECONDS: u32 = 5;

pub struct MessageGuard {
    rate: Option<DefaultDirectRateLimiter>,
    open: HashSet<String>,
    max_subscriptions: usize,
}

/// The part of a graphql-transport-ws (or legacy graphql-ws) message the guard reads.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// Why a connection was closed.
#[derive(Debug, PartialEq, Eq)]
pub enum Flood {
    TooManyMessages,
    TooManySubscriptions,
}

impl MessageGuard {
    /// `messages_per_second` and `max_subscriptions` of 0 mean no limit.
    pub fn new(messages_per_second: u32, max_subscriptions: usize) -> Self {
        let rate = NonZeroU32::new(messages_per_second).map(|per_second| {
            let burst = per_second
                .saturating_mul(NonZeroU32::new(BURST_SECONDS).unwrap_or(NonZeroU32::MIN));
            RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst))
        });
        Self {
            rate,
            open: HashSet::new(),
            max_subscriptions,
        }
    }

    /// Whether the connection may go on after `message`.
    pub fn admit(&mut self, message: &Message) -> Result<(), Flood> {
        if let Some(rate) = &self.rate
            && rate.check().is_err()
        {
            return Err(Flood::TooManyMessages);
        }
        // Malformed messages are the protocol handler's to refuse.
        let Some(envelope) = envelope(message) else {
            return Ok(());
        };
        match (envelope.kind.as_str(), envelope.id) {
            ("subscribe" | "start", Some(id)) => {
                self.open.insert(id);
                if self.max_subscriptions > 0 && self.open.len() > self.max_subscriptions {
                    return Err(Flood::TooManySubscriptions);
                }
            }
            ("complete" | "stop", Some(id)) => {
                self.open.remove(&id);
            }
            _ => {}
        }
        Ok(())
    }

    /// Notes a message the server sends: a `complete` ends that subscription (a query or
    /// mutation sent over the socket completes after its one result).
    pub fn sent(&mut self, message: &Message) {
        // Most outgoing messages are results (`next`); only `complete` matters here.
        let Message::Text(text) = message else {
            return;
        };
        if !text.as_str().contains("\"complete\"") {
            return;
        }
        if let Some(Envelope { kind, id: Some(id) }) = envelope(message)
            && kind == "complete"
        {
            self.open.remove(&id);
        }
    }
}

/// The protocol handler reads text and binary frames alike, so both are counted.
fn envelope(message: &Message) -> Option<Envelope> {
    let bytes: &[u8] = match message {
        Message::Text(text) => text.as_str().as_bytes(),
        Message::Binary(bytes) => bytes,
        _ => return None,
    };
    serde_json::from_slice(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribe(id: &str) -> Message {
        Message::text(format!(
            r#"{{"type":"subscribe","id":"{id}","payload":{{"query":"{{ __typename }}"}}}}"#
        ))
    }

    #[test]
    fn subscriptions_count_until_completed() {
        let mut guard = MessageGuard::new(0, 2);
        assert_eq!(guard.admit(&subscribe("1")), Ok(()));
        assert_eq!(guard.admit(&subscribe("2")), Ok(()));
        assert_eq!(
            guard.admit(&Message::text(r#"{"type":"complete","id":"1"}"#)),
            Ok(())
        );
        assert_eq!(guard.admit(&subscribe("3")), Ok(()));
        assert_eq!(
            guard.admit(&subscribe("4")),
            Err(Flood::TooManySubscriptions)
        );
    }

    #[test]
    fn binary_frames_count_like_text() {
        let mut guard = MessageGuard::new(0, 1);
        let binary = |id: &str| {
            Message::Binary(
                format!(r#"{{"type":"subscribe","id":"{id}","payload":{{}}}}"#)
                    .into_bytes()
                    .into(),
            )
        };
        assert_eq!(guard.admit(&binary("1")), Ok(()));
        assert_eq!(guard.admit(&binary("2")), Err(Flood::TooManySubscriptions));
    }

    #[test]
    fn the_server_completing_an_operation_frees_its_place() {
        let mut guard = MessageGuard::new(0, 1);
        assert_eq!(guard.admit(&subscribe("1")), Ok(()));
        guard.sent(&Message::text(r#"{"type":"next","id":"1","payload":{}}"#));
        guard.sent(&Message::text(r#"{"type":"complete","id":"1"}"#));
        assert_eq!(guard.admit(&subscribe("2")), Ok(()));
        assert_eq!(
            guard.admit(&subscribe("3")),
            Err(Flood::TooManySubscriptions)
        );
    }

    #[test]
    fn a_burst_passes_and_a_flood_does_not() {
        let mut guard = MessageGuard::new(2, 0);
        let ping = Message::text(r#"{"type":"ping"}"#);
        for _ in 0..2 * BURST_SECONDS {
            assert_eq!(guard.admit(&ping), Ok(()));
        }
        assert_eq!(guard.admit(&ping), Err(Flood::TooManyMessages));
    }

    #[test]
    fn no_limits_when_both_are_zero() {
        let mut guard = MessageGuard::new(0, 0);
        for i in 0..1_000 {
            assert_eq!(guard.admit(&subscribe(&i.to_string())), Ok(()));
        }
    }
}
