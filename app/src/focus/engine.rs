//! The focus timer as a pure state machine over timestamps (milliseconds since the epoch).
//!
//! The running phase is `started_at`, `planned_end`, `paused_at` and `paused_total`, never a
//! ticking counter: remaining time is always `planned_end − now` (or `planned_end −
//! paused_at` while paused), so nothing drifts when no code runs — a background tab, a
//! sleeping phone, a restarted server. Every operation takes `now` from the caller (the
//! server's clock in production, a fixed number in tests).

use serde::{Deserialize, Serialize};

pub const MINUTE_MS: i64 = 60_000;

crate::stored::stored_enum! {
    /// The kind of time the timer measures; stored as `focus_timer.phase`.
    pub enum Phase {
        Focus = "focus",
        ShortBreak = "short_break",
        LongBreak = "long_break",
    }
}

impl Phase {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "focus" => Some(Self::Focus),
            "short_break" => Some(Self::ShortBreak),
            "long_break" => Some(Self::LongBreak),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        let t = &crate::i18n::t().timer;
        match self {
            Self::Focus => t.phase_focus,
            Self::ShortBreak => t.phase_short_break,
            Self::LongBreak => t.phase_long_break,
        }
    }
}

/// The durations and cadence the engine needs (the rest of the settings are the browser's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    pub focus_min: i64,
    pub short_break_min: i64,
    pub long_break_min: i64,
    /// A long break after every N completed focus sessions.
    pub long_break_every: i64,
    pub auto_start_breaks: bool,
    pub auto_start_focus: bool,
}

impl Default for Cadence {
    fn default() -> Self {
        Self {
            focus_min: 25,
            short_break_min: 5,
            long_break_min: 15,
            long_break_every: 4,
            auto_start_breaks: false,
            auto_start_focus: false,
        }
    }
}

impl Cadence {
    pub fn duration_ms(&self, phase: Phase) -> i64 {
        MINUTE_MS
            * match phase {
                Phase::Focus => self.focus_min,
                Phase::ShortBreak => self.short_break_min,
                Phase::LongBreak => self.long_break_min,
            }
    }
}

/// Where the timer is. `Idle` shows the full duration of `phase`, waiting for Start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Run {
    Idle,
    Running {
        started_at: i64,
        planned_end: i64,
        paused_total: i64,
    },
    Paused {
        started_at: i64,
        planned_end: i64,
        paused_at: i64,
        paused_total: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerState {
    pub phase: Phase,
    pub run: Run,
    /// Completed focus sessions since the last long break (drives the long-break cadence).
    pub focus_done_in_cycle: i64,
}

impl Default for TimerState {
    fn default() -> Self {
        Self {
            phase: Phase::Focus,
            run: Run::Idle,
            focus_done_in_cycle: 0,
        }
    }
}

/// A focus phase that ended: what becomes a session record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FocusEnded {
    pub started_at: i64,
    pub ended_at: i64,
    /// Time actually spent focusing (pauses excluded).
    pub focused_ms: i64,
    /// `true` if it ran to its planned end; `false` if stopped or skipped early.
    pub completed: bool,
}

/// An operation the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Start,
    Pause,
    Resume,
    /// End this phase now and go to the next one.
    Skip,
    /// End this phase now and stay on it, idle.
    Stop,
    /// Back to an idle focus phase and a new cycle.
    Reset,
    /// Choose the phase while idle.
    Select(Phase),
}

impl Command {
    /// A command by its name (`start`, `pause`, `resume`, `skip`, `stop`, `reset`, or
    /// `select` with a phase), as the browser sends it.
    pub fn parse(name: &str, phase: Option<Phase>) -> Option<Self> {
        Some(match (name, phase) {
            ("start", _) => Self::Start,
            ("pause", _) => Self::Pause,
            ("resume", _) => Self::Resume,
            ("skip", _) => Self::Skip,
            ("stop", _) => Self::Stop,
            ("reset", _) => Self::Reset,
            ("select", Some(p)) => Self::Select(p),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimerError {
    /// The timer's status: `idle`, `running` or `paused`.
    #[error("{}", not_now_message(.0))]
    NotNow(&'static str),
}

/// The refusal in the current language.
fn not_now_message(status: &str) -> String {
    let t = &crate::i18n::t().timer;
    let status = match status {
        "running" => t.status_running,
        "paused" => t.status_paused,
        _ => t.status_idle,
    };
    crate::i18n::fill(t.not_now, &[("status", &status)])
}

impl TimerState {
    fn status_name(&self) -> &'static str {
        match self.run {
            Run::Idle => "idle",
            Run::Running { .. } => "running",
            Run::Paused { .. } => "paused",
        }
    }

    /// Milliseconds left at `now`.
    pub fn remaining_ms(&self, now: i64, cadence: &Cadence) -> i64 {
        match self.run {
            Run::Idle => cadence.duration_ms(self.phase),
            Run::Running { planned_end, .. } => (planned_end - now).max(0),
            Run::Paused {
                planned_end,
                paused_at,
                ..
            } => (planned_end - paused_at).max(0),
        }
    }

    /// The phase after this one ends; `completed_focus` is whether a focus phase just
    /// completed (only completed sessions count towards the long break).
    fn next_phase(&mut self, completed_focus: bool, cadence: &Cadence) -> Phase {
        match self.phase {
            Phase::Focus => {
                if completed_focus {
                    self.focus_done_in_cycle += 1;
                }
                if completed_focus
                    && cadence.long_break_every > 0
                    && self.focus_done_in_cycle >= cadence.long_break_every
                {
                    self.focus_done_in_cycle = 0;
                    Phase::LongBreak
                } else {
                    Phase::ShortBreak
                }
            }
            Phase::ShortBreak | Phase::LongBreak => Phase::Focus,
        }
    }

    fn auto_start(phase: Phase, cadence: &Cadence) -> bool {
        match phase {
            Phase::Focus => cadence.auto_start_focus,
            Phase::ShortBreak | Phase::LongBreak => cadence.auto_start_breaks,
        }
    }

    fn focus_record(&self, ended_at: i64, completed: bool) -> Option<FocusEnded> {
        if self.phase != Phase::Focus {
            return None;
        }
        let (started_at, paused_total, paused_now) = match self.run {
            Run::Idle => return None,
            Run::Running {
                started_at,
                paused_total,
                ..
            } => (started_at, paused_total, 0),
            Run::Paused {
                started_at,
                paused_at,
                paused_total,
                ..
            } => (started_at, paused_total, ended_at - paused_at),
        };
        Some(FocusEnded {
            started_at,
            ended_at,
            focused_ms: (ended_at - started_at - paused_total - paused_now).max(0),
            completed,
        })
    }

    /// Completes every phase whose planned end is at or before `now`, at its planned end;
    /// auto-started phases begin exactly where the previous one ended. Returns the focus
    /// sessions that ended. Call it before reading or changing the state.
    pub fn settle(&mut self, now: i64, cadence: &Cadence) -> Vec<FocusEnded> {
        let mut ended = Vec::new();
        // Bounded: a chain of auto-started phases over a long absence ends after a day's worth.
        for _ in 0..1_000 {
            let Run::Running { planned_end, .. } = self.run else {
                break;
            };
            if planned_end > now {
                break;
            }
            ended.extend(self.focus_record(planned_end, true));
            let next = self.next_phase(true, cadence);
            self.phase = next;
            self.run = if Self::auto_start(next, cadence) {
                Run::Running {
                    started_at: planned_end,
                    planned_end: planned_end + cadence.duration_ms(next),
                    paused_total: 0,
                }
            } else {
                Run::Idle
            };
        }
        ended
    }

    /// Applies a command at `now` (after settling). Returns the focus session it ended, if any.
    pub fn apply(
        &mut self,
        command: Command,
        now: i64,
        cadence: &Cadence,
    ) -> Result<Vec<FocusEnded>, TimerError> {
        let mut ended = self.settle(now, cadence);
        match (command, self.run) {
            (Command::Start, Run::Idle) => {
                self.run = Run::Running {
                    started_at: now,
                    planned_end: now + cadence.duration_ms(self.phase),
                    paused_total: 0,
                };
            }
            (
                Command::Pause,
                Run::Running {
                    started_at,
                    planned_end,
                    paused_total,
                },
            ) => {
                self.run = Run::Paused {
                    started_at,
                    planned_end,
                    paused_at: now,
                    paused_total,
                };
            }
            (
                Command::Resume,
                Run::Paused {
                    started_at,
                    planned_end,
                    paused_at,
                    paused_total,
                },
            ) => {
                let paused_for = now - paused_at;
                self.run = Run::Running {
                    started_at,
                    planned_end: planned_end + paused_for,
                    paused_total: paused_total + paused_for,
                };
            }
            (Command::Skip, _) => {
                ended.extend(self.focus_record(now, false));
                let next = self.next_phase(false, cadence);
                self.phase = next;
                self.run = Run::Idle;
            }
            (Command::Stop, Run::Running { .. } | Run::Paused { .. }) => {
                ended.extend(self.focus_record(now, false));
                self.run = Run::Idle;
            }
            (Command::Reset, _) => {
                ended.extend(self.focus_record(now, false));
                *self = Self::default();
            }
            (Command::Select(phase), Run::Idle) => {
                self.phase = phase;
            }
            (Command::Start | Command::Select(_), _)
            | (Command::Pause | Command::Resume | Command::Stop, _) => {
                return Err(TimerError::NotNow(self.status_name()));
            }
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = MINUTE_MS;
    const T0: i64 = 1_800_000_000_000;

    fn cadence() -> Cadence {
        Cadence::default()
    }

    #[test]
    fn pause_and_resume_move_the_end_by_the_paused_time() {
        let c = cadence();
        let mut t = TimerState::default();
        t.apply(Command::Start, T0, &c).unwrap();
        assert_eq!(t.remaining_ms(T0 + 10 * M, &c), 15 * M);
        t.apply(Command::Pause, T0 + 10 * M, &c).unwrap();
        // Paused: time stands still however long it lasts.
        assert_eq!(t.remaining_ms(T0 + 60 * M, &c), 15 * M);
        t.apply(Command::Resume, T0 + 13 * M, &c).unwrap();
        assert_eq!(t.remaining_ms(T0 + 13 * M, &c), 15 * M);
        assert_eq!(
            t.run,
            Run::Running {
                started_at: T0,
                planned_end: T0 + 28 * M,
                paused_total: 3 * M
            }
        );
        // Twice more, 1 min each.
        t.apply(Command::Pause, T0 + 20 * M, &c).unwrap();
        t.apply(Command::Resume, T0 + 21 * M, &c).unwrap();
        let ended = t.settle(T0 + 29 * M, &c);
        assert_eq!(
            ended,
            vec![FocusEnded {
                started_at: T0,
                ended_at: T0 + 29 * M,
                focused_ms: 25 * M,
                completed: true
            }]
        );
        assert_eq!((t.phase, t.run), (Phase::ShortBreak, Run::Idle));
    }

    #[test]
    fn a_phase_nobody_watched_completes_at_its_planned_end() {
        let c = cadence();
        let mut t = TimerState::default();
        t.apply(Command::Start, T0, &c).unwrap();
        // Read three hours later: one record, ending at the planned end, not "now".
        let ended = t.settle(T0 + 180 * M, &c);
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].ended_at, T0 + 25 * M);
        assert_eq!(t.phase, Phase::ShortBreak);
        assert_eq!(t.run, Run::Idle);
        assert!(
            t.settle(T0 + 181 * M, &c).is_empty(),
            "settling twice adds nothing"
        );
    }

    #[test]
    fn auto_start_chains_run_back_to_back_from_the_planned_ends() {
        let c = Cadence {
            auto_start_breaks: true,
            auto_start_focus: true,
            ..cadence()
        };
        let mut t = TimerState::default();
        t.apply(Command::Start, T0, &c).unwrap();
        // Focus ends at 25, 55, 85, 115 (short breaks between); the 4th earns a long break
        // (115–130), then focus again from 130 → at 137, 18 minutes are left.
        let ended = t.settle(T0 + 137 * M, &c);
        let ends: Vec<_> = ended.iter().map(|e| (e.ended_at - T0) / M).collect();
        assert_eq!(ends, vec![25, 55, 85, 115]);
        assert!(ended.iter().all(|e| e.completed && e.focused_ms == 25 * M));
        assert_eq!(t.phase, Phase::Focus);
        assert_eq!(t.remaining_ms(T0 + 137 * M, &c), 18 * M);

        // Only breaks auto-start: the chain stops before the next focus.
        let c = Cadence {
            auto_start_breaks: true,
            ..cadence()
        };
        let mut t = TimerState::default();
        t.apply(Command::Start, T0, &c).unwrap();
        assert_eq!(t.settle(T0 + 300 * M, &c).len(), 1);
        assert_eq!((t.phase, t.run), (Phase::Focus, Run::Idle));
    }

    #[test]
    fn every_fourth_completed_focus_earns_a_long_break() {
        let c = cadence();
        let mut t = TimerState::default();
        let mut now = T0;
        let mut breaks = Vec::new();
        for _ in 0..8 {
            t.apply(Command::Start, now, &c).unwrap();
            now += 25 * M;
            t.settle(now, &c);
            breaks.push(t.phase);
            t.apply(Command::Skip, now, &c).unwrap(); // skip the break
            assert_eq!(t.phase, Phase::Focus);
        }
        use Phase::*;
        assert_eq!(
            breaks,
            vec![
                ShortBreak, ShortBreak, ShortBreak, LongBreak, ShortBreak, ShortBreak, ShortBreak,
                LongBreak
            ]
        );
    }

    #[test]
    fn skipping_or_stopping_focus_records_it_as_early_and_does_not_count_it() {
        let c = cadence();
        let mut t = TimerState::default();
        t.apply(Command::Start, T0, &c).unwrap();
        t.apply(Command::Pause, T0 + 5 * M, &c).unwrap();
        let ended = t.apply(Command::Skip, T0 + 7 * M, &c).unwrap();
        assert_eq!(
            ended,
            vec![FocusEnded {
                started_at: T0,
                ended_at: T0 + 7 * M,
                focused_ms: 5 * M,
                completed: false
            }]
        );
        assert_eq!((t.phase, t.focus_done_in_cycle), (Phase::ShortBreak, 0));
        // Skipping a break records nothing.
        assert!(t.apply(Command::Skip, T0 + 8 * M, &c).unwrap().is_empty());

        t.apply(Command::Start, T0 + 10 * M, &c).unwrap();
        let ended = t.apply(Command::Stop, T0 + 12 * M, &c).unwrap();
        assert_eq!(ended[0].focused_ms, 2 * M);
        assert!(!ended[0].completed);
        assert_eq!((t.phase, t.run), (Phase::Focus, Run::Idle));
    }

    #[test]
    fn commands_that_do_not_fit_the_state_are_refused_without_change() {
        let c = cadence();
        let mut t = TimerState::default();
        let before = t;
        assert!(t.apply(Command::Pause, T0, &c).is_err());
        assert!(t.apply(Command::Resume, T0, &c).is_err());
        assert!(t.apply(Command::Stop, T0, &c).is_err());
        assert_eq!(t, before);
        t.apply(Command::Start, T0, &c).unwrap();
        assert!(t.apply(Command::Start, T0 + 1, &c).is_err());
        assert!(
            t.apply(Command::Select(Phase::LongBreak), T0 + 1, &c)
                .is_err()
        );
        t.apply(Command::Reset, T0 + 2, &c).unwrap();
        assert_eq!(t, TimerState::default());
        t.apply(Command::Select(Phase::LongBreak), T0 + 3, &c)
            .unwrap();
        assert_eq!(t.remaining_ms(T0 + 3, &c), 15 * M);
    }
}
