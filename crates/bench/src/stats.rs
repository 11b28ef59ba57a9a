//! Latency summaries, the process's memory, and the markdown tables the benches print.

use std::time::Duration;

/// Percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| -> f64 {
            if ms.is_empty() {
                return 0.0;
            }
            let i = ((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1;
            ms[i]
        };
        Self {
            count: ms.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: ms.last().copied().unwrap_or(0.0),
            mean: if ms.is_empty() {
                0.0
            } else {
                ms.iter().sum::<f64>() / ms.len() as f64
            },
        }
    }

    pub fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.count, self.p50, self.p90, self.p99, self.max, self.mean
        )
    }

    pub const HEADER: &str = "| what | n | p50 ms | p90 ms | p99 ms | max ms | mean ms |\n|---|---:|---:|---:|---:|---:|---:|";
}

/// A `/proc/<pid>/status` field in kB (`VmRSS`, `VmHWM`), or 0 where unavailable.
pub fn status_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                rest.split_whitespace().next()?.parse().ok()
            })
        })
        .unwrap_or(0)
}

/// (current, peak) resident memory of this process, MB.
pub fn rss_mb() -> (f64, f64) {
    (
        status_kb("self", "VmRSS") as f64 / 1024.0,
        status_kb("self", "VmHWM") as f64 / 1024.0,
    )
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
