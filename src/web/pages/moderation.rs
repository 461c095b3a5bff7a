//! The moderator's page, `/moderatie`: the queue of their scope.

use axum::extract::State;

use crate::state::AppState;
use crate::web::session::SignedInAccount;
use crate::web::{PageResult, Visitor, render};

/// `GET /moderatie`: moderators (in their scope) and admins.
pub async fn queue(
    State(_state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
) -> PageResult {
    if !account.moderates() {
        return Err(crate::web::ErrorPage::new(
            &visitor,
            axum::http::StatusCode::FORBIDDEN,
        ));
    }
    Ok(render::page(
        &visitor,
        axum::http::StatusCode::OK,
        "moderatie/queue.html",
        minijinja::context! {
            account => render::value(minijinja::context! {
                email => account.email.clone(),
                role => account.role.api_name(),
            }),
        },
    ))
}
