//! Tokens: every way a token can be wrong is UNAUTHENTICATED, never silently anonymous.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use buurtgraph::auth::jwt::{AUDIENCE, Claims, ISSUER};
use buurtgraph::service::accounts;
use entity::enums::AccountRole;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use crate::actors::{PASSWORD, add_account, login};
use crate::helpers::TestApp;

async fn secret(app: &TestApp) -> String {
    accounts::stored_jwt_secret(&app.db).await.expect("secret")
}

fn claims(sub: &str, iat: i64, exp: i64) -> Claims {
    Claims {
        sub: sub.to_owned(),
        event: None,
        iat,
        nbf: iat,
        exp,
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        jti: None,
    }
}

fn sign(claims: &Claims, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("signs")
}

async fn me_with(app: &TestApp, token: &str) -> (StatusCode, serde_json::Value) {
    let response = app
        .request(
            axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(
                    json!({ "query": "{ me { role } }" }).to_string(),
                ))
                .expect("request"),
        )
        .await;
    (response.status, response.json())
}

#[tokio::test]
async fn a_valid_token_grants_its_role() {
    let app = TestApp::bundled().await;
    add_account(&app, "staff@example.org", AccountRole::Staff, &[]).await;
    let token = login(&app, "staff@example.org").await;
    let (status, body) = me_with(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["me"]["role"], "STAFF");
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let app = TestApp::bundled().await;
    add_account(&app, "admin@example.org", AccountRole::Admin, &[]).await;
    let secret = secret(&app).await;
    let now = chrono::Utc::now().timestamp();
    let account_id = 1;
    let sub = format!("account:{account_id}");
    let valid = sign(&claims(&sub, now, now + 600), &secret);
    assert_eq!(me_with(&app, &valid).await.1["data"]["me"]["role"], "ADMIN");

    let mut not_yet = claims(&sub, now, now + 600);
    not_yet.nbf = now + 300;
    let mut wrong_audience = claims(&sub, now, now + 600);
    wrong_audience.aud = "someone-else".into();
    let mut wrong_issuer = claims(&sub, now, now + 600);
    wrong_issuer.iss = "someone-else".into();
    let (header, payload, signature) = {
        let mut parts = valid.split('.');
        (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        )
    };
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let participant_payload = URL_SAFE_NO_PAD.encode(
        json!({ "sub": "account:2", "iat": now, "nbf": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE })
            .to_string(),
    );
    let cases = [
        (
            "expired",
            sign(&claims(&sub, now - 7200, now - 3600), &secret),
        ),
        ("not yet valid", sign(&not_yet, &secret)),
        (
            "wrong signature",
            sign(
                &claims(&sub, now, now + 600),
                "een-heel-ander-geheim-van-minstens-32-bytes",
            ),
        ),
        ("alg none", format!("{none_header}.{payload}.")),
        ("wrong audience", sign(&wrong_audience, &secret)),
        ("wrong issuer", sign(&wrong_issuer, &secret)),
        (
            "tampered payload",
            format!("{header}.{participant_payload}.{signature}"),
        ),
        (
            "unknown account",
            sign(&claims("account:999", now, now + 600), &secret),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in cases {
        let (status, body) = me_with(&app, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}"
        );
    }
}

#[tokio::test]
async fn disabling_an_account_revokes_its_tokens() {
    let app = TestApp::bundled().await;
    add_account(&app, "staff@example.org", AccountRole::Staff, &[]).await;
    let token = login(&app, "staff@example.org").await;
    accounts::disable_account(&app.db, "staff@example.org")
        .await
        .expect("disabled");
    let (status, body) = me_with(&app, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let response = app
        .gql(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            json!({ "i": { "email": "staff@example.org", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_account_look_the_same_and_are_throttled() {
    let app = TestApp::bundled().await;
    add_account(&app, "staff@example.org", AccountRole::Staff, &[]).await;
    let attempt = |email: &'static str, password: &'static str| {
        app.gql(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            json!({ "i": { "email": email, "password": password } }),
        )
    };
    let wrong = attempt("staff@example.org", "verkeerd-wachtwoord").await;
    let unknown = attempt("niemand@example.org", "verkeerd-wachtwoord").await;
    assert_eq!(wrong["errors"], unknown["errors"]);
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let mut last = wrong;
    for _ in 0..12 {
        last = attempt("staff@example.org", "verkeerd-wachtwoord").await;
    }
    assert_eq!(last["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        last["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some()
    );
}

#[tokio::test]
async fn weak_passwords_and_duplicate_accounts_are_refused() {
    let app = TestApp::bundled().await;
    let weak =
        accounts::create_account(&app.db, "a@example.org", AccountRole::Staff, "kort", &[]).await;
    assert!(
        matches!(weak, Err(buurtgraph::error::AppError::BadUserInput { ref field, .. }) if field == "password")
    );
    add_account(&app, "a@example.org", AccountRole::Staff, &[]).await;
    let again =
        accounts::create_account(&app.db, "A@example.org", AccountRole::Staff, PASSWORD, &[]).await;
    assert!(matches!(
        again,
        Err(buurtgraph::error::AppError::Conflict(_))
    ));
    let bad_scope = accounts::create_account(
        &app.db,
        "m@example.org",
        AccountRole::Moderator,
        PASSWORD,
        &[accounts::ScopeSpec::Theme("bestaat-niet".into())],
    )
    .await;
    assert!(bad_scope.is_err());
    assert_eq!(app.count_rows("account").await, 1);
}

#[tokio::test]
async fn joining_needs_the_right_access_code() {
    let app = TestApp::bundled().await;
    let code = accounts::access_code(&app.db, "dag-van-de-buurt-2021", None)
        .await
        .expect("code");
    // Two groups of four from an alphabet without look-alikes (no 0/O, 1/I/L).
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 2, "{code}");
    assert!(
        groups.iter().all(|g| g.len() == 4
            && g.bytes()
                .all(|b| b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b))),
        "{code}"
    );
    assert_eq!(
        accounts::access_code(&app.db, "dag-van-de-buurt-2021", None)
            .await
            .expect("same"),
        code
    );
    let response = app
        .gql(
            "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }",
            json!({ "i": { "eventSlug": "dag-van-de-buurt-2021", "accessCode": "geraden" } }),
        )
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count_rows("participant").await, 0);
}

#[tokio::test]
async fn production_refuses_to_start_without_a_strong_secret_and_reads_secret_files() {
    use buurtgraph::config::{Environment, ServeConfig};
    let production = |secret: Option<&str>, file: Option<std::path::PathBuf>| ServeConfig {
        environment: Environment::Production,
        jwt_secret: secret.map(|s| secrecy::SecretString::from(s.to_owned())),
        jwt_secret_file: file,
        ..ServeConfig::default()
    };
    let app = crate::helpers::TestApp::empty().await;
    let refusal = |config| async {
        buurtgraph::build_router(config, app.db.clone())
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(
        refusal(production(None, None))
            .await
            .contains("JWT_SECRET: required")
    );
    assert!(
        refusal(production(Some("geheim"), None))
            .await
            .contains("too short")
    );
    assert!(
        refusal(production(Some(&"ab".repeat(20)), None))
            .await
            .contains("too weak")
    );
    let missing = std::path::PathBuf::from("/nonexistent/jwt-secret");
    assert!(
        refusal(production(None, Some(missing)))
            .await
            .contains("JWT_SECRET_FILE /nonexistent/jwt-secret")
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("jwt-secret");
    std::fs::write(&file, "k3P9vQz7Lx2mN8rT5wY1bC4dF6gH0jS-qWeRtY\n").expect("writes");
    let router = buurtgraph::build_router(production(None, Some(file)), app.db.clone()).await;
    assert!(router.is_ok());
}

const JOIN: &str = "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }";

async fn joins(app: &TestApp, code: &str) -> bool {
    let response = app
        .gql(
            JOIN,
            json!({ "i": { "eventSlug": "dag-van-de-buurt-2021", "accessCode": code } }),
        )
        .await;
    response["data"]["joinEvent"]["token"].is_string()
}

#[tokio::test]
async fn access_codes_are_accepted_in_any_case_with_or_without_spaces_and_dashes() {
    let app = TestApp::bundled().await;
    let code = accounts::access_code(&app.db, "dag-van-de-buurt-2021", None)
        .await
        .expect("code");
    let bare = code.replace('-', "");
    let (first, second) = bare.split_at(4);
    for typed in [
        code.clone(),
        code.to_lowercase(),
        bare.clone(),
        bare.to_lowercase(),
        format!("{first} {second}"),
        format!(" {} - {} ", first.to_lowercase(), second),
        bare.chars().map(|c| format!("{c}-")).collect::<String>(),
    ] {
        assert!(joins(&app, &typed).await, "{typed:?} opens the event");
    }
    assert!(!joins(&app, &format!("{bare}X")).await);

    // A chosen code: stored normalised, shown in groups, typed any way.
    let chosen = accounts::access_code(&app.db, "dag-van-de-buurt-2021", Some("Buurt Dag 21"))
        .await
        .expect("set");
    assert_eq!(chosen, "BUUR-TDAG-21");
    assert!(joins(&app, "buurtdag21").await);
    assert!(joins(&app, "BUURT-DAG-21").await);
    assert!(!joins(&app, &code).await, "the old code no longer opens it");
    let refused = accounts::access_code(&app.db, "dag-van-de-buurt-2021", Some("geheim!")).await;
    assert!(
        matches!(refused, Err(buurtgraph::error::AppError::BadUserInput { ref field, .. }) if field == "code")
    );
}

#[tokio::test]
async fn access_codes_stored_before_normalisation_keep_working() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = TestApp::bundled().await;
    entity::event::Entity::update_many()
        .col_expr(entity::event::Column::AccessCode, Expr::value("WZzYcAuoum"))
        .filter(entity::event::Column::Slug.eq("dag-van-de-buurt-2021"))
        .exec(&app.db)
        .await
        .expect("an old code");
    assert!(joins(&app, "WZzYcAuoum").await);
    assert!(joins(&app, "wzzy-cauo-um").await);
    assert_eq!(
        accounts::access_code(&app.db, "dag-van-de-buurt-2021", None)
            .await
            .expect("shown"),
        "WZZY-CAUO-UM"
    );
}
