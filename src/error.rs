//! One error type for the whole service, with a stable code that clients can rely on.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// The codes a client can see in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    NotFound,
    Conflict,
    RateLimited,
    QueryTooComplex,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

/// An error as the client sees it. `Internal` keeps its cause for the log only.
///
/// Deliberately not `Display`: async-graphql turns any `Display` type into an error
/// without a code, so `?` would silently drop `extensions.code`. The `From` impl below
/// is the only way into a GraphQL error.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    Forbidden(String),
    BadUserInput {
        field: String,
        message: String,
    },
    NotFound(String),
    Conflict(String),
    RateLimited {
        retry_after_secs: u64,
    },
    /// The database cannot be reached; the cause is logged, the client may retry.
    Unavailable(anyhow::Error),
    Internal(anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Self::Forbidden(why.into())
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// The message shown to the client; never contains internals.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "authentication required".to_owned(),
            Self::Forbidden(message)
            | Self::BadUserInput { message, .. }
            | Self::NotFound(message)
            | Self::Conflict(message) => message.clone(),
            Self::RateLimited { retry_after_secs } => {
                format!("too many requests; retry after {retry_after_secs} s")
            }
            Self::Unavailable(_) => {
                "the service is temporarily unavailable; try again shortly".to_owned()
            }
            Self::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Maps a unique-constraint violation to `CONFLICT` with the given message; anything else is internal.
    pub fn from_db_unique(err: DbErr, conflict_message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict(conflict_message.to_owned())
            }
            _ => Self::from(err),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err {
            // No connection could be had: an outage, not a bug.
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable(err.into()),
            other => Self::Internal(other.into()),
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error = %cause, cause = ?cause, "internal error");
            }
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        async_graphql::Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code().as_str());
            match self {
                Self::BadUserInput { field, .. } => extensions.set("field", field.as_str()),
                Self::RateLimited { retry_after_secs } => {
                    extensions.set("retryAfter", *retry_after_secs)
                }
                Self::Unavailable(_) => extensions.set("retryAfter", 5),
                _ => {}
            }
        })
    }
}

/// Lets resolvers use `?` on `AppError`, keeping the code and leaking nothing else.
impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

pub type AppResult<T> = Result<T, AppError>;
