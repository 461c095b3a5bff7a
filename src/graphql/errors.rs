//! Gives every error a code: request errors from parsing and validation get theirs here,
//! so clients never have to match on message text.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, ValidationResult, Variables};

/// Adds `extensions.code` to parse and validation errors.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

/// The limit errors async-graphql reports during validation.
fn is_limit_error(message: &str) -> bool {
    [
        "too complex",
        "nested too deep",
        "too many",
        "recursion depth",
        "number of directives",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    /// Persisted-query errors; the code is the one Apollo clients look for.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request).await.map_err(|error| {
            let code = if error.message == "PersistedQueryNotFound" {
                "PERSISTED_QUERY_NOT_FOUND"
            } else {
                "BAD_REQUEST"
            };
            with_code(error, code)
        })
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| {
            let code = if is_limit_error(&error.message) {
                "QUERY_TOO_COMPLEX"
            } else {
                "GRAPHQL_PARSE_FAILED"
            };
            with_code(error, code)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = if is_limit_error(&error.message) {
                        "QUERY_TOO_COMPLEX"
                    } else {
                        "GRAPHQL_VALIDATION_FAILED"
                    };
                    with_code(error, code)
                })
                .collect()
        })
    }
}
