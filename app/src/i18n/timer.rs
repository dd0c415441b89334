//! The timer area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Timer {
    pub title: &'static str,
}

pub const EN: Timer = Timer { title: "Timer" };

pub const ZH: Timer = Timer {
    title: "Timer（待译）",
};
