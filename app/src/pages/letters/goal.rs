//! Where a letter meets the diary: the editor's "when it opens" card (a date, or a goal
//! with a date at the latest), a goal's progress, and a delivered letter's then and now.

use super::*;
use crate::diary::{Bar, Figures};
use crate::letters::goals::{Choice, GoalKind, GoalView, ThenNow};

/// How it opens: on its date, or when the author reaches a goal (with the date as the
/// latest). Only a letter to oneself alone may wait for a goal; the server says so on the
/// `goal` field otherwise.
#[component]
pub(super) fn GoalCard(draft: Draft, tags: Vec<Choice>, habits: Vec<Choice>) -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let Draft {
        goal_kind,
        goal_target,
        goal_on,
        ..
    } = draft;
    let err = move |f: &str| draft.error(f);
    let kind = move || GoalKind::parse(&goal_kind.get());
    let on_goal = move || kind().is_some();
    let no_habits = habits.is_empty();
    view! {
        <fieldset class="card goal-card">
            <legend>{g.opens}</legend>
            <div class="choice-row" role="radiogroup" aria-label=g.opens>
                <span class="choice">
                    <input type="radio" id="opens-date" name="opens" prop:checked=move || !on_goal()
                        on:change=move |_| goal_kind.set(String::new()) />
                    <label for="opens-date">{g.opens_on_date}</label>
                </span>
                <span class="choice">
                    <input type="radio" id="opens-goal" name="opens" prop:checked=on_goal
                        on:change=move |_| if kind().is_none() { goal_kind.set(GoalKind::FocusSessions.as_str().into()) } />
                    <label for="opens-goal">{g.opens_on_goal}</label>
                </span>
            </div>
            <div class="goal-fields" hidden=move || !on_goal()>
                <div class="field-row">
                    <div class="field">
                        <label for="goal-kind">{g.goal_kind}</label>
                        <select id="goal-kind" on:change=move |ev| { goal_kind.set(event_target_value(&ev)); goal_on.set(String::new()); }>
                            {GoalKind::ALL.map(|k| view! {
                                <option value=k.as_str() selected=move || kind() == Some(k)>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field goal-target" class:has-error=move || err("goal_target").with(Option::is_some)>
                        <label for="goal-target">{g.goal_target}</label>
                        <input id="goal-target" type="number" inputmode="numeric" min="1" max=move || kind().map_or(1, GoalKind::max_target)
                            prop:value=move || goal_target.get() on:input=move |ev| goal_target.set(event_target_value(&ev))
                            aria-invalid=move || err("goal_target").with(Option::is_some).then_some("true")
                            aria-describedby="goal-target-error" />
                    </div>
                </div>
                <FieldMessage id="goal-target-error" message=err("goal_target") />
                <div class="field" hidden=move || !kind().is_some_and(GoalKind::takes_tag) class:has-error=move || err("goal_tag").with(Option::is_some)>
                    <label for="goal-tag">{g.goal_tag}</label>
                    <select id="goal-tag" on:change=move |ev| goal_on.set(event_target_value(&ev)) aria-describedby="goal-tag-error">
                        <option value="" selected=move || goal_on.with(String::is_empty)>{g.any_tag}</option>
                        {tags.into_iter().map(|c| {
                            let id = c.id.to_string();
                            let mine = id.clone();
                            view! { <option value=id selected=move || goal_on.with(|o| *o == mine)>{c.name}</option> }
                        }).collect_view()}
                    </select>
                    <FieldMessage id="goal-tag-error" message=err("goal_tag") />
                </div>
                <div class="field" hidden=move || kind() != Some(GoalKind::HabitStreak) class:has-error=move || err("goal_habit").with(Option::is_some)>
                    <label for="goal-habit">{g.goal_habit}</label>
                    <select id="goal-habit" on:change=move |ev| goal_on.set(event_target_value(&ev)) aria-describedby="goal-habit-error">
                        <option value="" selected=move || goal_on.with(String::is_empty)>{g.choose_habit}</option>
                        {habits.into_iter().map(|c| {
                            let id = c.id.to_string();
                            let mine = id.clone();
                            view! { <option value=id selected=move || goal_on.with(|o| *o == mine)>{c.name}</option> }
                        }).collect_view()}
                    </select>
                    {no_habits.then(|| view! { <p class="hint">{g.no_habits}</p> })}
                    <FieldMessage id="goal-habit-error" message=err("goal_habit") />
                </div>
                <p class="hint">{g.goal_hint}</p>
            </div>
            <FieldMessage id="goal-error" message=err("goal") />
        </fieldset>
    }
}

/// How far the author is toward a letter's goal, as words and a bar (never the letter).
#[component]
pub(super) fn GoalProgress(goal: GoalView) -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let said = match goal.reached_ms {
        Some(_) => fill(g.reached_on, &[("date", &goal.latest_local)]),
        None => fill(
            g.opens_when,
            &[("goal", &goal.goal_text()), ("date", &goal.latest_local)],
        ),
    };
    view! {
        <div class="goal-progress">
            <p class="goal-progress-text">{goal.progress_text()}</p>
            <progress max="100" value=goal.percent() aria-label=g.progress_label>{format!("{}%", goal.percent())}</progress>
            <p class="hint">{said}</p>
        </div>
    }
}

fn rows(then: &Figures, now: &Figures) -> Vec<(String, String, String)> {
    let g = &crate::i18n::t().progress;
    let d = &crate::i18n::t().diary;
    let minutes = |m: i64| d.minutes.count(m);
    let mut out = vec![
        (
            g.focus_30d.to_owned(),
            minutes(then.focus_minutes_30d),
            minutes(now.focus_minutes_30d),
        ),
        (
            g.focus_total.to_owned(),
            minutes(then.focus_minutes),
            minutes(now.focus_minutes),
        ),
        (
            g.sessions.to_owned(),
            then.sessions.to_string(),
            now.sessions.to_string(),
        ),
        (
            g.entries.to_owned(),
            then.entries.to_string(),
            now.entries.to_string(),
        ),
    ];
    let streak = |f: &Figures, habit: &str| {
        f.streaks
            .iter()
            .find(|s| s.habit == habit)
            .map_or_else(|| "0".to_owned(), |s| s.unit.count(s.current))
    };
    let mut habits: Vec<&str> = then
        .streaks
        .iter()
        .chain(&now.streaks)
        .map(|s| s.habit.as_str())
        .collect();
    habits.dedup();
    let mut seen = std::collections::HashSet::new();
    for h in habits.into_iter().filter(|h| seen.insert(*h)) {
        out.push((
            fill(g.streak_of, &[("habit", &h)]),
            streak(then, h),
            streak(now, h),
        ));
    }
    let tag = |f: &Figures, name: &str| {
        minutes(
            f.top_tags
                .iter()
                .find(|t| t.tag == name)
                .map_or(0, |t| t.minutes),
        )
    };
    let mut seen = std::collections::HashSet::new();
    let tags: Vec<String> = then
        .top_tags
        .iter()
        .chain(&now.top_tags)
        .map(|t| t.tag.clone())
        .filter(|t| seen.insert(t.clone()))
        .collect();
    for name in tags {
        out.push((
            fill(g.focus_on_tag, &[("tag", &name)]),
            tag(then, &name),
            tag(now, &name),
        ));
    }
    out
}

/// A delivered letter to oneself: the figures it was sealed with beside today's, as a table
/// and as the statistics' bar chart.
#[component]
pub(super) fn ThenNowCard(tn: ThenNow) -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let then_head = fill(g.then_on, &[("date", &tn.then_date)]);
    let bars = vec![
        Bar {
            label: tn.then_date.clone(),
            value: tn.then.focus_minutes_30d as f64,
        },
        Bar {
            label: g.now.to_owned(),
            value: tn.now.focus_minutes_30d as f64,
        },
    ];
    let table = rows(&tn.then, &tn.now);
    view! {
        <section class="card then-now" aria-labelledby="then-now-h">
            <h2 id="then-now-h">{g.then_and_now}</h2>
            <table class="then-now-table">
                <thead>
                    <tr><th scope="col">{g.figure}</th><th scope="col">{then_head}</th><th scope="col">{g.now}</th></tr>
                </thead>
                <tbody>
                    {table.into_iter().map(|(name, then, now)| view! {
                        <tr><th scope="row">{name}</th><td>{then}</td><td>{now}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <crate::components::charts::BarChart bars=bars title=g.focus_30d unit=crate::i18n::t().diary.minutes />
        </section>
    }
}
