//! Gives every request error a code, so clients never have to match on message text.

use async_graphql::parser::types::DocumentOperations;
use async_graphql::{Request, Response, ServerError};

pub(super) fn with_code(mut error: ServerError, code: &str) -> ServerError {
    set_code(&mut error, code);
    error
}

fn set_code(error: &mut ServerError, code: &str) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
}

/// A parse error's code: a limit of the parser, or a document that does not parse.
pub(super) fn parse_error(error: ServerError) -> ServerError {
    let code = if is_limit_error(&error.message) {
        "QUERY_TOO_COMPLEX"
    } else {
        "GRAPHQL_PARSE_FAILED"
    };
    with_code(error, code)
}

/// Codes the request errors the schema reports without one: those without a path come
/// from validation, its limits or the choice of operation (field errors carry a path and
/// their own code).
pub(super) fn code_request_errors(response: &mut Response) {
    for error in response.errors.iter_mut().filter(|e| e.path.is_empty()) {
        let code = if is_limit_error(&error.message) {
            "QUERY_TOO_COMPLEX"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        set_code(error, code);
    }
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
pub(super) fn missing_variable(request: &mut Request) -> Option<ServerError> {
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
