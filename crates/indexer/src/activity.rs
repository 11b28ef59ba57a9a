//! The repository activity score (InnerSource Commons pattern, corrected formula of 2026-08): one
//! number that says how alive and welcoming a repository is, for sorting and as a search prior.
//! Older published copies of the formula misplace brackets; this follows the corrected text.

use chrono::{DateTime, Utc};

/// What the score is computed from.
#[derive(Debug, Clone, Default)]
pub struct ActivityInputs {
    pub forks: i64,
    pub watchers: i64,
    pub stars: i64,
    pub open_issues: i64,
    pub created_at: Option<DateTime<Utc>>,
    /// The later of the forge's last push and last update.
    pub updated_at: Option<DateTime<Utc>>,
    /// Weekly commit counts, oldest first (empty when unknown).
    pub participation: Vec<i64>,
    /// The longer of description and motivation, in characters.
    pub pitch_len: usize,
    pub has_contributing: bool,
}

fn days_since(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
    // Unknown dates count as long ago: no bonus for what we cannot see.
    at.map_or(10_000.0, |t| {
        ((now - t).num_seconds().max(0) as f64) / 86_400.0
    })
}

pub fn activity_score(inputs: &ActivityInputs, now: DateTime<Utc>) -> i64 {
    let mut s = 50.0
        + 5.0 * inputs.forks as f64
        + inputs.watchers as f64
        + inputs.stars as f64 / 3.0
        + inputs.open_issues as f64 / 5.0;
    let d = days_since(inputs.updated_at, now);
    s *= 1.0 + (100.0 - d.min(100.0)) / 100.0;
    if !inputs.participation.is_empty() {
        let recent: Vec<i64> = inputs
            .participation
            .iter()
            .rev()
            .take(13)
            .copied()
            .collect();
        let avg = recent.iter().sum::<i64>() as f64 / recent.len() as f64;
        s *= 1.0 + (avg - 3.0).clamp(0.0, 7.0) / 7.0;
    }
    let age = days_since(inputs.created_at, now);
    s += (1000.0 - d.min(365.0) * 2.74) * (365.0 - age.min(365.0)) / 365.0;
    if inputs.pitch_len > 30 {
        s += 50.0;
    }
    if inputs.has_contributing {
        s += 100.0;
    }
    if s > 3000.0 {
        s = 3000.0 + s.ln() * 100.0;
    }
    (s - 50.0).round() as i64
}

/// The level names of the pattern, for display.
pub fn activity_level(score: i64) -> &'static str {
    match score {
        s if s > 2500 => "extremely high",
        s if s > 1000 => "very high",
        s if s > 300 => "high",
        s if s > 150 => "moderate",
        s if s > 50 => "low",
        s if s > 5 => "very low",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn an_old_untouched_repository_scores_its_counters_only() {
        // 50 + 5*2 + 4 + 9/3 + 10/5 = 69; d ≥ 100 → ×1; old → no creation bonus; 69 - 50 = 19.
        let inputs = ActivityInputs {
            forks: 2,
            watchers: 4,
            stars: 9,
            open_issues: 10,
            created_at: Some(now() - Duration::days(2000)),
            updated_at: Some(now() - Duration::days(400)),
            ..ActivityInputs::default()
        };
        assert_eq!(activity_score(&inputs, now()), 19);
    }

    #[test]
    fn recent_activity_commits_and_a_new_repository_add_up_as_the_corrected_formula_says() {
        // base 50; updated today → ×2 = 100; 13 weeks averaging 10 → ×(1 + 7/7) = 200;
        // created today → + (1000 - 0) * 365/365 = 1200; pitch > 30 → 1250; CONTRIBUTING → 1350.
        let inputs = ActivityInputs {
            created_at: Some(now()),
            updated_at: Some(now()),
            participation: [vec![0; 39], vec![10; 13]].concat(),
            pitch_len: 31,
            has_contributing: true,
            ..ActivityInputs::default()
        };
        assert_eq!(activity_score(&inputs, now()), 1300);
    }

    #[test]
    fn scores_above_3000_are_compressed_logarithmically() {
        let inputs = ActivityInputs {
            stars: 30_000,
            updated_at: Some(now() - Duration::days(500)),
            ..Default::default()
        };
        // s = 50 + 10000 = 10050 → 3000 + ln(10050)*100 ≈ 3921.5 → 3922 - 50 = 3872.
        assert_eq!(activity_score(&inputs, now()), 3872);
        assert_eq!(activity_level(3872), "extremely high");
        assert_eq!(activity_level(151), "moderate");
    }
}
