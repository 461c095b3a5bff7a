//! The HTTP surface: routes and the layers around them.

pub mod csp;
pub mod encoding;
pub mod error;
pub mod exports;
pub mod graphql;
pub mod health;
pub mod rate_limit;
pub mod report;
pub mod request_log;
pub mod response_cache;
pub mod ws_guard;

use std::time::Duration;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use tower_governor::GovernorLayer;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::auth::limits::Limits;
use crate::http::rate_limit::ClientIp;
use crate::state::AppState;

/// Builds the router with all routes and layers.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let metrics = state.metrics.clone();
    let client_ip = ClientIp {
        trust_forwarded_for: config.trust_forwarded_for,
    };
    // Responses are shaped by the schema's types (see `graphql::shape`), read once here.
    let schema_types = Arc::new(graphql::SchemaTypes::from_sdl(&state.schema.sdl()));
    let mut api = Router::new()
        .route(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .layer(
            ServiceBuilder::new()
                .layer(encoding::layer())
                .layer(Extension(schema_types)),
        )
        .route("/graphql/ws", get(graphql::ws_handler));
    let quota = rate_limit::per_ip_quota(
        config.ip_requests_per_second,
        config.ip_request_burst,
        client_ip,
    );
    tokio::spawn(forget_idle_clients(
        state.limits.clone(),
        quota.as_ref().map(|quota| quota.limiter().clone()),
    ));
    if let Some(quota) = quota {
        api = api.layer(GovernorLayer::new(quota).error_handler(rate_limit::too_many_requests));
    }
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/exports/learning-questions.csv",
            get(exports::questions_csv),
        )
        .route(
            "/exports/learning-questions.json",
            get(exports::questions_json),
        )
        .route(
            "/exports/learning-questions.xlsx",
            get(exports::questions_xlsx),
        )
        .route("/exports/summary.csv", get(exports::summary_csv))
        .route("/events/{slug}/calendar.ics", get(exports::calendar))
        // Other systems (issue 15): frab/c3voc schedules for conference apps.
        .route("/events/{slug}/schedule.xml", get(exports::schedule_xml))
        .route("/events/{slug}/schedule.json", get(exports::schedule_json))
        .route("/reports/{slug}/leeragenda", get(report::leeragenda))
        .layer(encoding::layer())
        .merge(api)
        // The web pages (and GraphiQL at /graphiql), outside the per-address API quota.
        .merge(crate::web::routes(config.graphiql_enabled()));
    // One stack applied once: each `Router::layer` call wraps every route in another boxed
    // service, cloned and boxed again for each request. Outermost first.
    let metrics_layer = metrics
        .is_on()
        .then(|| middleware::from_fn_with_state(metrics, crate::metrics::track_requests));
    let layers = ServiceBuilder::new()
        .layer(request_log::layer())
        // Prometheus counts (issue 15), outside every layer that may answer on its own; none
        // when the metrics are off.
        .option_layer(metrics_layer)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            config.body_read_timeout_secs,
        )))
        // The limit's own body type, back to axum's for the layers outside it.
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        .layer(cors(&config.cors_origins));
    router.with_state(state).layer(layers)
}

/// Forgets clients whose quotas are full again, so the limiters' memory follows the
/// active clients rather than every client ever seen.
async fn forget_idle_clients(limits: Limits, per_ip: Option<Arc<rate_limit::IpLimiter>>) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        limits.retain_recent();
        if let Some(per_ip) = &per_ip {
            per_ip.retain_recent();
        }
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
        ])
        .max_age(Duration::from_secs(3600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let allowed: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(allowed))
    }
}

/// Locks a mutex of plain data: a panic while it was held leaves data still fit to use.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
