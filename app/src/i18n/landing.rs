//! The landing area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Landing {
    /// The page's `<meta name="description">`.
    pub description: &'static str,
    /// The small line above the hero heading.
    pub eyebrow: &'static str,
    pub hero_title: &'static str,
    pub hero_lede: &'static str,
    pub start_focusing: &'static str,
    pub write_letter: &'static str,
    /// The features section's accessible label.
    pub features_label: &'static str,
    pub timer_title: &'static str,
    pub timer_body: &'static str,
    pub diary_title: &'static str,
    pub diary_body: &'static str,
    pub letters_title: &'static str,
    pub letters_body: &'static str,
    pub promise_eyebrow: &'static str,
    pub promise_title: &'static str,
    pub promise_collect: &'static str,
    pub promise_no_ads: &'static str,
    pub promise_export: &'static str,
    pub promise_anonymous: &'static str,
}

pub const EN: Landing = Landing {
    description: "Ripen: a focus timer, a diary of your days, and letters to your future self.",
    eyebrow: "Focus · Diary · Letters",
    hero_title: "Focus today. Write to who you\u{2019}ll become.",
    hero_lede: "Ripen is a calm place to do deep work in pomodoros, keep an honest diary of your days, \
                and write letters that reach your future self on the day you choose.",
    start_focusing: "Start focusing",
    write_letter: "Write a letter",
    features_label: "What Ripen does",
    timer_title: "A timer that never drifts",
    timer_body: "Pomodoros with tasks, tags and notes, kept to the second across your phone, laptop and a sleeping screen.",
    diary_title: "A diary that adds up",
    diary_body: "Check in on habits, write a line a day, and watch streaks, heatmaps and \u{201c}on this day\u{201d} tell your story.",
    letters_title: "Letters across the years",
    letters_body: "Words and photos delivered from tomorrow to fifty years ahead — exactly once, to you or to someone you love.",
    promise_eyebrow: "Our promise",
    promise_title: "Your days are yours",
    promise_collect: "We collect only what Ripen needs to work, and ask before anything else.",
    promise_no_ads: "No ads, no trackers, no selling or sharing your data.",
    promise_export: "Export everything in open formats, or delete your account, whenever you like.",
    promise_anonymous: "Letters you make public appear without your name, ever.",
};

pub const ZH: Landing = Landing {
    description: "Ripen：专注计时器、记录每一天的日记，以及写给未来自己的信。",
    eyebrow: "专注 · 日记 · 信件",
    hero_title: "专注今天，写给未来的自己。",
    hero_lede: "Ripen 是一个安静的地方：用番茄钟专心做事，诚实地记录每一天，\
                再写几封信，在你选定的那一天寄给未来的自己。",
    start_focusing: "开始专注",
    write_letter: "写一封信",
    features_label: "Ripen 能做什么",
    timer_title: "从不走偏的计时器",
    timer_body: "番茄钟可关联任务、标签和备注；在手机、电脑之间，哪怕屏幕休眠，也分秒不差。",
    diary_title: "日积月累的日记",
    diary_body: "为习惯打卡，每天写上一句，让连续记录、热力图和“那年今日”讲述你的故事。",
    letters_title: "跨越岁月的信",
    letters_body: "文字和照片，可在明天到五十年后的任意一天送达，只送一次，寄给你自己或你爱的人。",
    promise_eyebrow: "我们的承诺",
    promise_title: "你的日子属于你",
    promise_collect: "我们只收集 Ripen 运行所必需的信息，其他任何信息都会先征得你的同意。",
    promise_no_ads: "没有广告，没有追踪，绝不出售或分享你的数据。",
    promise_export: "随时可以用开放格式导出全部内容，或删除你的账户。",
    promise_anonymous: "你公开的信件永远不会显示你的名字。",
};
