//! The policy area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Policy {
    pub title: &'static str,
}

pub const EN: Policy = Policy { title: "Policy" };

pub const ZH: Policy = Policy {
    title: "Policy（待译）",
};
