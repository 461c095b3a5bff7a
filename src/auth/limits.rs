//! Throttles: sign-in attempts per e-mail address, submissions per participant.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Shared limiters (one set per server process).
#[derive(Clone)]
pub struct Limits {
    logins: Arc<DefaultKeyedRateLimiter<String>>,
    submissions: Arc<DefaultKeyedRateLimiter<i32>>,
}

impl Limits {
    /// `logins_per_minute` sign-in attempts per address, `submissions_per_minute` questions per participant.
    pub fn new(logins_per_minute: u32, submissions_per_minute: u32) -> Self {
        let per_minute =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            logins: Arc::new(RateLimiter::keyed(per_minute(logins_per_minute))),
            submissions: Arc::new(RateLimiter::keyed(per_minute(submissions_per_minute))),
        }
    }

    pub fn check_login(&self, email: &str) -> Result<(), AppError> {
        check(&self.logins, &email.trim().to_lowercase())
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
