//! Errors every page can show (see `crate::error`), and words shared by forms.

use serde::Serialize;

use super::Plural;

#[derive(Debug, Serialize)]
pub struct Errors {
    pub bad_request: &'static str,
    pub unauthorized: &'static str,
    pub invalid_credentials: &'static str,
    pub forbidden: &'static str,
    pub not_found: &'static str,
    pub gone: &'static str,
    pub rate_limited: Plural,
    /// The server has too much of some work in hand (pictures being read); `{secs}`.
    pub busy: Plural,
    pub internal: &'static str,
    pub internal_reference: &'static str,
    pub network: &'static str,
    /// Above a form with field errors.
    pub check_fields: &'static str,
    /// A required field left empty.
    pub required: &'static str,
    /// Text longer than `{max}` characters.
    pub too_long: &'static str,
}

pub const EN: Errors = Errors {
    bad_request: "The request could not be understood. Please reload the page and try again.",
    unauthorized: "Please sign in to continue.",
    invalid_credentials: "That username or email and password do not match an account.",
    forbidden: "You are not allowed to do that.",
    not_found: "We could not find that.",
    gone: "This link has expired.",
    rate_limited: Plural::one_other(
        "Too many attempts. Please try again in {n} second.",
        "Too many attempts. Please try again in {n} seconds.",
    ),
    busy: Plural::one_other(
        "Ripen is busy right now. Please try again in {n} second.",
        "Ripen is busy right now. Please try again in {n} seconds.",
    ),
    internal: "Something went wrong on our side. Please try again.",
    internal_reference: "Something went wrong on our side. If it keeps happening, quote reference {reference}.",
    network: "Could not reach Ripen. Check your connection and try again.",
    check_fields: "Please check the highlighted fields.",
    required: "This field is required.",
    too_long: "Keep it to {max} characters or fewer.",
};

pub const ZH: Errors = Errors {
    bad_request: "无法理解该请求。请刷新页面后重试。",
    unauthorized: "请先登录。",
    invalid_credentials: "用户名或邮箱与密码不匹配。",
    forbidden: "你无权执行此操作。",
    not_found: "找不到该内容。",
    gone: "此链接已过期。",
    rate_limited: Plural::invariant("尝试次数过多，请在 {n} 秒后重试。"),
    busy: Plural::invariant("Ripen 现在很忙，请在 {n} 秒后重试。"),
    internal: "我们这边出了点问题，请重试。",
    internal_reference: "我们这边出了点问题。如果问题持续出现，请提供参考编号 {reference}。",
    network: "无法连接到 Ripen。请检查网络后重试。",
    check_fields: "请检查标出的字段。",
    required: "此项为必填项。",
    too_long: "请不要超过 {max} 个字符。",
};
