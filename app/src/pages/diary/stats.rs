//! `/diary/stats`: streaks, heatmaps and focus charts drawn by the server.

use super::*;

#[component]
pub fn StatsPage() -> impl IntoView {
    let auth = crate::account::state::use_auth();
    let stats = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_stats().await
        },
    );
    let t = &crate::i18n::t().diary;
    view! {
        <Title text=t.stats_title />
        <section class="container stats-page">
            <header class="page-head">
                <h1>{t.stats_title}</h1>
                <DiaryNav current="stats" />
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.adding_up}</p> }>
                {move || Suspend::new(async move {
                    match stats.await {
                        Ok(s) => view! { <Stats s /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}
#[component]
pub(super) fn Stats(s: StatsView) -> impl IntoView {
    let hours = s.total_focus_minutes / 60;
    let tag_bars: Vec<crate::components::charts::Bar> = s
        .tag_totals
        .iter()
        .take(8)
        .map(|t| crate::components::charts::Bar {
            label: t.tag.name.clone(),
            value: t.minutes as f64,
        })
        .collect();
    let t = &crate::i18n::t().diary;
    view! {
        <ul class="stat-tiles">
            <li class="card tile"><span class="big-number">{fill(t.hours, &[("n", &hours)])}</span><span class="muted">{t.focused_total}</span></li>
            <li class="card tile"><span class="big-number">{s.total_sessions}</span><span class="muted">{t.tile_sessions.form(s.total_sessions)}</span></li>
            <li class="card tile"><span class="big-number">{s.total_checkins}</span><span class="muted">{t.tile_checkins.form(s.total_checkins)}</span></li>
            <li class="card tile"><span class="big-number">{s.entries}</span><span class="muted">{t.tile_entries.form(s.entries)}</span></li>
        </ul>
        <section class="card" aria-labelledby="focus-year-h">
            <h2 id="focus-year-h">{t.focus_this_year}</h2>
            <Heatmap values=s.focus_heatmap end=s.today weeks=53 label=t.focus_minutes unit=t.minutes id="focus-minutes" />
        </section>
        <section class="card" aria-labelledby="checkin-year-h">
            <h2 id="checkin-year-h">{t.checkins_this_year}</h2>
            <Heatmap values=s.checkin_heatmap end=s.today weeks=53 label=t.checkins_per_day unit=t.checkins_count id="check-ins-per-day" />
        </section>
        <section class="card" aria-labelledby="habits-stats-h">
            <h2 id="habits-stats-h">{t.habits}</h2>
            {if s.habits.is_empty() {
                view! { <p class="muted">{t.no_habits}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr><th scope="col">{t.col_habit}</th><th scope="col">{t.col_schedule}</th><th scope="col">{t.col_current}</th><th scope="col">{t.col_best}</th><th scope="col">{t.col_done}</th></tr></thead>
                            <tbody>
                                {s.habits.into_iter().map(|(h, st)| view! {
                                    <tr>
                                        <th scope="row">{h.name}</th>
                                        <td>{h.schedule.describe()}</td>
                                        <td>{st.unit.count(st.current)}</td>
                                        <td>{st.unit.count(st.best)}</td>
                                        <td>{fill(t.done_rate, &[("rate", &((st.completion_rate * 100.0).round() as i64)), ("done", &st.done), ("expected", &st.expected)])}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <div class="chart-grid">
            <section class="card"><BarChart bars=s.focus_by_day title=t.chart_focus_days unit=t.minutes /></section>
            <section class="card"><BarChart bars=s.focus_by_week title=t.chart_focus_weeks unit=t.minutes /></section>
            <section class="card"><BarChart bars=s.focus_by_month title=t.chart_focus_months unit=t.minutes /></section>
            <section class="card">
                {if tag_bars.is_empty() {
                    view! { <h2>{t.focus_by_tag}</h2><p class="muted">{t.focus_by_tag_hint}</p> }.into_any()
                } else {
                    view! { <BarChart bars=tag_bars title=t.chart_focus_tags unit=t.minutes /> }.into_any()
                }}
            </section>
            <section class="card"><BarChart bars=s.tasks_by_week title=t.chart_tasks_weeks unit=t.tasks_count /></section>
        </div>
    }
}
