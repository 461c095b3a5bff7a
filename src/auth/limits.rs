//! Throttles: sign-in attempts per e-mail address, joins per address, submissions and
//! votes per participant.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::ServeConfig;
use crate::error::AppError;

/// The address a request came from, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Shared limiters (one set per server process).
#[derive(Clone)]
pub struct Limits {
    logins: Arc<DefaultKeyedRateLimiter<String>>,
    joins: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    submissions: Arc<DefaultKeyedRateLimiter<i32>>,
    votes: Arc<DefaultKeyedRateLimiter<i32>>,
}

impl Limits {
    pub fn new(config: &ServeConfig) -> Self {
        let per_minute =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            logins: Arc::new(RateLimiter::keyed(per_minute(config.logins_per_minute))),
            joins: Arc::new(RateLimiter::keyed(per_minute(config.joins_per_minute))),
            submissions: Arc::new(RateLimiter::keyed(per_minute(
                config.submissions_per_minute,
            ))),
            votes: Arc::new(RateLimiter::keyed(per_minute(config.votes_per_minute))),
        }
    }

    /// Forgets keys whose quota is full again, so memory follows the active clients.
    pub fn retain_recent(&self) {
        self.logins.retain_recent();
        self.joins.retain_recent();
        self.submissions.retain_recent();
        self.votes.retain_recent();
    }

    pub fn check_login(&self, email: &str) -> Result<(), AppError> {
        check(&self.logins, &email.trim().to_lowercase())
    }

    pub fn check_join(&self, address: IpAddr) -> Result<(), AppError> {
        check(&self.joins, &address)
    }

    pub fn check_vote(&self, participant_id: i32) -> Result<(), AppError> {
        check(&self.votes, &participant_id)
    }

    pub fn check_submission(&self, participant_id: i32) -> Result<(), AppError> {
        check(&self.submissions, &participant_id)
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}
