//! The mail area's texts: every email's subject, greeting, paragraphs, button and footer
//! (see `crate::mail::templates`). Each field: the English and the Chinese value below.

use serde::Serialize;

use super::Plural;

#[derive(Debug, Serialize)]
pub struct Mail {
    /// The greeting of an email to someone whose name we know: `{name}`.
    pub hello_name: &'static str,
    /// The greeting when we do not know the name.
    pub hello: &'static str,
    /// The footer of emails that carry a link the person may not have asked for.
    pub not_you: &'static str,
    pub verify_subject: &'static str,
    pub verify_body: &'static str,
    /// `{n}`: how many hours the link is valid.
    pub verify_expiry: crate::i18n::Plural,
    pub verify_action: &'static str,
    pub already_subject: &'static str,
    pub already_body: &'static str,
    /// `{link}`: the login page's address.
    pub already_sign_in: &'static str,
    /// The button of the "already registered" and "password changed" emails.
    pub reset_my_password: &'static str,
    pub taken_subject: &'static str,
    /// `{username}`: the username that was taken.
    pub taken_body: &'static str,
    pub taken_action: &'static str,
    pub reset_subject: &'static str,
    pub reset_body: &'static str,
    /// `{n}`: how many minutes the link is valid.
    pub reset_expiry: crate::i18n::Plural,
    pub reset_action: &'static str,
    pub closed_subject: &'static str,
    pub closed_body: &'static str,
    /// `{date}`: the day the account is erased.
    pub closed_erase: &'static str,
    pub closed_undo: &'static str,
    pub closed_action: &'static str,
    pub account_footer: &'static str,
    /// Ripen Plus: a receipt; `{order}`, `{product}`, `{amount}`, `{period}`.
    pub receipt_subject: &'static str,
    pub receipt_body: &'static str,
    pub receipt_period: &'static str,
    pub receipt_action: &'static str,
    /// A refund made; `{amount}`, `{order}`.
    pub refund_subject: &'static str,
    pub refund_body: &'static str,
    /// Plus ends soon; `{date}`.
    pub reminder_subject: &'static str,
    pub reminder_body: &'static str,
    pub reminder_action: &'static str,
    /// A letter to oneself arriving: `{title}` the letter's title.
    pub delivered_self_subject: &'static str,
    /// `{date}`: the day the letter was written.
    pub delivered_self_intro: &'static str,
    /// A letter from someone else arriving: `{from}` the author, `{title}` the letter's title.
    pub delivered_subject: &'static str,
    /// `{from}`: the author; `{date}`: the day the letter was written.
    pub delivered_intro: &'static str,
    pub delivered_link: &'static str,
    pub delivered_action: &'static str,
    pub delivered_footer: &'static str,
    /// The author's delivery confirmation: `{title}` the letter's title.
    pub confirm_subject: &'static str,
    /// `{title}`: the letter's title; `{n}`: how many recipients it reached (one / other).
    pub confirm_delivered: Plural,
    /// `{n}`: how many recipients it could not reach (one / other).
    pub confirm_failed: Plural,
    pub confirm_action: &'static str,
    pub confirm_footer: &'static str,
}

pub const EN: Mail = Mail {
    hello_name: "Hello {name},",
    hello: "Hello,",
    not_you: "If you did not ask for this, you can ignore this email; nothing changes unless the link is used.",
    verify_subject: "Confirm your email for Ripen",
    verify_body: "Please confirm that this is your email address, so that Ripen can send you your letters and help you back into your account if you ever lose your password.",
    verify_expiry: crate::i18n::Plural::one_other(
        "The link works once and expires in {n} hour.",
        "The link works once and expires in {n} hours.",
    ),
    verify_action: "Confirm my email",
    already_subject: "You already have a Ripen account",
    already_body: "Someone, perhaps you, tried to create a Ripen account with this email address. It already has an account, so no new one was made.",
    already_sign_in: "To sign in, go to {link}. If you have forgotten your password, you can choose a new one.",
    reset_my_password: "Reset my password",
    taken_subject: "Choose another username for Ripen",
    taken_body: "Someone, perhaps you, tried to create a Ripen account with this email address and the username “{username}”. That username is already taken, so no account was made. Please sign up again with another username.",
    taken_action: "Sign up again",
    reset_subject: "Reset your Ripen password",
    reset_body: "We received a request to reset the password of your Ripen account.",
    reset_expiry: crate::i18n::Plural::one_other(
        "The link works once and expires in {n} minute. Choosing a new password signs you out on every device.",
        "The link works once and expires in {n} minutes. Choosing a new password signs you out on every device.",
    ),
    reset_action: "Choose a new password",
    closed_subject: "Your Ripen account is closed",
    closed_body: "Your Ripen account is closed. You were signed out on every device, and letters that were waiting to be delivered were cancelled.",
    closed_erase: "On {date} we erase the account and everything in it for good. Letters you shared on the public wall stay there, signed only with their pen name.",
    closed_undo: "Changed your mind? Log in before then and your account comes back as it was (cancelled letters can be scheduled again).",
    closed_action: "Log in to keep my account",
    account_footer: "You receive this email because it concerns your account.",
    receipt_subject: "Your Ripen Plus receipt",
    receipt_body: "Thank you. Order {order} — Plus, {product}, {amount} — is paid.",
    receipt_period: "Plus is yours {period}. Nothing renews by itself: we write before it ends.",
    receipt_action: "See the receipt",
    refund_subject: "Your Ripen Plus refund",
    refund_body: "{amount} of order {order} is on its way back to where you paid from. It usually arrives within a few days.",
    reminder_subject: "Your Ripen Plus ends on {date}",
    reminder_body: "Your Plus ends on {date}. Nothing you have scheduled stops; a week later the Free plan's limits apply to new letters. Nothing renews by itself.",
    reminder_action: "Add more time",
    delivered_self_subject: "A letter from your past self: {title}",
    delivered_self_intro: "On {date} you wrote a letter to your future self. Today is the day it was meant for.",
    delivered_subject: "A letter from {from}: {title}",
    delivered_intro: "{from} wrote you a letter on {date} and asked Ripen to deliver it today.",
    delivered_link: "The whole letter, with its pictures, is behind the link below. Keep this email: the link is yours alone.",
    delivered_action: "Read the letter",
    delivered_footer: "You receive this email because someone asked Ripen to deliver a letter to this address.",
    confirm_subject: "Delivered: {title}",
    confirm_delivered: Plural::one_other(
        "Your letter “{title}” was delivered to {n} recipient.",
        "Your letter “{title}” was delivered to {n} recipients.",
    ),
    confirm_failed: Plural::one_other(
        "{n} recipient could not be reached; the letter page shows which.",
        "{n} recipients could not be reached; the letter page shows which.",
    ),
    confirm_action: "See the letter",
    confirm_footer: "You receive this email because you scheduled this letter on Ripen.",
};

pub const ZH: Mail = Mail {
    hello_name: "{name}，你好：",
    hello: "你好：",
    not_you: "如果这不是你本人的操作，可以忽略这封邮件；只要不使用其中的链接，一切都不会改变。",
    verify_subject: "请验证你在 Ripen 使用的邮箱",
    verify_body: "请确认这是你的邮箱地址。这样，Ripen 才能把信件寄给你，并在你忘记密码时帮你找回账户。",
    verify_expiry: crate::i18n::Plural::invariant("该链接只能使用一次，{n} 小时后失效。"),
    verify_action: "验证我的邮箱",
    already_subject: "你已经有 Ripen 账户了",
    already_body: "有人（也许是你）尝试用这个邮箱地址注册 Ripen 账户。该邮箱已有账户，因此没有创建新账户。",
    already_sign_in: "请访问 {link} 登录。如果你忘记了密码，可以设置一个新密码。",
    reset_my_password: "重置我的密码",
    taken_subject: "请为 Ripen 账户换一个用户名",
    taken_body: "有人（也许是你）尝试用这个邮箱地址和用户名“{username}”注册 Ripen 账户。该用户名已被占用，因此没有创建账户。请换一个用户名重新注册。",
    taken_action: "重新注册",
    reset_subject: "重置你的 Ripen 密码",
    reset_body: "我们收到了重置你的 Ripen 账户密码的请求。",
    reset_expiry: crate::i18n::Plural::invariant(
        "该链接只能使用一次，{n} 分钟后失效。设置新密码后，你将在所有设备上退出登录。",
    ),
    reset_action: "设置新密码",
    closed_subject: "你的 Ripen 账户已关闭",
    closed_body: "你的 Ripen 账户已关闭。你已在所有设备上退出登录，待寄出的信件均已取消。",
    closed_erase: "{date}，我们将永久删除该账户及其中的全部内容。你分享到公开信件墙上的信会继续保留，仅署其笔名。",
    closed_undo: "改变主意了？只要在此之前登录，你的账户就会恢复原样（已取消的信件可以重新安排寄出）。",
    closed_action: "登录以保留我的账户",
    account_footer: "你收到这封邮件，是因为它与你的账户有关。",
    receipt_subject: "你的 Ripen 会员收据",
    receipt_body: "谢谢。订单 {order}（会员，{product}，{amount}）已付款。",
    receipt_period: "会员有效期：{period}。不会自动续费，到期前我们会写信提醒你。",
    receipt_action: "查看收据",
    refund_subject: "你的 Ripen 会员退款",
    refund_body: "订单 {order} 的 {amount} 正在退回原付款账户，通常几天内到账。",
    reminder_subject: "你的 Ripen 会员将于 {date} 到期",
    reminder_body: "你的会员将于 {date} 到期。已安排的信件都会照常寄出；一周后，新写的信将按免费版的额度。不会自动续费。",
    reminder_action: "续费",
    delivered_self_subject: "一封来自过去的你的信：{title}",
    delivered_self_intro: "{date}，你给未来的自己写了一封信。今天，就是它要送达的日子。",
    delivered_subject: "一封来自 {from} 的信：{title}",
    delivered_intro: "{from} 在{date}给你写了一封信，并请 Ripen 在今天送达。",
    delivered_link: "点击下方链接，即可阅读整封信及其中的图片。请保留这封邮件：这个链接只属于你。",
    delivered_action: "阅读这封信",
    delivered_footer: "你收到这封邮件，是因为有人请 Ripen 将一封信送达这个地址。",
    confirm_subject: "已送达：{title}",
    confirm_delivered: Plural::invariant("你的信“{title}”已送达 {n} 位收件人。"),
    confirm_failed: Plural::invariant("有 {n} 位收件人未能送达，可在信件页面查看详情。"),
    confirm_action: "查看这封信",
    confirm_footer: "你收到这封邮件，是因为你在 Ripen 上安排寄出了这封信。",
};
