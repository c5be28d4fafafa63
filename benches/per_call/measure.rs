//! Rounds, batches and their tallies.

use super::*;

pub(crate) const WARM_UP: usize = 300;
pub(crate) const ROUNDS: usize = 24;
pub(crate) const SEQUENTIAL_BATCH: usize = 400;
pub(crate) const IN_FLIGHT: usize = 64;
pub(crate) const CONCURRENT_BATCH: usize = 64 * 25;
pub(crate) const ALLOCATION_CALLS: usize = 500;

/// Totals of one side in one mode.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) calls: usize,
    pub(crate) busy: Duration,
    pub(crate) latencies: Vec<Duration>,
    /// Each batch's time, in order (batch `i` of both sides ran in round `i`).
    pub(crate) batches: Vec<Duration>,
}

impl Tally {
    pub(crate) fn rps(&self) -> f64 {
        self.calls as f64 / self.busy.as_secs_f64()
    }
    pub(crate) fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i]
    }
}

/// The median over rounds of raw's batch time over the client's: a burst of
/// noise spoils a round or two, not the figure.
pub(crate) fn median_ratio(client: &Tally, raw: &Tally) -> f64 {
    let mut ratios: Vec<f64> = client
        .batches
        .iter()
        .zip(&raw.batches)
        .map(|(c, r)| r.as_secs_f64() / c.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    }
}

pub(crate) async fn sequential<S: Side>(side: &S, calls: usize, tally: &mut Tally) {
    let started = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        side.call().await;
        tally.latencies.push(t.elapsed());
    }
    tally.busy += started.elapsed();
    tally.batches.push(started.elapsed());
    tally.calls += calls;
}

pub(crate) async fn concurrent<S: Side>(side: &S, calls: usize, tally: &mut Tally) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let side = side.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(calls / IN_FLIGHT);
            for _ in 0..calls / IN_FLIGHT {
                let t = Instant::now();
                side.call().await;
                latencies.push(t.elapsed());
            }
            latencies
        });
    }
    while let Some(done) = tasks.join_next().await {
        tally.latencies.extend(done.expect("a task"));
    }
    tally.busy += started.elapsed();
    tally.batches.push(started.elapsed());
    tally.calls += calls / IN_FLIGHT * IN_FLIGHT;
}

/// Allocations per call over a sequential batch on this thread.
pub(crate) async fn allocations<S: Side>(side: &S) -> f64 {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    for _ in 0..ALLOCATION_CALLS {
        side.call().await;
    }
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) as f64 / ALLOCATION_CALLS as f64
}

/// One line of the report.
pub(crate) struct Row {
    pub(crate) provider: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) client: Tally,
    pub(crate) raw: Tally,
}

pub(crate) async fn compare<C: Side, R: Side>(
    provider: &'static str,
    client: &C,
    raw: &R,
    rows: &mut Vec<Row>,
) -> (f64, f64) {
    for _ in 0..WARM_UP {
        client.call().await;
        raw.call().await;
    }
    let (c, r) = interleaved(client, raw, false).await;
    rows.push(Row {
        provider,
        mode: "sequential",
        client: c,
        raw: r,
    });
    // Open the in-flight connections before measuring.
    concurrent(client, IN_FLIGHT * 4, &mut Tally::default()).await;
    concurrent(raw, IN_FLIGHT * 4, &mut Tally::default()).await;
    let (c, r) = interleaved(client, raw, true).await;
    rows.push(Row {
        provider,
        mode: "64 in flight",
        client: c,
        raw: r,
    });
    (allocations(client).await, allocations(raw).await)
}

/// `ROUNDS` batches of each side, sequential or `IN_FLIGHT` at a time, in
/// alternating order so that machine noise hits both alike.
pub(crate) async fn interleaved<C: Side, R: Side>(client: &C, raw: &R, in_flight: bool) -> (Tally, Tally) {
    let (mut c, mut r) = (Tally::default(), Tally::default());
    for round in 0..ROUNDS {
        for client_side in [round % 2 == 0, round % 2 != 0] {
            match (client_side, in_flight) {
                (true, false) => sequential(client, SEQUENTIAL_BATCH, &mut c).await,
                (false, false) => sequential(raw, SEQUENTIAL_BATCH, &mut r).await,
                (true, true) => concurrent(client, CONCURRENT_BATCH, &mut c).await,
                (false, true) => concurrent(raw, CONCURRENT_BATCH, &mut r).await,
            }
        }
    }
    (c, r)
}

/// The request each side sends, as the server sees it: they must be the same.
pub(crate) async fn same_request<C: Side, R: Side>(state: &ServerState, client: &C, raw: &R) {
    let mut seen = Vec::new();
    state.record.store(true, Ordering::Relaxed);
    client.call().await;
    seen.push(state.seen.lock().unwrap().take().expect("the client's request"));
    state.record.store(true, Ordering::Relaxed);
    raw.call().await;
    seen.push(state.seen.lock().unwrap().take().expect("the raw request"));
    assert_eq!(seen[0], seen[1], "both sides send the same request");
}

pub(crate) fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}
