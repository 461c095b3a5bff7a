//! One WebSocket connection: the client's messages in, its operations' results out.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Data;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use tokio_stream::StreamMap;

use super::protocol::{ClientMessage, Closing, Protocol};
use crate::auth::limits::ClientAddr;
use crate::http::graphql::fanout::{Payload, SharingExecutor};
use crate::http::ws_guard::MessageGuard;
use crate::state::AppState;

/// An operation's results as they come, then `None` when it has ended.
type Results = BoxStream<'static, Option<Payload>>;

/// What the connection does next.
enum Step {
    Nothing,
    Send(String),
    Close(Closing),
    End,
}

/// What woke the connection up.
enum Event {
    Incoming(Option<Message>),
    Result(String, Option<Payload>),
    InitTimeout,
}

pub struct Connection {
    protocol: Protocol,
    state: AppState,
    client: ClientAddr,
    executor: SharingExecutor,
    guard: MessageGuard,
    /// Whether `connection_init` came (it may come once).
    init_received: bool,
    /// The connection's data once initialised: the viewer, their loaders, their slot.
    session: Option<Arc<Data>>,
    /// Open operations by the client's id.
    operations: StreamMap<String, Results>,
}

impl Connection {
    pub fn new(protocol: Protocol, state: AppState, client: ClientAddr) -> Self {
        let executor = SharingExecutor {
            schema: state.schema.clone(),
            fanouts: state.subscription_fanouts.clone(),
            persisted: state.persisted_queries.clone(),
        };
        let guard = MessageGuard::new(
            state.config.ws_messages_per_second,
            state.config.ws_subscriptions_per_connection,
        );
        Self {
            protocol,
            state,
            client,
            executor,
            guard,
            init_received: false,
            session: None,
            operations: StreamMap::new(),
        }
    }

    /// Serves the connection until either side ends it.
    pub async fn run(mut self, mut socket: WebSocket) {
        let init_deadline =
            tokio::time::sleep(Duration::from_secs(self.state.config.ws_init_timeout_secs));
        tokio::pin!(init_deadline);
        loop {
            let event = tokio::select! {
                message = socket.recv() => Event::Incoming(message.and_then(Result::ok)),
                Some((id, result)) = self.operations.next(), if !self.operations.is_empty() => {
                    Event::Result(id, result)
                }
                () = &mut init_deadline, if self.session.is_none() => Event::InitTimeout,
            };
            let step = match event {
                // Closed, or unreadable (a message over the size limit, say).
                Event::Incoming(None) => Step::End,
                // Boxed: answering a message (initialising, preparing an operation) takes far
                // more state than waiting, and every idle connection would hold it inline.
                Event::Incoming(Some(message)) => Box::pin(self.receive(message)).await,
                Event::Result(id, Some(payload)) => Step::Send(self.protocol.next(&id, &payload)),
                Event::Result(id, None) => {
                    self.operations.remove(&id);
                    Step::Send(self.protocol.complete(&id))
                }
                Event::InitTimeout => Step::Close(Closing::InitTimeout),
            };
            match step {
                Step::Nothing => {}
                Step::Send(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Step::Close(closing) => {
                    if let Closing::Forbidden(reason) = &closing
                        && let Some(text) = self.protocol.connection_error(reason)
                    {
                        let _ = socket.send(Message::Text(text.into())).await;
                    }
                    let frame = CloseFrame {
                        code: closing.code(),
                        reason: closing.reason().into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                Step::End => break,
            }
        }
    }

    async fn receive(&mut self, message: Message) -> Step {
        let bytes: &[u8] = match &message {
            Message::Text(text) => text.as_bytes(),
            Message::Binary(bytes) => bytes,
            Message::Close(_) => return Step::End,
            // The WebSocket layer answers pings itself.
            Message::Ping(_) | Message::Pong(_) => return Step::Nothing,
        };
        if let Err(flood) = self.guard.admit() {
            tracing::warn!(?flood, "closing a flooding WebSocket connection");
            return Step::Close(Closing::Flooding("too many messages"));
        }
        let Some(message) = ClientMessage::parse(bytes) else {
            return Step::Close(Closing::BadMessage);
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.init_received {
                    return Step::Close(Closing::TooManyInits);
                }
                self.init_received = true;
                let payload = payload.unwrap_or_default();
                match super::connection_init(&self.state, self.client, payload).await {
                    Ok(data) => {
                        self.session = Some(Arc::new(data));
                        Step::Send(self.protocol.acknowledgement())
                    }
                    Err(error) => Step::Close(Closing::Forbidden(error.message)),
                }
            }
            ClientMessage::Subscribe { id, payload } => {
                let Some(session) = &self.session else {
                    return Step::Close(Closing::Unauthorized);
                };
                if self.operations.contains_key(&id) {
                    return Step::Close(Closing::DuplicateId(id));
                }
                if let Err(flood) = self.guard.may_start(self.operations.len()) {
                    tracing::warn!(?flood, "closing a flooding WebSocket connection");
                    return Step::Close(Closing::Flooding("too many subscriptions"));
                }
                let results = self
                    .executor
                    .subscribe(*payload, session.clone())
                    .map(Some)
                    .chain(stream::once(std::future::ready(None)))
                    .boxed();
                self.operations.insert(id, results);
                Step::Nothing
            }
            ClientMessage::Complete { id } => match self.operations.remove(&id) {
                Some(_) => Step::Send(self.protocol.complete(&id)),
                None => Step::Nothing,
            },
            ClientMessage::ConnectionTerminate => Step::End,
            ClientMessage::Ping { .. } => Step::Send(self.protocol.pong()),
            ClientMessage::Pong { .. } => Step::Nothing,
        }
    }
}
