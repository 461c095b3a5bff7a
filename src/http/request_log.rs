//! One log line per request at `INFO`: method, path, GraphQL operation name, status and
//! duration. The path goes without its query string, which may hold codes or tokens.

use std::time::Duration;

use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

pub type RequestLogLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), Answered, (), (), ()>;

/// The layer that opens a span per request and writes its line when the response starts.
pub fn layer() -> RequestLogLayer {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(Answered)
        .on_body_chunk(())
        .on_eos(())
        // The status is in the line already; errors worth an ERROR line log their cause.
        .on_failure(())
}

/// Names the GraphQL operation (or the operations of a batch, comma-separated) in the
/// current request's line.
pub fn record_operation(name: &str) {
    Span::current().record(OPERATION, tracing::field::display(name));
    crate::metrics::note_operations(name);
}

const OPERATION: &str = "operation";

#[derive(Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            operation = tracing::field::Empty,
        )
    }
}

#[derive(Clone, Copy)]
pub struct Answered;

impl<B> OnResponse<B> for Answered {
    fn on_response(self, response: &axum::http::Response<B>, latency: Duration, _: &Span) {
        // Tenths of a millisecond: cached answers take less than one.
        let ms = (latency.as_secs_f64() * 10_000.0).round() / 10.0;
        tracing::info!(status = response.status().as_u16(), ms, "answered");
    }
}
