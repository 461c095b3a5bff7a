//! Signed tokens: HS256 only (pinned), with `exp`, `iat`, `nbf`, `iss`, `aud` and `sub`
//! all required and checked on every request.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "buurtgraph";
pub const AUDIENCE: &str = "buurtgraph-api";
/// How long an account's token lasts.
pub const ACCOUNT_TOKEN_TTL: Duration = Duration::hours(12);
/// How long a participant's token lasts: the event and the weeks after it.
pub const PARTICIPANT_TOKEN_TTL: Duration = Duration::days(30);
/// Shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

/// Who a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Account(i32),
    Participant { participant_id: i32, event_id: i32 },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// `account:<id>` or `participant:<id>`.
    pub sub: String,
    /// The participant's event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<i32>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// Random, so that two tokens of one subject issued in the same second differ (signing
    /// out revokes one token, not its twin). Tokens from before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl Claims {
    pub fn subject(&self) -> Option<Subject> {
        let (kind, id) = self.sub.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "account" => Some(Subject::Account(id)),
            "participant" => Some(Subject::Participant {
                participant_id: id,
                event_id: self.event?,
            }),
            _ => None,
        }
    }

    pub fn issued_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.iat, 0).unwrap_or_default()
    }
}

/// Keys derived from the secret, and the validation rules.
#[derive(Clone)]
pub struct JwtKeys {
    // Shared: the state (and so these) is cloned for every request.
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
    validation: Arc<Validation>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

/// A token and when it expires.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "the JWT secret must be at least {MIN_SECRET_BYTES} bytes"
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            encoding: Arc::new(EncodingKey::from_secret(secret)?),
            decoding: Arc::new(DecodingKey::from_secret(secret)?),
            validation: Arc::new(validation),
        })
    }

    pub fn issue(&self, subject: Subject, now: DateTime<Utc>) -> anyhow::Result<IssuedToken> {
        let ttl = match subject {
            Subject::Account(_) => ACCOUNT_TOKEN_TTL,
            Subject::Participant { .. } => PARTICIPANT_TOKEN_TTL,
        };
        self.issue_for(subject, now, ttl)
    }

    /// A token that lasts `ttl` (shorter-lived copies, such as a web page's WebSocket token).
    pub fn issue_for(
        &self,
        subject: Subject,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> anyhow::Result<IssuedToken> {
        let (sub, event) = match subject {
            Subject::Account(id) => (format!("account:{id}"), None),
            Subject::Participant {
                participant_id,
                event_id,
            } => (format!("participant:{participant_id}"), Some(event_id)),
        };
        let expires_at = now + ttl;
        let claims = Claims {
            sub,
            event,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            jti: Some(format!("{:032x}", rand::random::<u128>())),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Checks signature, algorithm and claims; `None` for any invalid token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}
