//! Throttles: sign-in attempts per e-mail address, joins per address, submissions and
//! votes per participant.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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
    /// Accepted submissions: refused ones give their place back.
    submissions: Arc<AcceptedQuota>,
    /// Every attempt to submit, refused or not: a looser cap against abuse.
    submission_attempts: Arc<DefaultKeyedRateLimiter<i32>>,
    votes: Arc<DefaultKeyedRateLimiter<i32>>,
}

/// Attempts to submit allowed per accepted submission of the quota.
pub const ATTEMPTS_PER_SUBMISSION: u32 = 5;

impl Limits {
    pub fn new(config: &ServeConfig) -> Self {
        let per_minute =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            logins: Arc::new(RateLimiter::keyed(per_minute(config.logins_per_minute))),
            joins: Arc::new(RateLimiter::keyed(per_minute(config.joins_per_minute))),
            submissions: Arc::new(AcceptedQuota::per_minute(config.submissions_per_minute)),
            submission_attempts: Arc::new(RateLimiter::keyed(per_minute(
                config
                    .submissions_per_minute
                    .saturating_mul(ATTEMPTS_PER_SUBMISSION),
            ))),
            votes: Arc::new(RateLimiter::keyed(per_minute(config.votes_per_minute))),
        }
    }

    /// Forgets keys whose quota is full again, so memory follows the active clients.
    pub fn retain_recent(&self) {
        self.logins.retain_recent();
        self.joins.retain_recent();
        self.submissions.retain_recent();
        self.submission_attempts.retain_recent();
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

    /// Counts an attempt to submit, whatever becomes of it.
    pub fn check_submission_attempt(&self, participant_id: i32) -> Result<(), AppError> {
        check(&self.submission_attempts, &participant_id)
    }

    /// Takes a place in the participant's quota of submissions for a submission that passed
    /// its checks; `Reservation::keep` once it is stored, else dropping it gives the place back.
    pub fn reserve_submission(&self, participant_id: i32) -> Result<Reservation, AppError> {
        self.submissions.reserve(participant_id)
    }
}

/// The window of the accepted-submissions quota.
const MINUTE: Duration = Duration::from_secs(60);

/// At most `limit` accepted actions per key in any minute. A place is taken before the
/// action is done (so concurrent actions cannot overshoot) and given back if it is refused.
struct AcceptedQuota {
    limit: usize,
    taken: Mutex<HashMap<i32, VecDeque<Instant>>>,
}

impl AcceptedQuota {
    fn per_minute(limit: u32) -> Self {
        Self {
            limit: usize::try_from(limit.max(1)).unwrap_or(usize::MAX),
            taken: Mutex::default(),
        }
    }

    fn reserve(self: &Arc<Self>, key: i32) -> Result<Reservation, AppError> {
        let mut taken = lock(&self.taken);
        let now = Instant::now();
        let times = taken.entry(key).or_default();
        forget_older_than_a_minute(times, now);
        if times.len() >= self.limit
            && let Some(oldest) = times.front()
        {
            let wait = MINUTE.saturating_sub(now.duration_since(*oldest));
            return Err(AppError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            });
        }
        times.push_back(now);
        Ok(Reservation {
            quota: self.clone(),
            key,
            at: now,
            kept: false,
        })
    }

    fn retain_recent(&self) {
        let now = Instant::now();
        lock(&self.taken).retain(|_, times| {
            forget_older_than_a_minute(times, now);
            !times.is_empty()
        });
    }
}

fn forget_older_than_a_minute(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|at| now.duration_since(*at) >= MINUTE)
    {
        times.pop_front();
    }
}

/// The quota holds plain timestamps: a panicking holder leaves them fit to use.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A place in a participant's submission quota, given back when dropped unless kept.
#[must_use = "dropping a reservation gives the place back"]
pub struct Reservation {
    quota: Arc<AcceptedQuota>,
    key: i32,
    at: Instant,
    kept: bool,
}

impl Reservation {
    /// The submission was stored: it counts against the quota.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let mut taken = lock(&self.quota.taken);
        if let Some(times) = taken.get_mut(&self.key)
            && let Some(position) = times.iter().position(|at| *at == self.at)
        {
            times.remove(position);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kept_reservations_use_up_the_quota() {
        let quota = Arc::new(AcceptedQuota::per_minute(2));
        for _ in 0..10 {
            drop(
                quota
                    .reserve(7)
                    .expect("a refused submission gave its place back"),
            );
        }
        quota.reserve(7).expect("place").keep();
        let held = quota.reserve(7).expect("the second place");
        assert!(matches!(
            quota.reserve(7),
            Err(AppError::RateLimited { retry_after_secs }) if (1..=60).contains(&retry_after_secs)
        ));
        assert!(
            quota.reserve(8).is_ok(),
            "another participant has their own quota"
        );
        drop(held);
        assert!(quota.reserve(7).is_ok());
    }
}
