//! The messages of the two GraphQL-over-WebSocket protocols: graphql-transport-ws (the
//! current one) and the legacy graphql-ws of subscriptions-transport-ws.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::Deserialize;

/// The subprotocols offered, in order of preference.
pub const SUBPROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// graphql-transport-ws.
    Transport,
    /// graphql-ws (subscriptions-transport-ws).
    Legacy,
}

/// The protocol a client asks for in `Sec-WebSocket-Protocol`; a request for neither is
/// refused with 400.
pub struct RequestedProtocol(pub Protocol);

impl<S: Send + Sync> FromRequestParts<S> for RequestedProtocol {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|value| value.to_str().ok())
            .and_then(|offered| {
                offered.split(',').find_map(|name| match name.trim() {
                    name if name.eq_ignore_ascii_case(SUBPROTOCOLS[0]) => Some(Protocol::Transport),
                    name if name.eq_ignore_ascii_case(SUBPROTOCOLS[1]) => Some(Protocol::Legacy),
                    _ => None,
                })
            })
            .map(Self)
            .ok_or(StatusCode::BAD_REQUEST)
    }
}

/// A message from the client (both protocols' names).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    #[serde(alias = "start")]
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    #[serde(alias = "stop")]
    Complete {
        id: String,
    },
    ConnectionTerminate,
    Ping {
        #[serde(default, rename = "payload")]
        _payload: Option<serde_json::Value>,
    },
    Pong {
        #[serde(default, rename = "payload")]
        _payload: Option<serde_json::Value>,
    },
}

impl ClientMessage {
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

/// Why the server closes a connection: the codes of graphql-transport-ws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    BadMessage,
    Unauthorized,
    Forbidden(String),
    InitTimeout,
    DuplicateId(String),
    TooManyInits,
    /// The client sent too much (messages or open operations).
    Flooding(&'static str),
}

impl Closing {
    pub fn code(&self) -> u16 {
        match self {
            Self::BadMessage => 4400,
            Self::Unauthorized => 4401,
            Self::Forbidden(_) => 4403,
            Self::InitTimeout => 4408,
            Self::DuplicateId(_) => 4409,
            Self::TooManyInits => 4429,
            Self::Flooding(_) => 1008,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Self::BadMessage => "Invalid message received".to_owned(),
            Self::Unauthorized => "Unauthorized".to_owned(),
            Self::Forbidden(reason) => reason.clone(),
            Self::InitTimeout => "Connection initialisation timeout".to_owned(),
            Self::DuplicateId(id) => format!("Subscriber for {id} already exists"),
            Self::TooManyInits => "Too many initialisation requests".to_owned(),
            Self::Flooding(what) => (*what).to_owned(),
        }
    }
}

impl Protocol {
    /// A result of operation `id`; `payload` is the response as JSON.
    pub fn next(self, id: &str, payload: &str) -> String {
        let kind = match self {
            Self::Transport => "next",
            Self::Legacy => "data",
        };
        let id = json_string(id);
        let mut message = String::with_capacity(payload.len() + id.len() + 32);
        message.push_str(r#"{"type":""#);
        message.push_str(kind);
        message.push_str(r#"","id":"#);
        message.push_str(&id);
        message.push_str(r#","payload":"#);
        message.push_str(payload);
        message.push('}');
        message
    }

    /// Operation `id` has ended.
    pub fn complete(self, id: &str) -> String {
        format!(r#"{{"type":"complete","id":{}}}"#, json_string(id))
    }

    pub fn acknowledgement(self) -> String {
        r#"{"type":"connection_ack"}"#.to_owned()
    }

    pub fn pong(self) -> String {
        r#"{"type":"pong"}"#.to_owned()
    }

    /// What the legacy protocol sends before closing a connection whose initialisation
    /// failed; graphql-transport-ws says it with the close code alone.
    pub fn connection_error(self, reason: &str) -> Option<String> {
        match self {
            Self::Transport => None,
            Self::Legacy => Some(format!(
                r#"{{"type":"connection_error","payload":{{"message":{}}}}}"#,
                json_string(reason)
            )),
        }
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_: serde_json::Error| {
        // A `&str` always serialises; this keeps the request path free of panics.
        String::from("\"\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_carries_the_payload_as_it_is() {
        let message = Protocol::Transport.next("a\"b", r#"{"data":{"x":1}}"#);
        let value: serde_json::Value = serde_json::from_str(&message).expect("json");
        assert_eq!(value["type"], "next");
        assert_eq!(value["id"], "a\"b");
        assert_eq!(value["payload"]["data"]["x"], 1);
        let legacy: serde_json::Value =
            serde_json::from_str(&Protocol::Legacy.next("1", "{}")).expect("json");
        assert_eq!(legacy["type"], "data");
    }

    #[test]
    fn both_protocols_names_are_understood() {
        for text in [
            r#"{"type":"subscribe","id":"1","payload":{"query":"{ a }"}}"#,
            r#"{"type":"start","id":"1","payload":{"query":"{ a }"}}"#,
        ] {
            assert!(matches!(
                ClientMessage::parse(text.as_bytes()),
                Some(ClientMessage::Subscribe { .. })
            ));
        }
        assert!(matches!(
            ClientMessage::parse(br#"{"type":"stop","id":"1"}"#),
            Some(ClientMessage::Complete { .. })
        ));
        assert!(ClientMessage::parse(br#"{"type":"subscribe"}"#).is_none());
    }
}
