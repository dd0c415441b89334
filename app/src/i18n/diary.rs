//! The diary area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Diary {
    pub title: &'static str,
}

pub const EN: Diary = Diary { title: "Diary" };

pub const ZH: Diary = Diary {
    title: "Diary（待译）",
};
