//! The studio screen, `/events/{slug}/scherm` (`?thema=`): the most recognised approved
//! questions in large type with live counts, and the QR code that joins the event. No
//! controls. Opened by a signed-in moderator, staff member or admin, or through a screen
//! link (`/scherm/{token}`), which staff make and revoke on the staff page: the link is
//! exchanged for an `HttpOnly` cookie, so the token does not stay in the address bar.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use entity::enums::ModerationStatus;
use entity::learning_question;
use sea_orm::{ColumnTrait, Condition, EntityTrait};
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::jwt::Subject;
use crate::domain::access_code::AccessCode;
use crate::error::AppError;
use crate::service::{programme, screen_links, summary};
use crate::state::AppState;
use crate::web::session::{self, Lifetime, MaybeAccount, SameSite};
use crate::web::{ErrorPage, PageResult, Visitor, lookup, render, see_other};

/// The cookie that holds a screen link's token.
pub const SCREEN_COOKIE: &str = "scherm";
/// How many questions the screen shows.
const SHOWN: u64 = 6;

#[derive(Debug, Default, Deserialize)]
pub struct ScreenQuery {
    pub thema: Option<String>,
}

/// `GET /scherm/{token}`: a screen link. A valid one sets the cookie and opens the screen.
pub async fn link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let link = screen_links::find_by_token(&state.db, &token)
        .await
        .map_err(&fail)?
        .ok_or_else(|| ErrorPage::new(&visitor, StatusCode::FORBIDDEN))?;
    let event = entity::event::Entity::find_by_id(link.event_id)
        .one(&state.db)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| ErrorPage::not_found(&visitor))?;
    let theme = match link.theme_id {
        Some(id) => programme::themes_by_event(&state.db, &[event.id])
            .await
            .map_err(&fail)?
            .remove(&event.id)
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| format!("?thema={}", t.slug)),
        None => None,
    };
    let mut response = see_other(&format!(
        "/events/{}/scherm{}",
        event.slug,
        theme.unwrap_or_default()
    ));
    if let Some(cookie) = session::set_cookie_with(
        SCREEN_COOKIE,
        &token,
        Lifetime::Seconds(24 * 3600),
        visitor.secure,
        SameSite::Lax,
    ) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `GET /events/{slug}/scherm`.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    MaybeAccount(account): MaybeAccount,
    Path(slug): Path<String>,
    Query(query): Query<ScreenQuery>,
) -> PageResult {
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let db = &state.db;
    let event = lookup::event(db, &slug).await.map_err(&fail)?;
    // Who may look, and the token the screen's socket uses to follow the questions.
    let live_token = match account.filter(|a| a.has(Role::Moderator)) {
        Some(account) => session::account_live_token(&state, &account),
        None => {
            let token = session::cookie(&visitor.headers, SCREEN_COOKIE).unwrap_or_default();
            let link = screen_links::find_valid(db, event.id, token)
                .await
                .map_err(&fail)?
                .ok_or_else(|| ErrorPage::new(&visitor, StatusCode::FORBIDDEN))?;
            link.participant_id.and_then(|participant_id| {
                state
                    .keys
                    .issue_for(
                        Subject::Participant {
                            participant_id,
                            event_id: event.id,
                        },
                        chrono::Utc::now(),
                        session::LIVE_TOKEN_TTL,
                    )
                    .ok()
                    .map(|issued| issued.token)
            })
        }
    };
    let themes = programme::themes_by_event(db, &[event.id])
        .await
        .map_err(&fail)?
        .remove(&event.id)
        .unwrap_or_default();
    let wanted = query.thema.as_deref().filter(|s| !s.is_empty());
    let theme = wanted.and_then(|slug| themes.iter().find(|t| t.slug == slug));
    if wanted.is_some() && theme.is_none() {
        return Err(ErrorPage::not_found(&visitor));
    }
    // Approved questions of the event (or the theme), most recognised first.
    let mut scope = Condition::all()
        .add(learning_question::Column::EventId.eq(event.id))
        .add(learning_question::Column::Status.eq(ModerationStatus::Approved));
    if let Some(theme) = theme {
        scope = scope.add(learning_question::Column::ThemeId.eq(theme.id));
    }
    let top = summary::top_approved(db, scope, SHOWN)
        .await
        .map_err(&fail)?;
    let questions: Vec<_> = top
        .into_iter()
        .map(|q| {
            minijinja::context! {
                id => crate::graphql::ids::encode(crate::graphql::ids::NodeType::LearningQuestion, q.id).to_string(),
                text => q.text,
                votes => q.vote_count,
            }
        })
        .collect();
    // The question being discussed now (a moderator's highlight) stands above the list.
    let now = crate::service::moderation::highlighted(db, event.id, theme.map(|t| t.id))
        .await
        .map_err(&fail)?
        .into_iter()
        .next()
        .map(|q| {
            minijinja::context! {
                id => crate::graphql::ids::encode(crate::graphql::ids::NodeType::LearningQuestion, q.id).to_string(),
                text => q.text,
            }
        });
    // The QR code joins the event in one scan: the join page with the code filled in.
    let code = event
        .access_code
        .as_deref()
        .map(|stored| AccessCode::from_stored(stored).to_string());
    let base = state
        .config
        .public_url
        .as_ref()
        .map(|url| url.as_str().trim_end_matches('/').to_owned())
        .or_else(|| {
            crate::http::exports::calendar::base_from_request(
                &visitor.headers,
                state.config.trust_forwarded_for,
            )
        })
        .unwrap_or_default();
    let join_url = code.as_ref().map(|code| {
        format!(
            "{base}/events/{}/meedoen?code={}",
            event.slug,
            code.replace('-', "")
        )
    });
    let qr = join_url.as_deref().and_then(qr_svg);
    let mut response = render::page(
        &visitor,
        StatusCode::OK,
        "scherm/scherm.html",
        minijinja::context! {
            event => minijinja::context! { title => event.title.clone(), slug => event.slug.clone() },
            theme => theme.map(|t| minijinja::context! { title => t.title.clone(), id => crate::graphql::ids::encode(crate::graphql::ids::NodeType::Theme, t.id).to_string() }),
            questions => questions,
            now => now,
            code => code,
            join_url => join_url,
            qr => qr.map(minijinja::Value::from_safe_string),
            live_token => live_token,
        },
    );
    // A screen in a room is a kiosk: nothing of it is kept by a shared cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response.into_response())
}

/// The QR code of `url` as an inline SVG element (dark on white, with the quiet zone).
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(320, 320)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration: the SVG goes inside the HTML page.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg",
        "<svg class=\"scherm__qr\" aria-hidden=\"true\" focusable=\"false\"",
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg =
            qr_svg("https://buurt.example/events/x/meedoen?code=K7QDM4XP").unwrap_or_default();
        assert!(svg.starts_with("<svg class=\"scherm__qr\""));
        assert!(svg.contains("<path") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml") && !svg.contains("style="));
    }
}
