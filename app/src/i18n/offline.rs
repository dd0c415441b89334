//! Texts of working offline (the timer and check-ins queued on this device, and how they
//! were saved). Each field: the English and the Chinese value below.

use serde::Serialize;

use super::Plural;

#[derive(Debug, Serialize)]
pub struct Offline {
    /// The banner while the page works without the server.
    pub running_here: &'static str,
    /// "{n} record waits …" (English singular).
    pub waiting: Plural,
    /// After the outbox was sent: "{n} record saved" (English singular).
    pub saved: Plural,
    /// A queued session that overlapped a recorded one; {time} is when it started.
    pub overlaps: &'static str,
    /// A queued check-in for a day already checked in elsewhere; {day} is the day.
    pub already_checked_in: &'static str,
    /// A queued check-in whose habit was deleted; {day} is the day.
    pub habit_gone: &'static str,
    pub invalid: &'static str,
    /// The browser's timer was not adopted because another device changed it.
    pub timer_kept_server: &'static str,
    /// A history row recorded offline and not yet sent.
    pub not_saved_yet: &'static str,
    /// Too many records in one upload; {max} is the limit.
    pub too_many: &'static str,
    /// A check-in made offline, shown until it is sent.
    pub checked_in_offline: &'static str,
    /// Dismisses the sync report.
    pub dismiss: &'static str,
}

pub const EN: Offline = Offline {
    running_here: "You are offline. The timer keeps running on this device.",
    waiting: Plural::one_other(
        "{n} record will be saved when you are back online.",
        "{n} records will be saved when you are back online.",
    ),
    saved: Plural::one_other(
        "Back online: {n} record made offline is saved.",
        "Back online: {n} records made offline are saved.",
    ),
    overlaps: "The session that started at {time} overlapped one recorded on another device, so that one was kept.",
    already_checked_in: "{day} was already checked in on another device, so that check-in was kept.",
    habit_gone: "A check-in for {day} was dropped because its habit was deleted.",
    invalid: "A record made offline had impossible times and was dropped.",
    timer_kept_server: "The timer was changed on another device while you were offline; it now shows that change.",
    not_saved_yet: "Not saved yet",
    too_many: "Send at most {max} records at a time.",
    checked_in_offline: "Checked in on this device; it will be saved when you are back online.",
    dismiss: "Dismiss",
};

pub const ZH: Offline = Offline {
    running_here: "你已离线，计时器会继续在本设备上运行。",
    waiting: Plural::invariant("{n} 条记录将在恢复联网后保存。"),
    saved: Plural::invariant("已恢复联网：离线时的 {n} 条记录已保存。"),
    overlaps: "{time} 开始的专注与另一台设备上的记录重叠，已保留那条记录。",
    already_checked_in: "{day} 已在另一台设备上打卡，已保留那次打卡。",
    habit_gone: "{day} 的一次打卡已丢弃，因为对应的习惯已被删除。",
    invalid: "一条离线记录的时间不合理，已丢弃。",
    timer_kept_server: "离线期间计时器在另一台设备上被更改，现在显示的是那次更改。",
    not_saved_yet: "尚未保存",
    too_many: "每次最多发送 {max} 条记录。",
    checked_in_offline: "已在本设备上打卡，恢复联网后会保存。",
    dismiss: "关闭",
};
