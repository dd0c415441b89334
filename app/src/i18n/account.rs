//! The account area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Account {
    pub title: &'static str,
}

pub const EN: Account = Account { title: "Account" };

pub const ZH: Account = Account {
    title: "Account（待译）",
};
