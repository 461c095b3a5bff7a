//! The web pages: server-rendered HTML for visitors and participants, served beside the
//! API by the same binary. Every action is a plain form (POST, then a redirect); scripts
//! only enhance. Handlers are thin: they read through the services and write through the
//! same service functions as the GraphQL resolvers.
//!
//! Pages are outside the per-address API quota (a room of phones shares one address);
//! the service's own limits (joins, submissions, votes) still apply.

pub mod assets;
pub mod charts;
pub mod csrf;
pub mod forms;
pub mod graphiql;
pub mod i18n;
pub mod lookup;
pub mod page_cache;
pub mod pages;
pub mod render;
pub mod session;
pub mod shared_agenda;
pub mod summary_views;

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;
use crate::state::AppState;
use csrf::CsrfToken;
use i18n::Lang;
use pages::{account, moderation, participant, programme, screen, staff};

/// The pages' Content-Security-Policy: nothing inline, nothing from elsewhere.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// The page routes, with their own headers and compression; `router` merges them beside
/// the API. The fallback answers every unknown path with the 404 page.
pub fn routes(graphiql_enabled: bool) -> Router<AppState> {
    let mut pages = Router::new()
        .route("/", get(programme::home))
        .route("/events/{slug}", get(programme::event))
        .route("/events/{slug}/zoeken", get(programme::search))
        .route("/events/{slug}/sessies/{key}", get(programme::session))
        .route("/events/{slug}/personen/{key}", get(programme::person))
        .route(
            "/events/{slug}/meedoen",
            get(participant::join_page).post(participant::join),
        )
        .route("/events/{slug}/verlaten", post(participant::leave))
        .route(
            "/events/{slug}/leeragenda",
            get(participant::agenda).post(participant::submit),
        )
        .route("/events/{slug}/leeragenda/stem", post(participant::vote))
        .route(
            "/events/{slug}/leeragenda/vergelijkbaar",
            get(participant::similar),
        )
        .route(
            "/events/{slug}/mijn-gegevens.json",
            get(participant::download_data),
        )
        .route(
            "/events/{slug}/mijn-gegevens/verwijderen",
            post(participant::delete_data),
        )
        .route(
            "/taal",
            get(pages::switch_language_link).post(pages::switch_language),
        )
        // Accounts (issue 13): sign in and out.
        .route(
            "/inloggen",
            get(account::sign_in_page).post(account::sign_in),
        )
        .route("/uitloggen", post(account::sign_out))
        .route("/moderatie", get(moderation::queue))
        .route("/moderatie/actie", post(moderation::act))
        .route("/moderatie/bulk", post(moderation::bulk))
        .route("/moderatie/markeer", post(moderation::mark))
        // Staff (issue 13, part B): the staff page, its screen links, the studio screen.
        .route("/staf/{slug}", get(staff::page))
        .route("/staf/{slug}/schermlinks", post(staff::create_link))
        .route("/staf/{slug}/moderatie", post(staff::set_moderation_mode))
        .route(
            "/staf/{slug}/schermlinks/{id}/intrekken",
            post(staff::revoke_link),
        )
        .route("/events/{slug}/scherm", get(screen::page))
        .route("/scherm/{token}", get(screen::link))
        .route("/assets/{*path}", get(assets::serve));
    if graphiql_enabled {
        pages = pages.route("/graphiql", get(graphiql::page));
    }
    pages
        .fallback(not_found)
        // One stack, outermost first (see `http::router`).
        .layer(
            ServiceBuilder::new()
                .layer(crate::http::encoding::layer())
                // Forms need `Origin` on same-origin POSTs, which `no-referrer` (the API's)
                // turns into "null".
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(PAGE_POLICY),
                )),
        )
}

/// Who is looking, as far as a page needs to know before any database work.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub csrf: CsrfToken,
    /// The request came over HTTPS: cookies get `Secure`.
    pub secure: bool,
    /// Path and query of this page (the language switch returns here).
    pub path: String,
    pub headers: HeaderMap,
}

impl Visitor {
    pub fn from_headers(headers: &HeaderMap, uri: &Uri, trust_forwarded: bool) -> Self {
        Self {
            lang: Lang::negotiate(headers, session::cookie(headers, i18n::LANG_COOKIE)),
            csrf: CsrfToken::from_headers(headers),
            secure: session::is_https(headers, trust_forwarded),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            headers: headers.clone(),
        }
    }

    pub fn text(&self, key: &str) -> String {
        i18n::text(self.lang, key)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        Ok(Self::from_headers(
            &parts.headers,
            &uri,
            state.config.trust_forwarded_for,
        ))
    }
}

/// A page that could not be shown: rendered as an error page in the visitor's language.
#[derive(Debug)]
pub struct ErrorPage {
    pub visitor: Visitor,
    pub status: StatusCode,
}

/// What a page handler returns.
pub type PageResult = Result<Response, ErrorPage>;

impl ErrorPage {
    pub fn new(visitor: &Visitor, status: StatusCode) -> Self {
        Self {
            visitor: visitor.clone(),
            status,
        }
    }

    pub fn not_found(visitor: &Visitor) -> Self {
        Self::new(visitor, StatusCode::NOT_FOUND)
    }

    /// The page for a service error; internals go to the log only.
    pub fn from_app(visitor: &Visitor, error: AppError) -> Self {
        let status = match &error {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, cause = ?cause, "internal error on a page");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::new(visitor, status)
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        // One message pair per status we show; anything else reads as a server error.
        let known = [400, 403, 404, 409, 429, 503];
        let key = if known.contains(&code) { code } else { 500 };
        render::page(
            &self.visitor,
            self.status,
            "error.html",
            minijinja::context! {
                title_key => format!("error-{key}-title"),
                body_key => format!("error-{key}-body"),
            },
        )
    }
}

/// Any path no route knows: the 404 page.
pub async fn not_found(visitor: Visitor) -> Response {
    ErrorPage::not_found(&visitor).into_response()
}

/// `303 See Other` to `location` (POST, then GET).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
