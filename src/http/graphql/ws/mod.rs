//! GraphQL over WebSocket (graphql-transport-ws, and the legacy graphql-ws): subscriptions,
//! and queries and mutations answered once.

mod connection;
mod protocol;

use async_graphql::ErrorExtensions;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::render::{request_error, with_header};
use crate::auth::Viewer;
use crate::auth::limits::ClientAddr;
use crate::error::AppError;
use crate::service::accounts;
use crate::state::AppState;
use connection::Connection;
use protocol::{RequestedProtocol, SUBPROTOCOLS};

/// Initial read and write buffer of a WebSocket connection. Messages from clients are a few
/// hundred bytes; the read buffer, held by every open connection, was the largest part of
/// one at 4 KiB (heaptrack, 3,000 subscribers). Larger messages take more reads.
const WS_BUFFER_BYTES: usize = 1024;

/// WebSocket subscriptions (graphql-transport-ws); the token goes in `connection_init`
/// as `{ "token": "…" }` (or `{ "Authorization": "Bearer …" }`).
pub async fn ws_handler(
    State(state): State<AppState>,
    client: ClientAddr,
    RequestedProtocol(protocol): RequestedProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    let Some(slot) = state.ws_connections.open(
        format!("address:{}", client.0),
        state.config.ws_connections_per_ip,
    ) else {
        return with_header(
            request_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many open connections from this address",
                "RATE_LIMITED",
            ),
            header::RETRY_AFTER,
            "10",
        );
    };
    let max_message = state.config.ws_max_message_bytes;
    upgrade
        .protocols(SUBPROTOCOLS)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        // The 128 KiB defaults, times thousands of idle subscribers, would be most of the
        // memory; messages here are small, and buffers grow when one is not.
        .read_buffer_size(WS_BUFFER_BYTES)
        .write_buffer_size(WS_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            let _counted = state.metrics.websocket_connection();
            Connection::new(protocol, state, client).run(socket).await;
        })
}

async fn connection_init(
    state: &AppState,
    client: ClientAddr,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    let token = payload
        .get("token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .or_else(|| {
            payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|v| v.as_str())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        });
    let viewer = match token {
        None => Viewer::Anonymous,
        Some(token) => {
            let claims = state.keys.verify(&token).ok_or(AppError::Unauthenticated)?;
            accounts::viewer_for(&state.db, &claims).await?
        }
    };
    let mut data = async_graphql::Data::default();
    if let Some(subject) = viewer.subject_key() {
        // Kept in the connection's data, so the slot is given back when the connection ends.
        let slot = state
            .ws_connections
            .open(subject, state.config.ws_connections_per_token)
            .ok_or_else(|| {
                AppError::RateLimited {
                    retry_after_secs: 10,
                }
                .extend()
            })?;
        data.insert(slot);
    }
    data.insert(viewer);
    data.insert(client);
    // No loaders here: each execution brings its own (`fanout::SharingExecutor`), so that a
    // connection whose subscriptions are shared holds none.
    Ok(data)
}
