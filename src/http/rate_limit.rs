//! Per-address limits in front of the API: requests per second (tower_governor) and open
//! WebSocket connections. A whole venue may sit behind one NAT address, so these are
//! generous; the tight limits are per participant, in the services.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use tower_governor::GovernorError;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;

use super::lock;
use crate::auth::limits::ClientAddr;
use crate::state::AppState;

/// The client's address: the peer, or the first `X-Forwarded-For` hop when a trusted
/// reverse proxy sets it. Requests without either (in-process tests) share one key.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp {
    pub trust_forwarded_for: bool,
}

impl ClientIp {
    pub fn of<T>(&self, request: &Request<T>) -> IpAddr {
        self.address(request.headers(), request.extensions())
    }

    fn address(&self, headers: &HeaderMap, extensions: &Extensions) -> IpAddr {
        let forwarded = self
            .trust_forwarded_for
            .then(|| headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|first| first.trim().parse().ok());
        forwarded
            .or_else(|| {
                extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip())
            })
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// The client's address for the handlers that limit per address, worked out when they ask
/// rather than by a layer in front of every request.
impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let client_ip = ClientIp {
            trust_forwarded_for: state.config.trust_forwarded_for,
        };
        Ok(ClientAddr(
            client_ip.address(&parts.headers, &parts.extensions),
        ))
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(self.of(request))
    }
}

/// The shared per-address limiter inside a quota.
pub type IpLimiter = governor::RateLimiter<
    IpAddr,
    governor::state::keyed::DefaultKeyedStateStore<IpAddr>,
    governor::clock::QuantaClock,
    NoOpMiddleware<governor::clock::QuantaInstant>,
>;

/// The per-address request quota, or `None` when switched off (`per_second == 0`).
pub fn per_ip_quota(
    per_second: u32,
    burst: u32,
    client_ip: ClientIp,
) -> Option<Arc<GovernorConfig<ClientIp, NoOpMiddleware>>> {
    if per_second == 0 {
        return None;
    }
    GovernorConfigBuilder::default()
        .per_nanosecond(1_000_000_000 / u64::from(per_second))
        .burst_size(burst.max(1))
        .key_extractor(client_ip)
        .finish()
        .map(Arc::new)
}

/// `429` in the GraphQL response shape, with `Retry-After`.
pub fn too_many_requests(error: GovernorError) -> Response<Body> {
    let wait = match &error {
        GovernorError::TooManyRequests { wait_time, .. } => (*wait_time).max(1),
        _ => 1,
    };
    let body = serde_json::json!({
        "errors": [{
            "message": format!("too many requests from this address; try again in {wait} s"),
            "extensions": { "code": "RATE_LIMITED", "retryAfter": wait }
        }]
    });
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/graphql-response+json")],
        body.to_string(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Open WebSocket connections per key (an address, or a token's subject).
#[derive(Default)]
pub struct ConnectionCounter {
    open: Mutex<HashMap<String, usize>>,
}

/// One open connection; counted until dropped.
pub struct ConnectionSlot {
    counter: Arc<ConnectionCounter>,
    key: String,
}

impl ConnectionCounter {
    /// Takes a slot for `key` unless `limit` are open already (`0` means no limit).
    pub fn open(self: &Arc<Self>, key: String, limit: usize) -> Option<ConnectionSlot> {
        let mut open = lock(&self.open);
        let count = open.entry(key.clone()).or_default();
        if limit != 0 && *count >= limit {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            counter: self.clone(),
            key,
        })
    }

    pub fn count(&self, key: &str) -> usize {
        let open = lock(&self.open);
        open.get(key).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.counter.open);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_given_back_when_the_connection_ends() {
        let counter = Arc::new(ConnectionCounter::default());
        let first = counter.open("a".into(), 2);
        let second = counter.open("a".into(), 2);
        assert!(first.is_some() && second.is_some());
        assert!(counter.open("a".into(), 2).is_none());
        assert!(counter.open("b".into(), 2).is_some(), "keys are apart");
        drop(first);
        assert_eq!(counter.count("a"), 1);
        assert!(counter.open("a".into(), 2).is_some());
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let request = Request::get("/")
            .header("x-forwarded-for", "203.0.113.7, 10.0.0.1")
            .body(())
            .unwrap_or_default();
        let trusted = ClientIp {
            trust_forwarded_for: true,
        };
        let untrusted = ClientIp {
            trust_forwarded_for: false,
        };
        assert_eq!(trusted.of(&request).to_string(), "203.0.113.7");
        assert_eq!(untrusted.of(&request), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}
