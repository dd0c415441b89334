//! Which privacy policy and terms are in force. A leaf: accounts record the version a
//! person accepted at sign-up, consent answers record the version they answered, and the
//! policy page shows it.

/// The privacy policy's version: an account stores the version it accepted.
pub const POLICY_VERSION: &str = "2026-11-24";
/// When [`POLICY_VERSION`] took effect, as shown on the policy page.
pub const POLICY_DATE: &str = "24 November 2026";
