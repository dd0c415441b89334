//! The viewer key: an opaque, stable name for an account that the browser may hold.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The opaque key a browser files a user's offline data under (see
/// [`crate::focus::TimerSnapshot::viewer`]); the service worker gets it in the
/// `Ripen-Viewer` header of that user's pages. It names no one and changes with the user.
pub fn viewer_key(user: Uuid) -> String {
    let digest = Sha256::new()
        .chain_update(b"ripen-viewer:")
        .chain_update(user.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_key_is_stable_opaque_and_differs_per_user() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(viewer_key(a), viewer_key(a));
        assert_ne!(viewer_key(a), viewer_key(b));
        assert_eq!(viewer_key(a).len(), 32);
        assert!(!viewer_key(a).contains(&a.simple().to_string()));
    }
}
