//! Templates (`templates/`, embedded) rendered with minijinja, auto-escaped. Templates hold
//! no words of their own: `t("key")` looks each text up in the visitor's language,
//! `value | label("kind")` names an enum value, `asset("css/site.css")` gives a hashed URL.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use rust_embed::RustEmbed;

use super::Visitor;
use super::i18n::{self, Args, Lang};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for name in TemplateFiles::iter() {
        let Some(file) = TemplateFiles::get(&name) else {
            continue;
        };
        let source = String::from_utf8_lossy(&file.data).into_owned();
        if let Err(err) = env.add_template_owned(name.to_string(), source) {
            tracing::error!(template = %name, error = %err, "a template does not parse");
        }
    }
    env.add_function("t", translate);
    // URLs are ours and safe; escaping would turn every `/` into an entity.
    env.add_function("asset", |name: &str| {
        Value::from_safe_string(super::assets::url(name))
    });
    env.add_filter("label", label);
    env
}

fn lang_of(state: &State<'_, '_>) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or_default()
}

/// `t("key", name=value, …)`: the message in the page's language.
fn translate(state: &State<'_, '_>, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut args = Args::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let value = match value.kind() {
            ValueKind::Number => match i64::try_from(value.clone()) {
                Ok(n) => FluentValue::from(n),
                Err(_) => FluentValue::from(f64::try_from(value).unwrap_or_default()),
            },
            _ => FluentValue::from(value.to_string()),
        };
        args.insert(name.to_owned().into(), value);
    }
    kwargs.assert_all_used()?;
    Ok(i18n::text_with(lang_of(state), key, &args))
}

/// `value | label("submitter-role")`: the human name of an enum value.
fn label(state: &State<'_, '_>, value: &str, kind: &str) -> String {
    i18n::label(lang_of(state), kind, value)
}

/// Renders `template` into a whole response: the visitor's language and CSRF token are in
/// every page's context; a new CSRF token is set as a cookie.
pub fn page(visitor: &Visitor, status: StatusCode, template: &str, context: Value) -> Response {
    let html = TEMPLATES.get_template(template).and_then(|t| {
        t.render(minijinja::context! {
            lang => visitor.lang.code(),
            other_lang => visitor.lang.other().code(),
            csrf_field => super::csrf::FIELD,
            csrf_token => visitor.csrf.value(),
            path => visitor.path.clone(),
            ..context
        })
    });
    let html = match html {
        Ok(html) => html,
        Err(err) => {
            tracing::error!(template, error = %err, detail = ?err, "rendering a page failed");
            return fallback_error(visitor);
        }
    };
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    if let Some(cookie) = visitor.csrf.set_cookie(visitor.secure) {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

/// When even the error page fails: a plain line, still in the visitor's language.
fn fallback_error(visitor: &Visitor) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        visitor.text("error-500-title"),
    )
        .into_response()
}

/// Any serialisable value, for a template's context.
pub fn value<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// Renders a template to a string (for the report and tests).
pub fn to_string(template: &str, context: Value) -> Result<String, Error> {
    TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(context))
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, "rendering failed").with_source(err))
}
