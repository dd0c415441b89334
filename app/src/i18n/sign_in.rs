//! Signing in through another service: the buttons on the sign-in and sign-up pages, the
//! page that finishes a sign-up, the settings card of linked services, and what the person
//! is told when a provider's answer is refused.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SignIn {
    /// `{name}`: the provider's name.
    pub continue_with: &'static str,
    /// Between the provider buttons and the password form.
    pub or: &'static str,
    /// Why a sign-in through a provider did not go through.
    pub expired: &'static str,
    pub denied: &'static str,
    pub failed: &'static str,
    pub unavailable: &'static str,
    pub taken: &'static str,
    pub no_email: &'static str,
    pub unknown_provider: &'static str,
    /// The page that finishes a sign-up.
    pub finish_title: &'static str,
    /// `{provider}`, `{email}`.
    pub finish_lede: &'static str,
    pub finish_submit: &'static str,
    pub finish_gone: &'static str,
    /// Form errors.
    pub email_has_account: &'static str,
    pub username_taken: &'static str,
    /// The settings card.
    pub heading: &'static str,
    pub lede: &'static str,
    pub none_linked: &'static str,
    /// `{date}`.
    pub linked_on: &'static str,
    /// `{name}`.
    pub link: &'static str,
    pub unlink: &'static str,
    pub linked_done: &'static str,
    pub last_way: &'static str,
    pub no_password: &'static str,
    pub set_password: &'static str,
    pub set_password_sent: &'static str,
}

pub const EN: SignIn = SignIn {
    continue_with: "Continue with {name}",
    or: "or",
    expired: "That sign-in took too long or was already used. Please start again.",
    denied: "The sign-in was cancelled at the other service. Nothing was changed.",
    failed: "The other service's answer could not be verified, so nothing was changed. Please start again.",
    unavailable: "The other service could not be reached. Please try again later.",
    taken: "That account at the other service is already linked to another Ripen account.",
    no_email: "The other service did not share a confirmed email address. Sign up with your email address and a password, then link the service in Settings.",
    unknown_provider: "Ripen does not offer that sign-in service.",
    finish_title: "Finish signing up",
    finish_lede: "{provider} confirmed your email address, {email}. Choose a username to create your Ripen account.",
    finish_submit: "Create account",
    finish_gone: "This sign-up has expired. Please start again from the sign-up page.",
    email_has_account: "This address already has a Ripen account. Sign in to it, then link the service in Settings.",
    username_taken: "That username is taken. Please choose another.",
    heading: "Sign-in services",
    lede: "Services you can sign in with instead of typing your password. Ripen keeps only the number the service uses for you: no tokens, no profile.",
    none_linked: "No services are linked.",
    linked_on: "Linked {date}",
    link: "Link {name}",
    unlink: "Remove",
    linked_done: "The service is linked. You can now sign in with it.",
    last_way: "This is your only way to sign in, so it cannot be removed. Set a password first.",
    no_password: "Your account has no password yet: you sign in through a linked service. To set one, we email you a link.",
    set_password: "Email me a link to set a password",
    set_password_sent: "Check your email for the link.",
};

pub const ZH: SignIn = SignIn {
    continue_with: "使用 {name} 继续",
    or: "或",
    expired: "本次登录超时或已被使用，请重新开始。",
    denied: "登录已在对方服务中取消，未做任何更改。",
    failed: "无法验证对方服务的应答，因此未做任何更改。请重新开始。",
    unavailable: "暂时无法连接对方服务，请稍后再试。",
    taken: "对方服务中的这个账户已关联到另一个 Ripen 账户。",
    no_email: "对方服务没有提供已确认的邮箱地址。请先用邮箱和密码注册，再在设置中关联该服务。",
    unknown_provider: "Ripen 不提供该登录服务。",
    finish_title: "完成注册",
    finish_lede: "{provider} 已确认你的邮箱地址 {email}。选择一个用户名即可创建 Ripen 账户。",
    finish_submit: "创建账户",
    finish_gone: "本次注册已过期，请从注册页面重新开始。",
    email_has_account: "这个地址已有 Ripen 账户。请先登录该账户，再在设置中关联该服务。",
    username_taken: "该用户名已被使用，请换一个。",
    heading: "登录服务",
    lede: "可以代替密码用来登录的服务。Ripen 只保存该服务给你的编号：不保存令牌，也不保存个人资料。",
    none_linked: "尚未关联任何服务。",
    linked_on: "关联于 {date}",
    link: "关联 {name}",
    unlink: "移除",
    linked_done: "服务已关联，现在可以用它登录。",
    last_way: "这是你唯一的登录方式，因此不能移除。请先设置密码。",
    no_password: "你的账户还没有密码：目前通过已关联的服务登录。如需设置密码，我们会给你发送一封带链接的邮件。",
    set_password: "给我发送设置密码的链接",
    set_password_sent: "请查收邮件中的链接。",
};
