//! Signing in and out: `/inloggen` (e-mail and password, checked and throttled as the
//! `login` mutation checks them) and `/uitloggen`. The token `login` would return goes into
//! an `HttpOnly`, `SameSite=Strict` cookie for as long as it lasts (12 hours).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use entity::enums::AccountRole;
use serde::{Deserialize, Serialize};

use super::safe_return;
use crate::auth::jwt::Subject;
use crate::error::AppError;
use crate::service::accounts;
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::forms::FieldError;
use crate::web::i18n::{Args, Lang};
use crate::web::session::{self, MaybeAccount, SignedInAccount};
use crate::web::{ErrorPage, PageResult, Visitor, render, see_other};

/// Notices the sign-in page shows after a redirect (`?melding=`), by key.
const NOTICES: &[&str] = &["uitgelogd"];

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    /// Where to go after signing in (a local path).
    terug: Option<String>,
    melding: Option<String>,
}

#[derive(Debug, Serialize)]
struct SummaryError {
    target: String,
    message: String,
}

/// Where an account goes after signing in when no page asked for it.
fn home_of(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Moderator | AccountRole::Admin => "/moderatie",
        AccountRole::Staff => "/",
    }
}

/// `GET /inloggen[?terug=]`: the form, or who is signed in.
pub async fn sign_in_page(
    visitor: Visitor,
    MaybeAccount(account): MaybeAccount,
    Query(query): Query<SignInQuery>,
) -> Response {
    let notice = query
        .melding
        .as_deref()
        .and_then(|m| NOTICES.iter().find(|known| **known == m))
        .map(|known| format!("notice-account-{known}"));
    sign_in_form(
        &visitor,
        account.as_ref(),
        query.terug.as_deref(),
        "",
        Vec::new(),
        notice,
    )
}

fn sign_in_form(
    visitor: &Visitor,
    account: Option<&SignedInAccount>,
    back: Option<&str>,
    email: &str,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let summary: Vec<SummaryError> = errors
        .iter()
        .map(|e| SummaryError {
            target: e.field.clone(),
            message: e.message.clone(),
        })
        .collect();
    render::page(
        visitor,
        status,
        "konto/inloggen.html",
        minijinja::context! {
            account => render::value(account.map(|a| minijinja::context! {
                email => a.email.clone(),
                role => a.role.api_name(),
                home => home_of(a.role),
            })),
            back => render::value(back.map(|b| safe_return(Some(b)))),
            email => render::value(email),
            errors => render::value(&errors),
            summary => render::value(&summary),
            notice => render::value(notice),
        },
    )
}

/// The message next to a field for a failed sign-in; `None` for errors the error page shows.
fn sign_in_error(lang: Lang, error: &AppError) -> Option<FieldError> {
    match error {
        AppError::Unauthenticated => Some(FieldError::new(
            lang,
            "password",
            "error-sign-in-wrong",
            &Args::new(),
        )),
        AppError::RateLimited { retry_after_secs } => {
            let mut args = Args::new();
            args.insert(
                "seconds".into(),
                i64::try_from(*retry_after_secs).unwrap_or(60).into(),
            );
            Some(FieldError::new(
                lang,
                "email",
                "error-sign-in-rate-limited",
                &args,
            ))
        }
        AppError::Unavailable(_) => Some(FieldError::new(
            lang,
            "email",
            "error-sign-in-unavailable",
            &Args::new(),
        )),
        _ => None,
    }
}

/// `POST /inloggen` (`email`, `password`, `terug`): throttled per e-mail address as `login` is;
/// a wrong password and an unknown address get the same answer.
pub async fn sign_in(
    State(state): State<AppState>,
    visitor: Visitor,
    form: CheckedForm,
) -> PageResult {
    let email = form.raw("email");
    let password = form.raw("password");
    let back = form.get("terug").map(str::to_owned);
    let mut errors = Vec::new();
    if email.trim().is_empty() {
        errors.push(FieldError::new(
            visitor.lang,
            "email",
            "error-sign-in-email-missing",
            &Args::new(),
        ));
    }
    if password.is_empty() {
        errors.push(FieldError::new(
            visitor.lang,
            "password",
            "error-sign-in-password-missing",
            &Args::new(),
        ));
    }
    if !errors.is_empty() {
        return Ok(sign_in_form(
            &visitor,
            None,
            back.as_deref(),
            &email,
            errors,
            None,
        ));
    }
    let signed_in = async {
        state.limits.check_login(&email)?;
        let account = accounts::authenticate(&state.db, &email, &password).await?;
        let issued = state
            .keys
            .issue(Subject::Account(account.id), chrono::Utc::now())
            .map_err(AppError::internal)?;
        Ok::<_, AppError>((account, issued))
    }
    .await;
    match signed_in {
        Ok((account, issued)) => {
            let target = match back.as_deref() {
                Some(path) => safe_return(Some(path)),
                None => home_of(account.role),
            };
            let mut response = see_other(target);
            if let Some(cookie) = session::account_cookie(&issued, visitor.secure) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(error) => match sign_in_error(visitor.lang, &error) {
            Some(field_error) => Ok(sign_in_form(
                &visitor,
                None,
                back.as_deref(),
                &email,
                vec![field_error],
                None,
            )),
            None => Err(ErrorPage::from_app(&visitor, error)),
        },
    }
}

/// `POST /uitloggen`: signs the cookie's token out on the server (a copy of the cookie opens
/// nothing any more) and removes the cookie on this browser.
pub async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    _form: CheckedForm,
) -> PageResult {
    session::revoke_account_cookie(&state, &headers)
        .await
        .map_err(|error| ErrorPage::from_app(&visitor, error))?;
    let mut response = see_other("/inloggen?melding=uitgelogd");
    if let Some(cookie) = session::account_cookie_removed(visitor.secure) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
