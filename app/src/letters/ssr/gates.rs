//! How many pictures are read at once, and how much memory their pixels may take
//! together. Each upload first takes one of `letters.uploads_at_once` slots (reading the
//! header happens under it), then, for decoding, as many MiB of
//! `letters.image_decode_memory_bytes` as its header says decoding will hold at the peak
//! ([`ImageInfo::peak_bytes`]). Both are waited for at most `letters.image_wait_secs` in
//! all; after that the upload is answered [`AppError::Busy`] (503, `Retry-After`), which
//! costs the server nothing, instead of queueing without end.
//!
//! The permits are owned values moved into the blocking task that decodes, so they are
//! given back when the decode ends, even if the request that started it has gone.

use std::{sync::Arc, time::Duration};

use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

use crate::{AppError, letters::images::ImageInfo};

const MIB: u64 = 1024 * 1024;

/// The gates every upload passes; one per process, held by the letters service.
#[derive(Debug)]
pub struct ImageGates {
    slots: Arc<Semaphore>,
    memory: Arc<Semaphore>,
    /// The memory semaphore's size, in MiB.
    memory_mib: u32,
    wait: Duration,
}

/// One of the upload slots, taken until the picture is stored or refused.
#[derive(Debug)]
pub struct UploadSlot {
    _slot: OwnedSemaphorePermit,
    /// When waiting for the memory permit gives up: the wait is shared by both gates.
    deadline: Instant,
}

/// What decoding one picture may hold: its slot and its share of the memory budget.
#[derive(Debug)]
pub struct DecodePermit {
    _slot: UploadSlot,
    _memory: OwnedSemaphorePermit,
}

impl ImageGates {
    /// `uploads_at_once` slots (at least one), a memory budget of `memory_bytes`
    /// (counted in MiB, at least one), and the longest wait for both.
    #[must_use]
    pub fn new(uploads_at_once: usize, memory_bytes: u64, wait: Duration) -> Self {
        let memory_mib = u32::try_from((memory_bytes / MIB).max(1)).unwrap_or(u32::MAX);
        let memory_mib = memory_mib.min(u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        Self {
            slots: Arc::new(Semaphore::new(uploads_at_once.max(1))),
            memory: Arc::new(Semaphore::new(memory_mib as usize)),
            memory_mib,
            wait,
        }
    }

    /// Waits (at most the configured time) for an upload slot.
    ///
    /// # Errors
    ///
    /// [`AppError::Busy`] when none came free in time.
    pub async fn slot(&self) -> Result<UploadSlot, AppError> {
        let deadline = Instant::now() + self.wait;
        match tokio::time::timeout_at(deadline, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(UploadSlot {
                _slot: slot,
                deadline,
            }),
            _ => Err(self.busy()),
        }
    }

    /// Waits (until the slot's deadline) for the memory decoding `info` will hold.
    ///
    /// # Errors
    ///
    /// [`AppError::Busy`] when that much did not come free in time.
    pub async fn reserve(
        &self,
        slot: UploadSlot,
        info: &ImageInfo,
    ) -> Result<DecodePermit, AppError> {
        let mib = self.weight(info.peak_bytes());
        let wanted = self.memory.clone().acquire_many_owned(mib);
        match tokio::time::timeout_at(slot.deadline, wanted).await {
            Ok(Ok(memory)) => Ok(DecodePermit {
                _slot: slot,
                _memory: memory,
            }),
            _ => Err(self.busy()),
        }
    }

    /// The MiB `bytes` takes from the budget: rounded up, at least one, and never more
    /// than the whole budget (a picture that needs all of it waits until it is alone).
    fn weight(&self, bytes: u64) -> u32 {
        let mib = bytes.div_ceil(MIB).max(1);
        u32::try_from(mib).unwrap_or(u32::MAX).min(self.memory_mib)
    }

    fn busy(&self) -> AppError {
        AppError::Busy {
            retry_after_secs: self.wait.as_secs().clamp(1, 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::images::{ImageLimits, inspect};

    /// The header of a real `width` × `height` grey PNG (1 byte a pixel).
    fn info(width: u32, height: u32) -> ImageInfo {
        let img = image::GrayImage::new(width, height);
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        inspect(png.get_ref(), &ImageLimits::default()).unwrap()
    }

    #[test]
    fn weights_are_whole_mib_of_the_peak_within_the_budget() {
        let gates = ImageGates::new(8, 512 * MIB, Duration::from_secs(1));
        assert_eq!(gates.weight(0), 1);
        assert_eq!(gates.weight(1), 1);
        assert_eq!(gates.weight(MIB), 1);
        assert_eq!(gates.weight(MIB + 1), 2);
        assert_eq!(gates.weight(10_000 * MIB), 512);
        // 1024 × 1024 grey: 1 MiB of pixels, 2 MiB at the peak.
        assert_eq!(gates.weight(info(1024, 1024).peak_bytes()), 2);
    }

    #[tokio::test]
    async fn slots_are_limited_and_a_long_wait_answers_busy() {
        let gates = ImageGates::new(2, 512 * MIB, Duration::from_millis(200));
        let a = gates.slot().await.unwrap();
        let _b = gates.slot().await.unwrap();
        let started = Instant::now();
        let third = gates.slot().await.unwrap_err();
        // Retry-After is whole seconds, at least one.
        assert_eq!(
            third,
            AppError::Busy {
                retry_after_secs: 1
            }
        );
        assert_eq!(third.status(), 503);
        assert!(started.elapsed() >= Duration::from_millis(200));
        // A slot given back lets the next one in.
        drop(a);
        gates.slot().await.unwrap();
    }

    #[tokio::test]
    async fn memory_is_shared_by_weight_and_given_back_with_the_permit() {
        // 4 MiB in all; each 1024 × 1024 picture holds 2 MiB at the peak.
        let gates = ImageGates::new(8, 4 * MIB, Duration::from_millis(300));
        let picture = info(1024, 1024);
        let first = gates
            .reserve(gates.slot().await.unwrap(), &picture)
            .await
            .unwrap();
        let second = gates
            .reserve(gates.slot().await.unwrap(), &picture)
            .await
            .unwrap();
        let third = gates.reserve(gates.slot().await.unwrap(), &picture).await;
        assert!(matches!(third, Err(AppError::Busy { .. })));
        // The waiting one gets in as soon as one decode ends.
        let waiting = async { gates.reserve(gates.slot().await.unwrap(), &picture).await };
        let release = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(first);
        };
        let (third, ()) = tokio::join!(waiting, release);
        assert!(third.is_ok());
        drop(second);
        // A picture bigger than the whole budget still gets in, alone.
        let huge = info(4096, 2048); // 8 MiB, 16 at the peak
        assert!(
            gates
                .reserve(gates.slot().await.unwrap(), &huge)
                .await
                .is_err()
        );
        drop(third);
        assert!(
            gates
                .reserve(gates.slot().await.unwrap(), &huge)
                .await
                .is_ok()
        );
    }
}
