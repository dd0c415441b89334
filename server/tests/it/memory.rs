//! Measuring the server's memory: it runs in the test process, so the process's resident
//! size is the server's (plus the test's own, which the tests keep small).

use std::time::Duration;

/// The tests that measure memory take turns: each resets the process's peak.
pub static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The peak resident memory of this process (the server runs in it) from `start` to
/// `stop`: `VmHWM` after resetting it, and a sampler every 5 ms where that is not possible.
pub struct PeakMeter {
    before_kb: u64,
    resettable: bool,
    sampling: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<u64>,
}

impl PeakMeter {
    pub fn start() -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let resettable = reset_peak_rss();
        let before_kb = status_kb("VmRSS:").unwrap();
        let sampling = std::sync::Arc::new(AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            std::thread::spawn(move || {
                let mut max = 0;
                while sampling.load(Ordering::Relaxed) {
                    max = max.max(status_kb("VmRSS:").unwrap_or(0));
                    std::thread::sleep(Duration::from_millis(5));
                }
                max
            })
        };
        Self {
            before_kb,
            resettable,
            sampling,
            sampler,
        }
    }

    /// Answers (before, peak, growth) in MiB.
    pub fn stop(self) -> (u64, u64, u64) {
        self.sampling
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let sampled = self.sampler.join().unwrap();
        let peak = if self.resettable {
            status_kb("VmHWM:").unwrap().max(sampled)
        } else {
            sampled
        };
        (
            self.before_kb / 1024,
            peak / 1024,
            peak.saturating_sub(self.before_kb) / 1024,
        )
    }
}

/// `kB` of one line of `/proc/self/status` (Linux).
fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak resident size (`VmHWM`) to its current size, so a later
/// `VmHWM` is the peak of what follows. Answers false where that is not possible.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The test binary's allocator (`main.rs`): the system's, counting the bytes allocated and
/// not yet freed. Unlike the resident size, this leaves out memory the allocator keeps
/// after it was freed (glibc keeps freed memory in per-thread arenas, so the resident size
/// of a busy process depends on how many threads allocated what), so "how much did the
/// server hold at once" is measured without that noise.
pub type CountingAllocator = cap::Cap<std::alloc::System>;

/// The most heap the process held at once from `start` to `stop` (sampled every
/// millisecond), above what it held at `start`.
pub struct HeapMeter {
    before: usize,
    sampling: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<usize>,
}

impl HeapMeter {
    pub fn start() -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let before = crate::ALLOCATOR.allocated();
        let sampling = std::sync::Arc::new(AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            std::thread::spawn(move || {
                let mut max = 0;
                while sampling.load(Ordering::Relaxed) {
                    max = max.max(crate::ALLOCATOR.allocated());
                    std::thread::sleep(Duration::from_millis(1));
                }
                max
            })
        };
        Self {
            before,
            sampling,
            sampler,
        }
    }

    /// Answers (held at the start, peak, growth) in MiB.
    pub fn stop(self) -> (u64, u64, u64) {
        self.sampling
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let peak = self.sampler.join().unwrap().max(self.before);
        let mib = |b: usize| (b / (1024 * 1024)) as u64;
        (mib(self.before), mib(peak), mib(peak - self.before))
    }
}
