//! The diary over HTTP: habits and check-ins (backfill, undo, edit, delete), entries with
//! safe Markdown, time rules, roll-ups, statistics, history filters and ownership.

use app::{
    AppError,
    account::{GetTimeSettings, SaveTimeSettings},
    diary::{
        ArchiveHabit, CheckIn, CreateHabit, DeleteCheckin, DeleteEntry, DeleteHabit, DeleteSession,
        EditNote, GetDiaryDay, GetStats, HabitForm, SaveEntry, SearchHistory, UndoCheckIn,
        streaks::{Schedule, StreakUnit},
    },
    focus::{AnnotateSession, CreateTag, GetTimer, RecentSessions, TimerCommand},
    time::DayRule,
};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::{
    accounts::{signup, verified_user},
    harness::TestApp,
};

pub(crate) fn habit(name: &str, schedule: &str) -> CreateHabit {
    CreateHabit {
        habit: HabitForm {
            name: name.into(),
            colour: Some("#336699".into()),
            schedule: schedule.into(),
            ..HabitForm::default()
        },
    }
}

pub(crate) fn checkin(habit: &str, day: NaiveDate, note: Option<&str>) -> CheckIn {
    CheckIn {
        habit_id: habit.into(),
        day: day.to_string(),
        note: note.map(Into::into),
        tag_ids: None,
    }
}

fn history() -> SearchHistory {
    SearchHistory {
        from: None,
        to: None,
        tag: None,
        habit: None,
        q: None,
        kind: None,
    }
}

pub(crate) async fn today(app: &TestApp) -> NaiveDate {
    app.call(GetDiaryDay { day: None }).await.unwrap().today
}

/// Runs a 25-minute focus session that "ended" a minute ago, through the timer's own
/// settling path (the one that writes records and roll-ups).
pub(crate) async fn finished_session(app: &TestApp) -> app::focus::SessionView {
    app.call(TimerCommand {
        command: "start".into(),
        phase: None,
    })
    .await
    .unwrap();
    let shift = 26 * 60_000;
    app.db
        .execute_unprepared(&format!(
            "UPDATE focus_timer SET started_at = started_at - {shift}, planned_end = planned_end - {shift}"
        ))
        .await
        .unwrap();
    let snap = app.call(GetTimer {}).await.unwrap();
    assert_eq!(snap.ended.len(), 1);
    let sessions = app.call(RecentSessions {}).await.unwrap();
    sessions
        .into_iter()
        .find(|s| s.id == snap.ended[0])
        .expect("the recorded session")
}

#[tokio::test]
async fn check_in_backfill_undo_edit_and_delete_move_the_streak() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let h = app.call(habit("Walk", "daily")).await.unwrap();
    assert_eq!(h.schedule, Schedule::Daily);
    let id = h.id.to_string();
    let t = today(&app).await;

    // Today, and two backfilled days before it (before the habit existed: its start moves).
    for d in [t, t - Duration::days(1), t - Duration::days(2)] {
        app.call(checkin(&id, d, None)).await.unwrap();
    }
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    let row = &day.habits[0];
    assert!(row.checkin.is_some());
    assert_eq!((row.stats.current, row.stats.best), (3, 3));
    assert_eq!(row.stats.unit, StreakUnit::Days);
    assert_eq!(row.habit.start_day, t - Duration::days(2));

    // Undo the middle day: the streak breaks.
    app.call(UndoCheckIn {
        habit_id: id.clone(),
        day: (t - Duration::days(1)).to_string(),
    })
    .await
    .unwrap();
    let stats = app.call(GetDiaryDay { day: None }).await.unwrap().habits[0].stats;
    assert_eq!(
        (stats.current, stats.best, stats.done, stats.expected),
        (1, 1, 2, 3)
    );

    // A check-in again for the same day updates it (note), never duplicates it.
    let c1 = app
        .call(checkin(&id, t, Some("Around the lake")))
        .await
        .unwrap();
    let c2 = app
        .call(checkin(&id, t, Some("Around the lake twice")))
        .await
        .unwrap();
    assert_eq!(c1.id, c2.id);
    // Edit its note from the history, then delete it.
    app.call(EditNote {
        kind: "checkin".into(),
        id: c2.id.to_string(),
        note: "Edited note".into(),
    })
    .await
    .unwrap();
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    assert_eq!(
        day.habits[0].checkin.as_ref().unwrap().note.as_deref(),
        Some("Edited note")
    );
    app.call(DeleteCheckin {
        id: c2.id.to_string(),
    })
    .await
    .unwrap();
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    assert!(day.habits[0].checkin.is_none());
    assert_eq!(day.habits[0].stats.done, 1);

    // The future is refused with the field named; nothing is stored.
    let err = app
        .call(checkin(&id, t + Duration::days(1), None))
        .await
        .unwrap_err();
    assert!(err.field_message("day").is_some(), "{err:?}");
    let all = app.call(history()).await.unwrap();
    assert_eq!(
        all.len(),
        1,
        "only the day before yesterday remains: {all:?}"
    );

    // Archive hides it from the day; delete removes it and its check-ins.
    app.call(ArchiveHabit {
        id: id.clone(),
        archived: "true".into(),
    })
    .await
    .unwrap();
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    assert!(day.habits.is_empty());
    assert_eq!(day.archived.len(), 1);
    app.call(DeleteHabit { id }).await.unwrap();
    assert!(app.call(history()).await.unwrap().is_empty());
}

#[tokio::test]
async fn schedules_are_validated_and_weekly_habits_count_weeks() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let mut bad = habit("Gym", "times_per_week");
    bad.habit.times = Some("9".into());
    let err = app.call(bad).await.unwrap_err();
    assert!(err.field_message("times").is_some(), "{err:?}");
    let err = app.call(habit("Gym", "weekdays")).await.unwrap_err();
    assert!(err.field_message("days").is_some(), "{err:?}");
    let err = app.call(habit("  ", "daily")).await.unwrap_err();
    assert!(err.field_message("name").is_some(), "{err:?}");

    let mut weekly = habit("Gym", "times_per_week");
    weekly.habit.times = Some("1".into());
    let h = app.call(weekly).await.unwrap();
    assert_eq!(h.schedule, Schedule::TimesPerWeek { times: 1 });
    let mut days = habit("Piano", "weekdays");
    (days.habit.mon, days.habit.wed, days.habit.fri) =
        (Some("on".into()), Some("on".into()), Some("on".into()));
    let p = app.call(days).await.unwrap();
    assert_eq!(p.schedule, Schedule::Weekdays { mask: 0b10101 });

    // One check-in in each of the last three weeks: a three-week streak.
    let t = today(&app).await;
    for w in 0..3 {
        app.call(checkin(&h.id.to_string(), t - Duration::weeks(w), None))
            .await
            .unwrap();
    }
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    let gym = day.habits.iter().find(|r| r.habit.id == h.id).unwrap();
    assert_eq!(gym.stats.unit, StreakUnit::Weeks);
    assert_eq!(gym.stats.current, 3);
}

#[tokio::test]
async fn diary_entries_are_one_per_day_and_their_markdown_is_inert() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let t = today(&app).await;
    let body = "**Good day.** </textarea><script>alert(1)</script> <img src=x onerror=alert(2)> \
                [click](javascript:alert(3)) [site](https://example.com) &lt;b&gt;";
    let e = app
        .call(SaveEntry {
            day: t.to_string(),
            body: body.into(),
            mood: Some("4".into()),
            tag_ids: None,
        })
        .await
        .unwrap();
    assert!(e.html.contains("<strong>Good day.</strong>"), "{}", e.html);
    assert!(e.html.contains("&lt;script&gt;"), "{}", e.html);
    for bad in ["<script", "<img", "javascript:", "onerror=alert(2)>"] {
        assert!(!e.html.contains(bad), "{bad} in {}", e.html);
    }
    assert!(e.html.contains(r#"href="https://example.com""#));

    // The page renders the same inert HTML.
    let (status, _, html) = app.get_text("/diary").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("&lt;script&gt;alert(1)"),
        "entry missing from the page"
    );
    assert!(!html.contains("<img src=x"));
    if let Some(i) = html.find("<script>alert(1)") {
        panic!(
            "live script in the page: {}",
            &html[i.saturating_sub(300)..(i + 100).min(html.len())]
        );
    }
    assert!(!html.contains("href=\"javascript:"));

    // Saving the same day again edits the one entry.
    let again = app
        .call(SaveEntry {
            day: t.to_string(),
            body: "Rewritten".into(),
            mood: None,
            tag_ids: None,
        })
        .await
        .unwrap();
    assert_eq!(again.id, e.id);
    assert_eq!(again.mood, None);
    // Bad input names the field and changes nothing.
    let err = app
        .call(SaveEntry {
            day: t.to_string(),
            body: "x".into(),
            mood: Some("9".into()),
            tag_ids: None,
        })
        .await
        .unwrap_err();
    assert!(err.field_message("mood").is_some());
    let err = app
        .call(SaveEntry {
            day: t.to_string(),
            body: " ".into(),
            mood: None,
            tag_ids: None,
        })
        .await
        .unwrap_err();
    assert!(err.field_message("body").is_some());
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    assert_eq!(day.entry.as_ref().unwrap().body, "Rewritten");

    app.call(DeleteEntry {
        id: e.id.to_string(),
    })
    .await
    .unwrap();
    assert!(
        app.call(GetDiaryDay { day: None })
            .await
            .unwrap()
            .entry
            .is_none()
    );
}

#[tokio::test]
async fn every_diary_function_refuses_another_users_ids() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let t = today(&app).await;
    let h = app.call(habit("Walk", "daily")).await.unwrap();
    let c = app
        .call(checkin(&h.id.to_string(), t, Some("mine")))
        .await
        .unwrap();
    let e = app
        .call(SaveEntry {
            day: t.to_string(),
            body: "private".into(),
            mood: None,
            tag_ids: None,
        })
        .await
        .unwrap();
    let tag = app
        .call(CreateTag {
            name: "Deep".into(),
            colour: "#123456".into(),
        })
        .await
        .unwrap();
    let s = finished_session(&app).await;
    let (hid, cid, eid, tid, sid) = (
        h.id.to_string(),
        c.id.to_string(),
        e.id.to_string(),
        tag.id.to_string(),
        s.id.to_string(),
    );

    // Bob, signed in on another client.
    let bob = crate::focus::second_user(&app).await;
    let (st, _, body) = app.call_as(&bob, habit("Bob's", "daily"), &[]).await;
    assert_eq!(st, StatusCode::OK);
    let bob_habit: app::diary::HabitView = serde_json::from_str(&body).unwrap();

    let mut with_foreign_tag = checkin(&bob_habit.id.to_string(), t, None);
    with_foreign_tag.tag_ids = Some(tid.clone());
    let mut filter_tag = history();
    filter_tag.tag = Some(tid.clone());
    let mut filter_habit = history();
    filter_habit.habit = Some(hid.clone());
    let statuses = vec![
        (
            "check_in",
            app.call_as(&bob, checkin(&hid, t, None), &[]).await.0,
        ),
        (
            "foreign tag",
            app.call_as(&bob, with_foreign_tag, &[]).await.0,
        ),
        (
            "undo",
            app.call_as(
                &bob,
                UndoCheckIn {
                    habit_id: hid.clone(),
                    day: t.to_string(),
                },
                &[],
            )
            .await
            .0,
        ),
        (
            "archive",
            app.call_as(
                &bob,
                ArchiveHabit {
                    id: hid.clone(),
                    archived: "true".into(),
                },
                &[],
            )
            .await
            .0,
        ),
        (
            "delete habit",
            app.call_as(&bob, DeleteHabit { id: hid.clone() }, &[])
                .await
                .0,
        ),
        (
            "delete checkin",
            app.call_as(&bob, DeleteCheckin { id: cid.clone() }, &[])
                .await
                .0,
        ),
        (
            "delete entry",
            app.call_as(&bob, DeleteEntry { id: eid.clone() }, &[])
                .await
                .0,
        ),
        (
            "delete session",
            app.call_as(&bob, DeleteSession { id: sid.clone() }, &[])
                .await
                .0,
        ),
        (
            "edit checkin",
            app.call_as(
                &bob,
                EditNote {
                    kind: "checkin".into(),
                    id: cid.clone(),
                    note: "x".into(),
                },
                &[],
            )
            .await
            .0,
        ),
        (
            "edit entry",
            app.call_as(
                &bob,
                EditNote {
                    kind: "entry".into(),
                    id: eid.clone(),
                    note: "x".into(),
                },
                &[],
            )
            .await
            .0,
        ),
        (
            "edit session",
            app.call_as(
                &bob,
                EditNote {
                    kind: "focus".into(),
                    id: sid.clone(),
                    note: "x".into(),
                },
                &[],
            )
            .await
            .0,
        ),
        ("filter by tag", app.call_as(&bob, filter_tag, &[]).await.0),
        (
            "filter by habit",
            app.call_as(&bob, filter_habit, &[]).await.0,
        ),
    ];
    for (what, status) in statuses {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
    }
    // Bob's own history and stats show nothing of Ada's.
    let (_, _, body) = app.call_as(&bob, history(), &[]).await;
    assert_eq!(body, "[]");
    let (_, _, body) = app.call_as(&bob, GetStats {}, &[]).await;
    let stats: app::diary::StatsView = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (stats.total_sessions, stats.total_checkins, stats.entries),
        (0, 0, 0)
    );

    // Ada's records are untouched.
    let all = app.call(history()).await.unwrap();
    let kinds: Vec<&str> = all.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(all.len(), 3, "{kinds:?}");
    assert!(all.iter().any(|i| i.note.as_deref() == Some("mine")));

    // And anonymous callers get 401.
    let anon = app.new_client();
    let (st, _, _) = app.call_as(&anon, GetStats {}, &[]).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_feed_the_daily_rollups_and_statistics() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let s = finished_session(&app).await;
    assert_eq!(s.focused_seconds, 25 * 60);
    let stats = app.call(GetStats {}).await.unwrap();
    assert_eq!((stats.total_sessions, stats.total_focus_minutes), (1, 25));
    let cell = stats.focus_heatmap.iter().find(|d| d.day == s.day).unwrap();
    assert_eq!(cell.value, 25);
    // Summed over the 14 days, not read from today's bar: a session started before
    // midnight belongs to yesterday (this failed when run just after midnight).
    let fortnight: f64 = stats.focus_by_day.iter().map(|b| b.value).sum();
    assert_eq!(fortnight, 25.0);
    assert!(stats.tag_totals.is_empty());

    // Tagging the session moves its minutes into the tag's total.
    let tag = app
        .call(CreateTag {
            name: "Writing".into(),
            colour: "#c2410c".into(),
        })
        .await
        .unwrap();
    app.call(AnnotateSession {
        id: s.id.to_string(),
        note: Some("Chapter one".into()),
        tag_ids: Some(tag.id.to_string()),
        task_id: None,
    })
    .await
    .unwrap();
    let stats = app.call(GetStats {}).await.unwrap();
    assert_eq!(stats.tag_totals.len(), 1);
    assert_eq!(stats.tag_totals[0].minutes, 25);
    // The session's own day (yesterday when this runs just after midnight).
    let day = app
        .call(GetDiaryDay {
            day: Some(s.day.to_string()),
        })
        .await
        .unwrap();
    assert_eq!((day.focus_sessions, day.focus_minutes), (1, 25));

    // The history finds it by tag and by text (case-insensitive, `%` literal).
    let mut by_tag = history();
    by_tag.tag = Some(tag.id.to_string());
    assert_eq!(app.call(by_tag).await.unwrap().len(), 1);
    let mut by_text = history();
    by_text.q = Some("CHAPTER".into());
    assert_eq!(app.call(by_text).await.unwrap().len(), 1);
    let mut wildcard = history();
    wildcard.q = Some("%".into());
    assert!(app.call(wildcard).await.unwrap().is_empty());

    // Deleting it empties the roll-ups.
    app.call(DeleteSession {
        id: s.id.to_string(),
    })
    .await
    .unwrap();
    let stats = app.call(GetStats {}).await.unwrap();
    assert_eq!((stats.total_sessions, stats.total_focus_minutes), (0, 0));
    assert!(stats.focus_heatmap.is_empty() && stats.tag_totals.is_empty());
}

#[tokio::test]
async fn history_filters_by_kind_habit_dates_and_text() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let t = today(&app).await;
    let walk = app
        .call(habit("Walk", "daily"))
        .await
        .unwrap()
        .id
        .to_string();
    let read = app
        .call(habit("Read", "daily"))
        .await
        .unwrap()
        .id
        .to_string();
    for i in 0..5 {
        let d = t - Duration::days(i);
        app.call(checkin(&walk, d, Some(&format!("walk {i}"))))
            .await
            .unwrap();
        if i % 2 == 0 {
            app.call(checkin(&read, d, Some("a novel"))).await.unwrap();
        }
    }
    app.call(SaveEntry {
        day: (t - Duration::days(1)).to_string(),
        body: "Walked with Mia".into(),
        mood: Some("5".into()),
        tag_ids: None,
    })
    .await
    .unwrap();

    assert_eq!(app.call(history()).await.unwrap().len(), 9);
    let mut f = history();
    f.habit = Some(read.clone());
    assert_eq!(app.call(f).await.unwrap().len(), 3);
    let mut f = history();
    f.kind = Some("entry".into());
    let entries = app.call(f).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].title, "Diary · Great");
    let mut f = history();
    f.from = Some((t - Duration::days(1)).to_string());
    f.to = Some(t.to_string());
    // Two walks, one read (today) and the entry.
    assert_eq!(app.call(f).await.unwrap().len(), 4);
    let mut f = history();
    f.q = Some("WALK".into());
    let found = app.call(f).await.unwrap();
    assert_eq!(found.len(), 6, "five walk notes and the entry");
    // Newest first.
    assert!(found.windows(2).all(|w| w[0].day >= w[1].day));
    // Bad filters name their field.
    let mut f = history();
    f.from = Some(t.to_string());
    f.to = Some((t - Duration::days(3)).to_string());
    assert!(app.call(f).await.unwrap_err().field_message("to").is_some());
    let mut f = history();
    f.kind = Some("letters".into());
    assert!(
        app.call(f)
            .await
            .unwrap_err()
            .field_message("kind")
            .is_some()
    );
}

#[tokio::test]
async fn time_rules_are_validated_and_decide_the_day_of_new_records() {
    let app = TestApp::spawn().await;
    // The sign-up page sends the browser's zone; unknown zones fall back to UTC.
    let mut form = signup("ada", "ada@example.com");
    form.timezone = Some("Asia/Shanghai".into());
    app.call(form).await.unwrap();
    let mail = app.emails_to("ada@example.com", 1).await.pop().unwrap();
    app.call(crate::accounts::confirm(mail.token("/verify-email")))
        .await
        .unwrap();
    let ts = app.call(GetTimeSettings {}).await.unwrap();
    assert_eq!(
        (ts.timezone.as_str(), ts.day_starts_at.as_str()),
        ("Asia/Shanghai", "00:00")
    );

    let err = app
        .call(SaveTimeSettings {
            timezone: "Mars/Olympus".into(),
            day_starts_at: "13:00".into(),
        })
        .await
        .unwrap_err();
    let AppError::Validation { fields } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields.len(), 2, "both fields named: {fields:?}");

    let saved = app
        .call(SaveTimeSettings {
            timezone: "America/New_York".into(),
            day_starts_at: "04:00".into(),
        })
        .await
        .unwrap();
    let rule = DayRule::new("America/New_York", 240).unwrap();
    assert_eq!(saved.today, rule.day_of(Utc::now().timestamp_millis()));
    assert_eq!(today(&app).await, saved.today);

    // A session records the day its start instant belongs to under the new rule.
    let s = finished_session(&app).await;
    assert_eq!(s.day, rule.day_of(s.started_at));
}

#[tokio::test]
async fn diary_pages_render_on_the_server_for_their_owner_only() {
    let app = TestApp::spawn().await;
    for path in ["/diary", "/diary/stats", "/diary/history"] {
        let (status, _, html) = app.get_text(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            html.contains("Log in to keep habits"),
            "{path}: sign-in prompt expected"
        );
    }
    verified_user(&app, "ada", "ada@example.com").await;
    let h = app.call(habit("Morning pages", "daily")).await.unwrap();
    let t = today(&app).await;
    app.call(checkin(&h.id.to_string(), t, Some("three pages")))
        .await
        .unwrap();
    finished_session(&app).await;

    let (_, _, html) = app.get_text("/diary").await;
    assert!(
        html.contains("Morning pages") && html.contains("streak 1 day"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"data-day="{t}" data-value="1""#)),
        "heatmap cell for today"
    );
    assert!(html.contains("<title>Diary · Ripen</title>"));
    let (_, _, html) = app.get_text("/diary/stats").await;
    assert!(
        html.contains("Focus this year") && html.contains(r#"data-value="25""#),
        "{html}"
    );
    assert!(
        html.contains("<table class=\"visually-hidden\""),
        "charts carry a text table"
    );
    assert!(!html.contains("style="), "no inline styles (CSP)");
    let (_, _, html) = app.get_text("/diary/history?q=pages").await;
    assert!(
        html.contains("three pages") && html.contains("1 record"),
        "{html}"
    );
}

#[tokio::test]
async fn the_history_and_on_this_day_show_an_entry_as_plain_text_not_its_markdown() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let t = today(&app).await;
    let body = format!(
        "# A **bold** start\n\nWalked *far*, then [read](https://example.com).\n\n\
         - one\n- two\n\n<script>alert(1)</script> {}",
        "long day ".repeat(40)
    );
    let save = |day: NaiveDate| SaveEntry {
        day: day.to_string(),
        body: body.clone(),
        mood: None,
        tag_ids: None,
    };
    app.call(save(t)).await.unwrap();

    let mut entries = history();
    entries.kind = Some("entry".into());
    let items = app.call(entries).await.unwrap();
    let excerpt = items[0].excerpt.clone().unwrap();
    assert!(
        excerpt.starts_with(
            "A bold start Walked far, then read. one two <script>alert(1)</script> long day"
        ),
        "{excerpt}"
    );
    assert!(
        excerpt.ends_with('…') && excerpt.chars().count() <= 240,
        "{excerpt}"
    );
    // Editing still starts from the text as written.
    assert_eq!(items[0].note.as_deref(), Some(body.trim()));

    // The page lists the excerpt (escaped), not the Markdown source.
    let (_, _, html) = app.get_text("/diary/history").await;
    let start = html.find(r#"class="record-note">"#).expect("a record") + 20;
    let shown = &html[start..start + html[start..].find("</p>").unwrap()];
    assert!(
        shown.starts_with("A bold start Walked far, then read. one two &lt;script&gt;"),
        "{shown}"
    );
    assert!(
        !html.contains("<script>alert(1)"),
        "a live script in the page"
    );

    // "On this day" shows last year's entry the same way.
    let Some(last_year) = t.with_year(t.year() - 1) else {
        return;
    };
    app.call(save(last_year)).await.unwrap();
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    let memory = &day.memories[0].text;
    assert!(memory.starts_with("A bold start Walked far"), "{memory}");
    assert!(!memory.contains('*') && !memory.contains('#'), "{memory}");
}

#[tokio::test]
async fn on_this_day_brings_back_the_same_date_in_earlier_years() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let t = today(&app).await;
    let h = app.call(habit("Swim", "daily")).await.unwrap();
    // Leap days have no twin in most years; the test date is whatever today is.
    let Some(last_year) = t.with_year(t.year() - 1) else {
        return;
    };
    let two_years = t.with_year(t.year() - 2).unwrap_or(last_year);
    app.call(SaveEntry {
        day: last_year.to_string(),
        body: "First day at the new job".into(),
        mood: Some("4".into()),
        tag_ids: None,
    })
    .await
    .unwrap();
    app.call(checkin(&h.id.to_string(), two_years, None))
        .await
        .unwrap();
    // Not the same date: not a memory.
    app.call(SaveEntry {
        day: (last_year - Duration::days(1)).to_string(),
        body: "The day before".into(),
        mood: None,
        tag_ids: None,
    })
    .await
    .unwrap();

    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    let m: Vec<(i32, &str, &str)> = day
        .memories
        .iter()
        .map(|m| (m.years_ago, m.kind.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        m,
        vec![
            (1, "entry", "Mood: Good. First day at the new job"),
            (2, "checkin", "Checked in: Swim"),
        ]
    );
}
