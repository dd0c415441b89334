//! The day as this browser keeps it while offline: check-ins noted here, sent later.

use super::*;

/// Check-ins made on this page without a network: kept in the outbox, shown as checked,
/// sent when the connection returns (see `crate::offline`).
#[derive(Clone, Copy)]
pub(super) struct OfflineDay {
    pub(super) viewer: StoredValue<String>,
    /// (habit, record) of this day's check-ins waiting in the outbox.
    pub(super) queued: RwSignal<Vec<(Uuid, Uuid)>>,
    /// What the last upload said.
    pub(super) report: RwSignal<Vec<String>>,
}
impl OfflineDay {
    /// Reads this day's waiting check-ins, and sends the outbox now (if the network is
    /// there) and whenever the connection returns.
    pub(super) fn start(
        viewer: String,
        day: NaiveDate,
        refresh: impl Fn() + Copy + Send + Sync + 'static,
    ) -> Self {
        let this = Self {
            viewer: StoredValue::new(viewer),
            queued: RwSignal::new(Vec::new()),
            report: RwSignal::new(Vec::new()),
        };
        let send = move || {
            let viewer = this.viewer.get_value();
            spawn_local(async move {
                if let Ok(sent) = send_outbox(&viewer, None).await
                    && !sent.records.is_empty()
                {
                    this.queued.set(Vec::new());
                    this.report.set(sent.report());
                    refresh();
                }
            });
        };
        Effect::new(move |_| {
            let viewer = this.viewer.get_value();
            spawn_local(async move {
                let saved = outbox::load(&viewer).await;
                this.queued.set(
                    saved
                        .records
                        .iter()
                        .filter_map(|r| match r {
                            OfflineRecord::Checkin {
                                id,
                                habit_id,
                                day: d,
                            } if *d == day => Some((*habit_id, *id)),
                            _ => None,
                        })
                        .collect(),
                );
                if online() && (!saved.records.is_empty() || saved.timer.is_some()) {
                    send();
                }
            });
            let back = window_event_listener(leptos::ev::online, move |_| send());
            on_cleanup(move || back.remove());
        });
        this
    }

    pub(super) fn waiting(&self, habit: Uuid) -> Option<Uuid> {
        self.queued
            .with(|q| q.iter().find(|(h, _)| *h == habit).map(|(_, r)| *r))
    }

    /// Checks a habit in here, to be sent later.
    pub(super) async fn check_in(&self, habit_id: Uuid, day: NaiveDate) -> Result<(), String> {
        let record = OfflineRecord::Checkin {
            id: Uuid::new_v4(),
            habit_id,
            day,
        };
        outbox::put(
            &self.viewer.get_value(),
            None,
            std::slice::from_ref(&record),
        )
        .await?;
        self.queued.update(|q| q.push((habit_id, record.id())));
        Ok(())
    }

    /// Takes back a check-in that has not been sent yet.
    pub(super) async fn undo(&self, habit: Uuid, record: Uuid) -> Result<(), String> {
        outbox::settle(&self.viewer.get_value(), false, &[record]).await?;
        self.queued.update(|q| q.retain(|(h, _)| *h != habit));
        Ok(())
    }
}
/// "Checked in on this device" and what the last upload of the outbox said.
#[component]
pub(super) fn OfflineNotes(offline: OfflineDay) -> impl IntoView {
    let t = &crate::i18n::t().offline;
    view! {
        <div role="status" aria-live="polite" data-testid="offline-status">
            <Show when=move || offline.queued.with(|q| !q.is_empty())>
                <p class="notice">{t.checked_in_offline}</p>
            </Show>
            <SyncNotice report=offline.report />
        </div>
    }
}
