//! Letters that open on progress: a letter to oneself may arrive when its author reaches a
//! goal — focus sessions or hours (overall or on a tag), a streak on a habit, diary entries —
//! or on its date at the latest, whichever comes first. Shared by the editor and the server;
//! the counting and the watching are in `letters::ssr::goals`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::i18n::{fill, t};
use crate::stored::stored_enum;

stored_enum! {
    /// What a goal counts.
    pub enum GoalKind {
        /// Focus sessions recorded after sealing (on a tag, if one is chosen).
        FocusSessions = "focus_sessions",
        /// Hours of focus recorded after sealing (on a tag, if one is chosen).
        FocusHours = "focus_hours",
        /// A habit's current streak, in its unit (days, or weeks for a weekly habit).
        HabitStreak = "habit_streak",
        /// Diary entries written after sealing.
        DiaryEntries = "diary_entries",
    }
}

impl GoalKind {
    pub const ALL: [Self; 4] = [
        Self::FocusSessions,
        Self::FocusHours,
        Self::HabitStreak,
        Self::DiaryEntries,
    ];

    /// The largest target of each kind (a streak is counted in days or weeks).
    pub fn max_target(self) -> u32 {
        match self {
            Self::FocusSessions | Self::DiaryEntries => 10_000,
            Self::FocusHours => 5_000,
            Self::HabitStreak => 3_650,
        }
    }

    /// Whether the goal may be narrowed to a tag.
    pub fn takes_tag(self) -> bool {
        matches!(self, Self::FocusSessions | Self::FocusHours)
    }

    /// How one unit of this goal is stored by the counter: hours are counted in seconds.
    pub fn scale(self) -> i64 {
        match self {
            Self::FocusHours => 3600,
            _ => 1,
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == word)
    }

    /// The kind's name in the editor's list.
    pub fn label(self) -> &'static str {
        let g = &t().progress;
        match self {
            Self::FocusSessions => g.kind_sessions,
            Self::FocusHours => g.kind_hours,
            Self::HabitStreak => g.kind_streak,
            Self::DiaryEntries => g.kind_entries,
        }
    }
}

/// A goal as the editor sends it. `tag` narrows focus goals; `habit` is what a streak
/// goal follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalForm {
    pub kind: GoalKind,
    pub target: u32,
    #[serde(default)]
    pub tag: Option<Uuid>,
    #[serde(default)]
    pub habit: Option<Uuid>,
}

/// A goal as its author sees it, with how far they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalView {
    pub kind: GoalKind,
    pub target: u32,
    pub tag: Option<Uuid>,
    pub habit: Option<Uuid>,
    /// The tag's or habit's name (empty if it has since been deleted).
    pub on: Option<String>,
    /// Progress in the counter's unit: sessions, seconds of focus, streak, entries.
    pub done: i64,
    /// Whether a streak goal counts weeks (a weekly habit) rather than days.
    pub in_weeks: bool,
    /// When the goal was reached (the letter is then on its way).
    pub reached_ms: Option<i64>,
    /// The latest delivery, spelled out in the letter's zone.
    pub latest_local: String,
}

impl GoalView {
    /// The goal in words: "40 focus hours on “Writing”".
    pub fn goal_text(&self) -> String {
        let g = &t().progress;
        let on = self.on.as_deref().unwrap_or(g.deleted);
        let plural = match (self.kind, self.tag.is_some()) {
            (GoalKind::FocusSessions, false) => g.goal_sessions,
            (GoalKind::FocusSessions, true) => g.goal_sessions_on,
            (GoalKind::FocusHours, false) => g.goal_hours,
            (GoalKind::FocusHours, true) => g.goal_hours_on,
            (GoalKind::HabitStreak, _) if self.in_weeks => g.goal_streak_weeks,
            (GoalKind::HabitStreak, _) => g.goal_streak_days,
            (GoalKind::DiaryEntries, _) => g.goal_entries,
        };
        fill(
            plural.form(self.target),
            &[("n", &self.target), ("on", &on)],
        )
    }

    /// How far the author is, in the goal's unit (hours to one decimal, never rounded up
    /// to the target before it is reached).
    pub fn done_text(&self) -> String {
        match self.kind {
            GoalKind::FocusHours => {
                let tenths = self.done.max(0) / 360;
                format!("{}.{}", tenths / 10, tenths % 10)
                    .trim_end_matches(".0")
                    .to_owned()
            }
            _ => self.done.max(0).to_string(),
        }
    }

    /// "12 of 40 focus hours".
    pub fn progress_text(&self) -> String {
        fill(
            t().progress.progress_of,
            &[("done", &self.done_text()), ("goal", &self.goal_text())],
        )
    }

    /// Progress as a whole percentage for a progress bar (0–100).
    pub fn percent(&self) -> u32 {
        let whole = i64::from(self.target) * self.kind.scale();
        if whole <= 0 {
            return 0;
        }
        u32::try_from((self.done.max(0) * 100 / whole).min(100)).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(kind: GoalKind, target: u32, done: i64) -> GoalView {
        GoalView {
            kind,
            target,
            tag: None,
            habit: None,
            on: None,
            done,
            in_weeks: false,
            reached_ms: None,
            latest_local: String::new(),
        }
    }

    #[test]
    fn hours_are_shown_to_a_tenth_and_never_rounded_up() {
        let v = view(GoalKind::FocusHours, 40, 12 * 3600 + 1799);
        assert_eq!(v.done_text(), "12.4");
        assert_eq!(view(GoalKind::FocusHours, 3, 2 * 3600).done_text(), "2");
        // 2 h 59 min 59 s is not yet 3 hours.
        let almost = view(GoalKind::FocusHours, 3, 3 * 3600 - 1);
        assert_eq!(almost.done_text(), "2.9");
        assert_eq!(almost.percent(), 99);
        assert_eq!(view(GoalKind::FocusHours, 3, 4 * 3600).percent(), 100);
    }

    #[test]
    fn the_goal_is_said_with_its_plural_and_what_it_is_on() {
        let v = view(GoalKind::FocusSessions, 1, 0);
        assert_eq!(v.progress_text(), "0 of 1 focus session");
        let mut on = view(GoalKind::FocusHours, 40, 12 * 3600);
        on.tag = Some(Uuid::nil());
        on.on = Some("Writing".into());
        assert_eq!(on.progress_text(), "12 of 40 focus hours on “Writing”");
        let mut weekly = view(GoalKind::HabitStreak, 4, 2);
        weekly.habit = Some(Uuid::nil());
        weekly.on = Some("Run".into());
        weekly.in_weeks = true;
        assert_eq!(weekly.goal_text(), "4 weeks in a row of “Run”");
        assert_eq!(
            GoalKind::parse("diary_entries"),
            Some(GoalKind::DiaryEntries)
        );
        assert_eq!(GoalKind::parse("nonsense"), None);
    }
}

/// A tag or habit the editor offers for a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

/// A delivered letter to oneself: the author's figures when it was sealed, and now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThenNow {
    /// The day it was sealed, in the reader's language.
    pub then_date: String,
    pub then: crate::diary::Figures,
    pub now: crate::diary::Figures,
}
