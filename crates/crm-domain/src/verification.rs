//! Visit verification: reproducible random samples of a rep's visits, and the verification
//! rate (problem 4 of DOMAIN.md: reps paid per visit invented visits).

use crate::random::SplitMix64;

crate::named_enum! {
    /// What calling the customer about a recorded visit found.
    pub enum CheckOutcome as "check outcome" {
        Confirmed = "confirmed",
        NotConfirmed = "not_confirmed",
        NoAnswer = "no_answer",
    }
}

/// The most visits one sample can draw.
pub const MAX_SAMPLE: u32 = 200;

/// Draws `size` distinct indices out of `0..population` (all of them if fewer), in the order
/// drawn. The same population, size and seed always give the same sample.
pub fn sample_indices(population: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..population).collect();
    let mut rng = SplitMix64::new(seed);
    let size = size.min(population);
    // A partial Fisher–Yates shuffle: the first `size` places are a uniform sample.
    for i in 0..size {
        let j = i + rng.below((population - i) as u64) as usize;
        indices.swap(i, j);
    }
    indices.truncate(size);
    indices
}

/// The share of checked visits that customers confirmed, ignoring calls nobody answered; `None`
/// while no call got an answer.
pub fn verification_rate(confirmed: u32, not_confirmed: u32) -> Option<f64> {
    let answered = confirmed + not_confirmed;
    (answered > 0).then(|| f64::from(confirmed) / f64::from(answered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_distinct_sample() {
        let a = sample_indices(100, 10, 42);
        assert_eq!(a, sample_indices(100, 10, 42));
        assert_ne!(a, sample_indices(100, 10, 43));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(a.iter().all(|&i| i < 100));
    }

    #[test]
    fn a_sample_larger_than_the_population_takes_everyone() {
        let mut all = sample_indices(5, 50, 7);
        all.sort();
        assert_eq!(all, [0, 1, 2, 3, 4]);
        assert!(sample_indices(0, 3, 7).is_empty());
    }

    #[test]
    fn every_visit_has_a_fair_chance() {
        // Over many seeds each of 10 visits is drawn into samples of 3 about 30% of the time.
        let mut hits = [0u32; 10];
        for seed in 0..10_000 {
            for i in sample_indices(10, 3, seed) {
                hits[i] += 1;
            }
        }
        for (i, &h) in hits.iter().enumerate() {
            assert!((2_700..3_300).contains(&h), "visit {i} drawn {h} times");
        }
    }

    #[test]
    fn the_rate_ignores_unanswered_calls() {
        assert_eq!(verification_rate(3, 1), Some(0.75));
        assert_eq!(verification_rate(0, 0), None);
        assert_eq!(verification_rate(0, 2), Some(0.0));
    }
}
