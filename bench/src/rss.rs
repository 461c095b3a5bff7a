//! Resident memory of the server under test, read from `/proc/<pid>/status`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How often the sampler reads `VmRSS`.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// A `kB` field (`VmRSS`, `VmHWM`, …) of a `/proc/<pid>/status` text.
pub fn parse_status_kb(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// A `kB` field of the process's status; `None` when the process is gone (or not Linux).
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&status, field)
}

/// Kibibytes as mebibytes.
pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Samples `VmRSS` every 50 ms while a scenario runs.
pub struct RssSampler {
    pid: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(status_kb(pid, "VmRSS").unwrap_or(0)));
        let task = {
            let (stop, peak) = (stop.clone(), peak.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kb) = status_kb(pid, "VmRSS") {
                        peak.fetch_max(kb, Ordering::Relaxed);
                    }
                    tokio::time::sleep(SAMPLE_EVERY).await;
                }
            })
        };
        Self {
            pid,
            stop,
            peak,
            task,
        }
    }

    /// The peak in kB: the highest sample, or the process's high-water mark (`VmHWM`) if higher.
    pub async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        let hwm = status_kb(self.pid, "VmHWM").unwrap_or(0);
        self.peak.load(Ordering::Relaxed).max(hwm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kb_fields() {
        let status = "Name:\tbuurtgraph\nVmHWM:\t   48120 kB\nVmRSS:\t   40200 kB\nThreads:\t5\n";
        assert_eq!(parse_status_kb(status, "VmRSS"), Some(40200));
        assert_eq!(parse_status_kb(status, "VmHWM"), Some(48120));
        assert_eq!(parse_status_kb(status, "VmSwap"), None);
        assert!((mb(2048) - 2.0).abs() < f64::EPSILON);
    }
}
