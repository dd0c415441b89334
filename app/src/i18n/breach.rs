//! The texts of a breach notice (`ripen notify-breach`): the email and the in-app notice
//! that wrap the operator's own account of an incident. Each field: the English and the
//! Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Breach {
    /// The email's subject.
    pub subject: &'static str,
    /// The first paragraph: that this is about a security incident and that we are sorry.
    pub intro: &'static str,
    /// Introduces the operator's account of what happened and which data it involved.
    pub what_happened: &'static str,
    /// Said before an English account of what happened, when no Chinese one was given
    /// (so the English value is never shown: it introduces the summary in its own language).
    pub summary_in_english: &'static str,
    /// Which data: where the person can see everything Ripen holds about them.
    pub what_data: &'static str,
    /// What we did: everyone affected is told directly, and we write again if it matters.
    pub what_we_did: &'static str,
    /// What the person can do: change the password, sign out other devices, beware.
    pub what_you_can_do: &'static str,
    /// How to reach us: `{contact}` an address, `{incident}` the incident's reference.
    pub contact: &'static str,
    /// The button, to the settings page.
    pub action: &'static str,
    pub footer: &'static str,
    /// The in-app notice's title.
    pub notice_title: &'static str,
    /// The in-app notice's closing advice, after the account of what happened.
    pub notice_advice: &'static str,
}

pub const EN: Breach = Breach {
    subject: "Important: a security incident at Ripen affected your account",
    intro: "We are writing to tell you about a security incident at Ripen that affected your account. You trusted us with your data, and we are sorry that we did not keep it as safe as we should have.",
    what_happened: "What happened, and which of your data was involved:",
    summary_in_english: "Our account of what happened is in English:",
    what_data: "If you would like to see exactly what Ripen holds about you, you can download a copy of all of it in Settings, under “Export your data”.",
    what_we_did: "We are telling everyone affected directly, by email and in Ripen itself, as soon as we know who they are. If we learn anything that changes what you should do, we will write to you again.",
    what_you_can_do: "What you can do now: change your password in Settings, and change it anywhere else you used the same one. Then choose “Sign out everywhere” under Devices, so that any session you do not recognise ends. Ripen will never ask you for your password by email; if a message does, please do not answer it.",
    contact: "If you have any questions, write to us at {contact} and mention the reference {incident}.",
    action: "Open my settings",
    footer: "We send this notice once, to every account the incident affected. It is not marketing, and there is nothing to unsubscribe from.",
    notice_title: "A security incident affected your account",
    notice_advice: "Please change your password and sign out your other devices in Settings.",
};

pub const ZH: Breach = Breach {
    subject: "重要通知：Ripen 发生的一起安全事件涉及你的账户",
    intro: "我们写信是想告诉你：Ripen 发生了一起安全事件，你的账户也受到了影响。你把自己的数据交给了我们，我们却没能把它保护好，对此我们深感抱歉。",
    what_happened: "事件经过，以及涉及你的哪些数据：",
    summary_in_english: "关于事件经过的说明目前只有英文版本：",
    what_data: "如果你想确切了解 Ripen 保存了你的哪些数据，可以在“设置”中的“导出你的数据”下载一份完整副本。",
    what_we_did: "一旦确认受影响的用户，我们就会通过邮件和 Ripen 站内通知直接告诉每一位。如果之后了解到需要你采取其他措施的情况，我们会再次写信给你。",
    what_you_can_do: "你现在可以这样做：在“设置”中修改密码；如果你在其他地方也用了同一个密码，请一并修改。然后在“设备”下选择“在所有设备上退出登录”，这样任何你不认识的登录都会被终止。Ripen 绝不会通过邮件向你索要密码；如果收到这样的邮件，请不要回复。",
    contact: "如有任何疑问，请写信至 {contact}，并注明事件编号 {incident}。",
    action: "打开我的设置",
    footer: "这封通知只发送一次，发给所有受这起事件影响的账户。它不是营销邮件，无需退订。",
    notice_title: "一起安全事件影响了你的账户",
    notice_advice: "请在“设置”中修改密码，并让其他设备退出登录。",
};
