//! The year in review: rendered for its owner only, its figures the same as the statistics
//! page's for the same months, shared only when its owner chooses (and no diary text then),
//! and the seed of a letter to next year's self.

use app::{
    AppError,
    diary::{CheckIn, GetStats, SaveEntry},
    focus::{CreateTag, SetSessionTags},
    offline::{OfflineRecord, OfflineSession, SyncOffline},
    review::{ShareYear, SharedYear, YearLetterSeed, YearReview},
};
use chrono::{Datelike, Duration as Days, TimeZone, Timelike, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{accounts::verified_user, diary::habit, focus::second_user, harness::TestApp};

const MINUTE: i64 = 60_000;

#[tokio::test]
async fn the_year_in_review_is_its_owners_agrees_with_the_statistics_and_is_shared_only_by_choice()
{
    let app = TestApp::spawn().await;
    let (status, _, _) = app.call_raw(YearReview { year: 2026 }).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out");
    verified_user(&app, "ada", "ada@example.com").await;

    // Three sessions (one too short to count), a day apart, the longest at a known hour.
    let now = Utc::now().timestamp_millis();
    let long_start = now - 26 * 60 * MINUTE;
    let ids = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let records = vec![
        (ids[0], long_start, 50),
        (ids[1], now - 3 * 60 * MINUTE, 20),
        (ids[2], now - 2 * 60 * MINUTE, 0),
    ]
    .into_iter()
    .map(|(id, started_at, minutes)| {
        let ms = minutes * MINUTE + if minutes == 0 { 30_000 } else { 0 };
        OfflineRecord::Session(OfflineSession {
            id,
            started_at,
            ended_at: started_at + ms,
            focused_ms: ms,
            completed: true,
            task_id: None,
        })
    })
    .collect();
    app.call(SyncOffline {
        timer: None,
        records,
    })
    .await
    .unwrap();
    let tag = app
        .call(CreateTag {
            name: "Writing".into(),
            colour: "#336699".into(),
        })
        .await
        .unwrap();
    app.call(SetSessionTags {
        id: ids[0].to_string(),
        tag_ids: Some(tag.id.to_string()),
    })
    .await
    .unwrap();
    let h = app.call(habit("Walk", "daily")).await.unwrap();
    let today = app
        .call(app::diary::GetDiaryDay { day: None })
        .await
        .unwrap()
        .today;
    for d in [today - Days::days(1), today] {
        app.call(CheckIn {
            habit_id: h.id.to_string(),
            day: d.to_string(),
            note: None,
            tag_ids: None,
        })
        .await
        .unwrap();
    }
    app.call(SaveEntry {
        day: today.to_string(),
        body: "A **quiet** day by the river.".into(),
        mood: None,
        tag_ids: Some(tag.id.to_string()),
    })
    .await
    .unwrap();

    let year = Utc.timestamp_millis_opt(long_start).unwrap().year();
    let v = app.call(YearReview { year }).await.unwrap();
    assert_eq!(v.year, year);
    let stats = app.call(GetStats {}).await.unwrap();
    // The same months, the same minutes as the statistics page.
    let mut compared = 0;
    for bar in &stats.focus_by_month {
        if let Some(same) = v.by_month.iter().find(|b| b.label == bar.label) {
            assert_eq!(same.value, bar.value, "{}", bar.label);
            compared += 1;
        }
    }
    assert!(compared >= 1, "the current months are on both pages");
    if today.year() == year {
        assert_eq!(v.focus_minutes, stats.total_focus_minutes);
        assert_eq!(v.sessions, stats.total_sessions);
        assert_eq!(v.entries, stats.entries);
        assert_eq!(v.checkins, stats.total_checkins);
    }
    // Near New Year some of these records fall in the next year: count what is in this one
    // (the account's zone is UTC).
    let in_year = |at: i64| Utc.timestamp_millis_opt(at).unwrap().year() == year;
    let second = in_year(now - 3 * 60 * MINUTE);
    let minutes = 50 + if second { 20 } else { 0 };
    assert_eq!(v.focus_minutes, minutes, "the short session counts nowhere");
    assert_eq!(v.sessions, 1 + i64::from(second));
    assert_eq!(v.by_month.len(), 12);
    assert_eq!(
        v.by_month.iter().map(|b| b.value).sum::<f64>(),
        minutes as f64
    );
    assert_eq!(
        v.by_tag.first().map(|b| (b.label.as_str(), b.value)),
        Some(("Writing", 50.0))
    );
    let hour = Utc.timestamp_millis_opt(long_start).unwrap().hour();
    assert_eq!(
        v.busiest_hour,
        Some((hour, 50)),
        "by where the longest session started (UTC)"
    );
    assert_eq!(
        v.top_tags.first().map(|t| (t.tag.as_str(), t.uses)),
        Some(("Writing", 1 + i64::from(today.year() == year)))
    );
    assert_eq!(
        v.best_streaks
            .first()
            .map(|s| (s.habit.as_str(), s.current)),
        Some((
            "Walk",
            [today - Days::days(1), today]
                .iter()
                .filter(|d| d.year() == year)
                .count() as u32
        ))
    );
    if today.year() == year {
        let o = v.on_this_day.clone().expect("today is in this year");
        assert_eq!(o.entry.as_deref(), Some("A quiet day by the river."));
        assert_eq!(o.checked_in, ["Walk"]);
    }
    assert_eq!(v.shared_path, None, "not shared unless chosen");
    assert!(v.years.contains(&year));

    // Nothing recorded: an empty year, which cannot be shared; outside the years kept: 404.
    assert!(
        app.call(YearReview { year: 1999 })
            .await
            .unwrap()
            .is_empty()
    );
    let e = app
        .call(ShareYear {
            year: 1999,
            share: true,
        })
        .await
        .unwrap_err();
    assert!(e.field_message("year").is_some(), "{e:?}");
    assert!(matches!(
        app.call(YearReview { year: 1200 }).await,
        Err(AppError::NotFound)
    ));
    // Another person sees their own (empty) year, never hers.
    let bob = second_user(&app).await;
    let (status, _, body) = app.call_as(&bob, YearReview { year }, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let theirs: app::review::YearView = serde_json::from_str(&body).unwrap();
    assert!(theirs.is_empty(), "{body}");
    let (status, _, _) = app
        .call_as(
            &bob,
            SharedYear {
                token: Uuid::new_v4().simple().to_string(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Shared: anyone with the link sees the figures and her name, and no diary text.
    let path = app
        .call(ShareYear { year, share: true })
        .await
        .unwrap()
        .unwrap();
    let token = path.trim_start_matches("/y/").to_owned();
    assert_eq!(
        app.call(ShareYear { year, share: true })
            .await
            .unwrap()
            .as_deref(),
        Some(path.as_str())
    );
    let visitor = app.new_client();
    let (status, _, body) = app
        .call_as(
            &visitor,
            SharedYear {
                token: token.clone(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let shared: app::review::YearView = serde_json::from_str(&body).unwrap();
    assert_eq!(shared.owner.as_deref(), Some("ada"));
    assert_eq!(shared.focus_minutes, minutes);
    assert!(
        shared
            .on_this_day
            .as_ref()
            .is_none_or(|o| o.entry.is_none())
    );
    assert!(!body.contains("river"), "no diary text on a shared page");
    let page = visitor.get(app.url(&path)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("ada"), "rendered on the server");
    assert!(!html.contains("river"));

    // Stopped: the link answers nothing any more.
    assert_eq!(
        app.call(ShareYear { year, share: false }).await.unwrap(),
        None
    );
    let (status, _, _) = app.call_as(&visitor, SharedYear { token }, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The seed of a letter to next year's self.
    let seed = app.call(YearLetterSeed { year }).await.unwrap();
    assert_eq!(seed.deliver_date, format!("{}-01-01", year + 1));
    assert!(seed.to_self);
    assert!(seed.title.contains(&(year + 1).to_string()));
    assert!(
        seed.body
            .contains(&format!("Focus sessions: {}\n", v.sessions)),
        "{}",
        seed.body
    );
}
