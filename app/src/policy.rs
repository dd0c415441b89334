//! Which privacy policy and terms are in force, and the versions before it. A leaf:
//! accounts record the version a person accepted at sign-up, consent answers record the
//! version they answered, the policy page shows it, and a new version is announced to
//! everyone (`announcements`), bringing back the consent dialog when it is material.
//!
//! Publishing a new version: add it to the end of [`VERSIONS`] (with `material: true` when
//! it changes what Ripen does with data or what people agreed to), and update the policy
//! page's text. On its first start, Ripen announces it.

/// One published version of the privacy policy and terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyVersion {
    /// The day it took effect, `YYYY-MM-DD` (so versions compare as strings).
    pub version: &'static str,
    /// A material change: consent given under an earlier version is asked for again, and
    /// every account is told by email as well as in the app.
    pub material: bool,
}

/// Every version, oldest first; the last is in force.
pub const VERSIONS: &[PolicyVersion] = &[PolicyVersion {
    version: "2026-11-24",
    material: true,
}];

/// The version in force.
pub const CURRENT: PolicyVersion = VERSIONS[VERSIONS.len() - 1];

/// The privacy policy's version: an account stores the version it accepted.
pub const POLICY_VERSION: &str = CURRENT.version;
/// When [`POLICY_VERSION`] took effect, as shown on the policy page.
pub const POLICY_DATE: &str = "24 November 2026";

/// Consent given under a version older than this, the latest material change, is asked
/// for again.
pub const ASK_AGAIN_BEFORE: &str = latest_material(VERSIONS);

const fn latest_material(versions: &[PolicyVersion]) -> &'static str {
    let mut i = versions.len();
    while i > 0 {
        i -= 1;
        if versions[i].material {
            return versions[i].version;
        }
    }
    // No material change yet: nothing is asked again.
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dates_in_order_and_the_dialog_returns_for_the_latest_material_one() {
        for pair in VERSIONS.windows(2) {
            assert!(pair[0].version < pair[1].version, "{pair:?}");
        }
        for v in VERSIONS {
            assert!(
                chrono::NaiveDate::parse_from_str(v.version, "%Y-%m-%d").is_ok(),
                "{v:?}"
            );
        }
        assert_eq!(CURRENT, *VERSIONS.last().unwrap());
        let latest = VERSIONS.iter().rev().find(|v| v.material).unwrap();
        assert_eq!(ASK_AGAIN_BEFORE, latest.version);

        let history = [
            PolicyVersion {
                version: "2026-01-01",
                material: true,
            },
            PolicyVersion {
                version: "2026-06-01",
                material: true,
            },
            PolicyVersion {
                version: "2026-09-01",
                material: false,
            },
        ];
        // A minor change after a material one does not ask again.
        assert_eq!(latest_material(&history), "2026-06-01");
        assert_eq!(latest_material(&history[2..]), "");
    }
}
