//! Passkeys: the settings card, the sign-in button, and what the person is told when a
//! ceremony does not go through.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Passkeys {
    /// The settings card.
    pub heading: &'static str,
    pub lede: &'static str,
    pub none: &'static str,
    pub add: &'static str,
    pub label: &'static str,
    pub label_hint: &'static str,
    /// `{date}`.
    pub added_on: &'static str,
    /// `{date}`.
    pub last_used_on: &'static str,
    pub rename: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub remove: &'static str,
    pub added_done: &'static str,
    pub last_way: &'static str,
    /// A passkey the person did not name; `{system}`: the device's system (iPhone, Android…).
    pub default_label: &'static str,
    pub default_label_on: &'static str,
    /// The sign-in page.
    pub sign_in: &'static str,
    pub waiting: &'static str,
    /// Turning two-step verification off with a passkey instead of the password.
    pub turn_off_two_step: &'static str,
    /// Why a ceremony did not go through.
    pub unavailable: &'static str,
    pub unsupported: &'static str,
    pub cancelled: &'static str,
    pub expired: &'static str,
    pub failed: &'static str,
    pub unknown: &'static str,
    pub already_added: &'static str,
    pub label_required: &'static str,
    pub label_too_long: &'static str,
}

pub const EN: Passkeys = Passkeys {
    heading: "Passkeys",
    lede: "Sign in with your fingerprint, face or screen lock instead of a password and a code. The passkey stays on your device or in its password manager; Ripen keeps only its public key.",
    none: "No passkeys yet.",
    add: "Add a passkey",
    label: "Name",
    label_hint: "So you can tell your passkeys apart, like “Work laptop”. Leave empty to name it after this device.",
    added_on: "Added {date}",
    last_used_on: "last used {date}",
    rename: "Rename",
    save: "Save",
    cancel: "Cancel",
    remove: "Remove",
    added_done: "The passkey is added. Next time, choose “Sign in with a passkey”.",
    last_way: "This passkey is your only way to sign in, so it cannot be removed. Set a password or add another passkey first.",
    default_label: "Passkey",
    default_label_on: "Passkey on {system}",
    sign_in: "Sign in with a passkey",
    waiting: "Waiting for your passkey…",
    turn_off_two_step: "Turn off with a passkey instead",
    unavailable: "Passkeys are not available at this site address.",
    unsupported: "This browser cannot use passkeys. Sign in with your password instead.",
    cancelled: "The passkey request was cancelled or timed out. Please try again.",
    expired: "That took too long. Please try again.",
    failed: "The passkey's answer could not be verified. Please try again.",
    unknown: "This passkey does not belong to any Ripen account (it may have been removed). Sign in another way.",
    already_added: "This passkey is already added to your account.",
    label_required: "Give the passkey a name.",
    label_too_long: "Use at most 60 characters, on one line.",
};

pub const ZH: Passkeys = Passkeys {
    heading: "通行密钥",
    lede: "用指纹、面容或屏幕锁登录，无需输入密码和验证码。通行密钥保存在你的设备或其密码管理器中，Ripen 只保存它的公钥。",
    none: "还没有通行密钥。",
    add: "添加通行密钥",
    label: "名称",
    label_hint: "方便你区分不同的通行密钥，例如“工作笔记本”。留空则以这台设备命名。",
    added_on: "添加于 {date}",
    last_used_on: "上次使用 {date}",
    rename: "重命名",
    save: "保存",
    cancel: "取消",
    remove: "移除",
    added_done: "通行密钥已添加。下次登录时选择“使用通行密钥登录”即可。",
    last_way: "这个通行密钥是你唯一的登录方式，因此无法移除。请先设置密码或添加另一个通行密钥。",
    default_label: "通行密钥",
    default_label_on: "{system} 上的通行密钥",
    sign_in: "使用通行密钥登录",
    waiting: "正在等待你的通行密钥…",
    turn_off_two_step: "改用通行密钥关闭",
    unavailable: "当前网站地址无法使用通行密钥。",
    unsupported: "此浏览器无法使用通行密钥，请改用密码登录。",
    cancelled: "通行密钥请求已取消或超时，请重试。",
    expired: "等待时间过长，请重试。",
    failed: "无法验证通行密钥的响应，请重试。",
    unknown: "此通行密钥不属于任何 Ripen 账户（可能已被移除），请用其他方式登录。",
    already_added: "此通行密钥已添加到你的账户。",
    label_required: "请为通行密钥命名。",
    label_too_long: "最多 60 个字符，且只能一行。",
};
