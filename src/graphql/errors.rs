//! Gives every error a code: request errors from parsing and validation get theirs here,
//! so clients never have to match on message text.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
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

/// A required variable (non-null, without a default) that the request leaves out or sets to
/// null. The spec makes that a request error (CoerceVariableValues); async-graphql would run
/// the operation and fail the field, with an error without a code.
fn missing_variable(request: &mut Request) -> Option<ServerError> {
    let variables = std::mem::take(&mut request.variables);
    let operation_name = request.operation_name.clone();
    let missing = request.parsed_query().ok().and_then(|document| {
        let operation = match (&document.operations, operation_name.as_deref()) {
            (DocumentOperations::Single(operation), None) => operation,
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()?
            }
            // Which operation runs is for the schema to refuse.
            _ => return None,
        };
        operation
            .node
            .variable_definitions
            .iter()
            .find_map(|definition| {
                let definition_node = &definition.node;
                let required = !definition_node.var_type.node.nullable
                    && definition_node.default_value.is_none();
                let given = variables
                    .get(&definition_node.name.node)
                    .is_some_and(|value| *value != async_graphql::Value::Null);
                (required && !given).then(|| {
                    ServerError::new(
                        format!(
                            "the variable `${}` of type `{}` is required",
                            definition_node.name.node, definition_node.var_type.node
                        ),
                        Some(definition.pos),
                    )
                })
            })
    });
    request.variables = variables;
    missing
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
        let mut request = next.run(ctx, request).await.map_err(|error| {
            let code = if error.message == "PersistedQueryNotFound" {
                "PERSISTED_QUERY_NOT_FOUND"
            } else {
                "BAD_REQUEST"
            };
            with_code(error, code)
        })?;
        match missing_variable(&mut request) {
            Some(error) => Err(with_code(error, "GRAPHQL_VALIDATION_FAILED")),
            None => Ok(request),
        }
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
