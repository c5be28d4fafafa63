//! The pacing rule alone, in simulated time: replicas each with their own pacer
//! against one fixed-window counter.

use super::*;

impl Pacer {
    fn delay_at_(&self, now: Instant) -> Option<Duration> {
        self.delay_at(now).0
    }
}
use std::cmp::Reverse;
use std::collections::BinaryHeap;

fn seen(limit: u64, remaining: u64, reset_secs: u64, window_secs: u64) -> Option<RateLimit> {
    Some(RateLimit {
        limit: Some(limit),
        remaining,
        reset: Duration::from_secs(reset_secs),
        window: Some(Duration::from_secs(window_secs)),
    })
}

#[test]
fn calls_go_at_once_while_more_than_half_remains() {
    let (p, t0) = (Pacer::new(), Instant::now());
    assert_eq!(p.delay_at_(t0), None, "nothing known");
    p.observe_at(t0, (0, t0), seen(300, 290, 60, 60), None);
    for _ in 0..100 {
        assert_eq!(p.delay_at_(t0), None);
    }
}

#[test]
fn below_half_the_rest_is_spread_over_the_window() {
    let (p, t0) = (Pacer::new().reserve(2), Instant::now());
    p.observe_at(t0, (0, t0), seen(30, 12, 2, 2), None);
    assert_eq!(p.delay_at_(t0), None, "the first spread call goes");
    let d = p.delay_at_(t0).unwrap();
    // 2 s over the 11 − 2 calls left above the reserve, jittered by [0.5, 1.5).
    assert!(
        d >= Duration::from_millis(111) && d < Duration::from_millis(334),
        "{d:?}"
    );
}

#[test]
fn at_the_reserve_calls_wait_for_the_reset() {
    let (p, t0) = (Pacer::new().reserve(3), Instant::now());
    p.observe_at(t0, (0, t0), seen(30, 3, 2, 2), None);
    let d = p.delay_at_(t0).unwrap();
    assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2040), "{d:?}");
    // A later answer rounded up less narrows the end.
    p.observe_at(
        t0 + Duration::from_millis(1500),
        (0, t0 + Duration::from_millis(1500)),
        seen(30, 2, 1, 2),
        None,
    );
    let d = p.delay_at_(t0 + Duration::from_millis(1500)).unwrap();
    assert!(d <= Duration::from_millis(540), "{d:?}");
    // After the reset the next window is full: calls go at once.
    assert_eq!(p.delay_at_(t0 + Duration::from_millis(2100)), None);
}

#[test]
fn retry_after_holds_every_call_back() {
    let (p, t0) = (Pacer::new(), Instant::now());
    p.observe_at(t0, (0, t0), None, Some(Duration::from_secs(3)));
    assert_eq!(p.delay_at_(t0), Some(Duration::from_secs(3)));
    assert_eq!(p.delay_at_(t0 + Duration::from_secs(3)), None);
    assert_eq!(p.last_seen(), None);
}

#[test]
fn extreme_counters_never_panic() {
    let (p, t0) = (Pacer::new().reserve(0), Instant::now());
    for (limit, remaining, reset) in [(0, 0, 0), (u64::MAX, u64::MAX, 0), (1, 0, 7 * 86_400), (5, 9, 1)] {
        let epoch = p.delay_at(t0).1;
        p.observe_at(t0, (epoch, t0), seen(limit, remaining, reset, 1), Some(Duration::MAX));
        let _ = p.delay_at_(t0);
        let _ = p.delay_at_(t0 + Duration::from_secs(1));
    }
    let p = Pacer::new();
    p.observe_at(
        t0,
        (0, t0),
        Some(RateLimit {
            limit: None,
            window: None,
            ..seen(1, 1, 1, 1).unwrap()
        }),
        None,
    );
    let _ = p.delay_at_(t0);
}

/// A fixed-window counter as Closient's: resets rounded up to whole seconds.
struct Server {
    start: Instant,
    limit: u64,
    window: Duration,
    counts: std::collections::HashMap<u128, u64>,
    served: u64,
    refused: u64,
}

impl Server {
    fn answer(&mut self, at: Instant) -> (Option<RateLimit>, Option<Duration>) {
        let since = at - self.start;
        let index = since.as_nanos() / self.window.as_nanos();
        let ends = self.window * (index as u32 + 1);
        let reset = Duration::from_secs((ends - since).as_secs_f64().ceil() as u64);
        let count = self.counts.entry(index).or_default();
        let ok = *count < self.limit;
        if ok {
            *count += 1;
            self.served += 1;
        } else {
            self.refused += 1;
        }
        let seen = RateLimit {
            limit: Some(self.limit),
            remaining: self.limit - *count,
            reset,
            window: Some(self.window),
        };
        (Some(seen), (!ok).then_some(reset))
    }
}

/// `replicas` each making 30 calls one after another (each answer after
/// `latency`), starting `phase` into a window: 429s and the time taken.
fn fleet(replicas: usize, reserve: Option<u64>, phase: Duration, latency: Duration) -> (u64, Duration) {
    let calls = 30;
    let t0 = Instant::now();
    let mut server = Server {
        start: t0 - phase,
        limit: 30,
        window: Duration::from_secs(2),
        counts: Default::default(),
        served: 0,
        refused: 0,
    };
    let pacer = |_| match reserve {
        Some(n) => Pacer::new().reserve(n),
        None => Pacer::new(),
    };
    let pacers: Vec<Pacer> = (0..replicas).map(pacer).collect();
    let mut sent = vec![(0u64, t0); replicas];
    let mut done = vec![0u64; replicas];
    // (time, replica, arrives at the server?)
    let mut events = BinaryHeap::new();
    for r in 0..replicas {
        events.push(Reverse((t0, r, false)));
    }
    let mut last = t0;
    while let Some(Reverse((at, r, arrives))) = events.pop() {
        if arrives {
            let (seen, retry_after) = server.answer(at);
            let answered = at + latency / 2;
            pacers[r].observe_at(answered, sent[r], seen, retry_after);
            if retry_after.is_none() {
                done[r] += 1;
                last = last.max(at);
            }
            if done[r] < calls {
                events.push(Reverse((answered, r, false)));
            }
        } else {
            let (delay, epoch) = pacers[r].delay_at(at);
            let delay = delay.unwrap_or_default();
            sent[r] = (epoch, at + delay);
            events.push(Reverse((at + delay + latency / 2, r, true)));
        }
    }
    assert_eq!(server.served, replicas as u64 * calls);
    (server.refused, last - t0)
}

#[test]
fn four_replicas_sharing_a_key_meet_no_429_and_use_the_window() {
    // Every phase of the window the burst may start in, fast and slow answers.
    for i in 0..100u64 {
        let (phase, latency) = (Duration::from_millis(i * 20), Duration::from_millis(1 + i % 30));
        let (refused, took) = fleet(4, None, phase, latency);
        assert_eq!(refused, 0, "phase {phase:?}, latency {latency:?}");
        // 120 calls at 30 per 2 s: window use = served ÷ (30 × elapsed ÷ 2 s).
        let used = 120.0 / (30.0 * took.as_secs_f64() / 2.0);
        assert!(used >= 0.85, "{used:.2} (took {took:?}, phase {phase:?})");
    }
}

#[test]
fn a_larger_fleet_needs_a_larger_reserve() {
    let worst = |reserve| {
        (0..50u64)
            .map(|i| {
                fleet(
                    8,
                    reserve,
                    Duration::from_millis(i * 40),
                    Duration::from_millis(1 + i % 20),
                )
                .0
            })
            .max()
    };
    // Eight replicas: the default reserve (3) no longer covers the stale calls...
    assert!(worst(None) > Some(0));
    // ...a reserve of one less than the replicas does.
    assert_eq!(worst(Some(7)), Some(0));
}
