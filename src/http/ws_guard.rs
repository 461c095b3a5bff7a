//! Guards one WebSocket connection against a client that floods it: a rate of incoming
//! messages, and a number of operations open at once. A connection over either limit is
//! closed; the client's other connections and everyone else's carry on.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// How many messages a connection may send at once before the rate applies.
const BURST_SECONDS: u32 = 5;

pub struct MessageGuard {
    rate: Option<DefaultDirectRateLimiter>,
    max_operations: usize,
}

/// Why a connection was closed.
#[derive(Debug, PartialEq, Eq)]
pub enum Flood {
    TooManyMessages,
    TooManySubscriptions,
}

impl MessageGuard {
    /// `messages_per_second` and `max_operations` of 0 mean no limit.
    pub fn new(messages_per_second: u32, max_operations: usize) -> Self {
        let rate = NonZeroU32::new(messages_per_second).map(|per_second| {
            let burst = per_second
                .saturating_mul(NonZeroU32::new(BURST_SECONDS).unwrap_or(NonZeroU32::MIN));
            RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst))
        });
        Self {
            rate,
            max_operations,
        }
    }

    /// Whether the connection may go on after one more message from the client.
    pub fn admit(&self) -> Result<(), Flood> {
        match &self.rate {
            Some(rate) if rate.check().is_err() => Err(Flood::TooManyMessages),
            _ => Ok(()),
        }
    }

    /// Whether one more operation may start beside the `open` ones (an operation is open
    /// until the client completes it, or the server sends its `complete`).
    pub fn may_start(&self, open: usize) -> Result<(), Flood> {
        if self.max_operations > 0 && open >= self.max_operations {
            Err(Flood::TooManySubscriptions)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_up_to_the_limit_may_start() {
        let guard = MessageGuard::new(0, 2);
        assert_eq!(guard.may_start(0), Ok(()));
        assert_eq!(guard.may_start(1), Ok(()));
        assert_eq!(guard.may_start(2), Err(Flood::TooManySubscriptions));
    }

    #[test]
    fn a_burst_passes_and_a_flood_does_not() {
        let guard = MessageGuard::new(2, 0);
        for _ in 0..2 * BURST_SECONDS {
            assert_eq!(guard.admit(), Ok(()));
        }
        assert_eq!(guard.admit(), Err(Flood::TooManyMessages));
    }

    #[test]
    fn no_limits_when_both_are_zero() {
        let guard = MessageGuard::new(0, 0);
        for open in 0..1_000 {
            assert_eq!(guard.admit(), Ok(()));
            assert_eq!(guard.may_start(open), Ok(()));
        }
    }
}
