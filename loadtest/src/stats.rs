//! Latency summaries: exact percentiles over recorded samples.
//!
//! Runs record at most a few hundred thousand samples, so keeping every sample and sorting once
//! is cheaper to trust than a histogram and exact at every percentile.

use serde::{Deserialize, Serialize};

/// Percentiles of a set of durations, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Arithmetic mean.
    pub mean_us: f64,
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Largest sample.
    pub max_us: f64,
}

impl Summary {
    /// Summarises samples given in nanoseconds (sorts them in place).
    pub fn from_nanos(samples: &mut [u64]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let us = |ns: u64| ns as f64 / 1_000.0;
        let total: u128 = samples.iter().map(|&s| u128::from(s)).sum();
        Summary {
            count: samples.len(),
            mean_us: total as f64 / samples.len() as f64 / 1_000.0,
            p50_us: us(percentile(samples, 50.0)),
            p90_us: us(percentile(samples, 90.0)),
            p99_us: us(percentile(samples, 99.0)),
            p999_us: us(percentile(samples, 99.9)),
            max_us: us(samples[samples.len() - 1]),
        }
    }
}

/// Nearest-rank percentile of sorted samples (`p` in 0..=100); 0 for no samples.
///
/// Nearest rank always returns a value that was observed, so a p99 of 100 samples is the
/// 99th smallest sample, never an interpolation between two.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Mean of values (0 for none).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 50.0), 50);
        assert_eq!(percentile(&sorted, 90.0), 90);
        assert_eq!(percentile(&sorted, 99.0), 99);
        assert_eq!(percentile(&sorted, 99.9), 100);
        assert_eq!(percentile(&sorted, 100.0), 100);
        assert_eq!(percentile(&sorted, 0.0), 1);
    }

    #[test]
    fn percentile_of_one_and_none() {
        assert_eq!(percentile(&[7], 50.0), 7);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn summary_sorts_and_converts_to_micros() {
        let mut samples = vec![3_000, 1_000, 2_000, 4_000];
        let s = Summary::from_nanos(&mut samples);
        assert_eq!(s.count, 4);
        assert_eq!(s.p50_us, 2.0);
        assert_eq!(s.max_us, 4.0);
        assert_eq!(s.mean_us, 2.5);
        assert_eq!(Summary::from_nanos(&mut []), Summary::default());
    }

    #[test]
    fn mean_of_nothing_is_zero() {
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(mean(&[1.0, 3.0]), 2.0);
    }
}
