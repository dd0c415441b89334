//! The history: focus sessions, check-ins and entries, filtered and merged newest first.

use super::*;

pub(super) const HISTORY_LIMIT: usize = 200;
/// How much of an entry's text the history lists (the whole text is there to edit).
const ENTRY_EXCERPT_CHARS: usize = 240;
/// The history's filters, checked.
#[derive(Debug, Default)]
pub struct HistoryFilter {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    tag: Option<String>,
    habit: Option<String>,
    text: Option<String>,
    kind: Option<String>,
}
impl HistoryFilter {
    pub fn parse(
        from: Option<String>,
        to: Option<String>,
        tag: Option<String>,
        habit: Option<String>,
        q: Option<String>,
        kind: Option<String>,
    ) -> Result<Self, AppError> {
        let t = &crate::i18n::t().diary;
        let date = |raw: Option<String>, field: &str| -> Result<Option<NaiveDate>, AppError> {
            match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| AppError::validation(field, t.err_date_format)),
            }
        };
        let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let f = Self {
            from: date(from, "from")?,
            to: date(to, "to")?,
            tag: nonempty(tag),
            habit: nonempty(habit),
            text: nonempty(q).map(|t| t.chars().take(100).collect()),
            kind: nonempty(kind),
        };
        if let (Some(a), Some(b)) = (f.from, f.to)
            && a > b
        {
            return Err(AppError::validation("to", t.err_date_range));
        }
        if let Some(k) = &f.kind
            && !matches!(k.as_str(), "focus" | "checkin" | "entry")
        {
            return Err(AppError::validation("kind", t.err_kind_filter));
        }
        Ok(f)
    }

    fn wants(&self, kind: &str) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind)
    }

    fn pattern(&self) -> Option<LikeExpr> {
        self.text.as_ref().map(|t| {
            let escaped: String = t
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            LikeExpr::new(format!("%{escaped}%")).escape('\\')
        })
    }

    /// The caller's records of one kind that pass the filters every kind shares: the day
    /// range, the tag (through the kind's link table) and the text (in `shape.text`).
    async fn select<E: EntityTrait, L: EntityTrait>(
        &self,
        db: &DatabaseConnection,
        user: Uuid,
        tag: Option<Uuid>,
        shape: Shape<E, L>,
    ) -> Result<Select<E>, AppError> {
        let mut q = E::find().filter(shape.user.eq(user));
        if let Some(d) = self.from {
            q = q.filter(shape.day.gte(d));
        }
        if let Some(d) = self.to {
            q = q.filter(shape.day.lte(d));
        }
        if let Some(t) = tag {
            let ids: Vec<Uuid> = L::find()
                .select_only()
                .column(shape.link_record)
                .filter(shape.link_tag.eq(t))
                .into_tuple()
                .all(db)
                .await?;
            q = q.filter(shape.id.is_in(ids));
        }
        if let Some(p) = self.pattern() {
            q = q.filter(Expr::expr(Func::lower(Expr::col(shape.text))).like(p));
        }
        Ok(q)
    }
}

/// Where one kind of record keeps what the history filters on: its table's owner, day, id
/// and searchable text columns, and its tag link table's record and tag columns.
struct Shape<E: EntityTrait, L: EntityTrait> {
    user: E::Column,
    day: E::Column,
    id: E::Column,
    text: E::Column,
    link_record: L::Column,
    link_tag: L::Column,
}
pub async fn history(
    db: &DatabaseConnection,
    user: Uuid,
    f: HistoryFilter,
) -> Result<Vec<HistoryItem>, AppError> {
    let tag = match &f.tag {
        Some(raw) => Some(own_tag(db, user, raw).await?.id),
        None => None,
    };
    let habit = match &f.habit {
        Some(raw) => Some(own_habit(db, user, raw).await?),
        None => None,
    };
    let limit = HISTORY_LIMIT as u64;
    let mut out: Vec<HistoryItem> = Vec::new();

    if f.wants("focus") && habit.is_none() {
        use focus_session::Column as C;
        use focus_session_tag::Column as L;
        let shape = Shape::<focus_session::Entity, focus_session_tag::Entity> {
            user: C::UserId,
            day: C::Day,
            id: C::Id,
            text: C::Note,
            link_record: L::SessionId,
            link_tag: L::TagId,
        };
        let rows = f
            .select(db, user, tag, shape)
            .await?
            .order_by_desc(focus_session::Column::StartedAt)
            .limit(limit)
            .all(db)
            .await?;
        let views = crate::focus::ssr::session_views(db, user, rows.clone()).await?;
        for (s, v) in rows.into_iter().zip(views) {
            out.push(HistoryItem {
                id: s.id,
                kind: "focus".into(),
                day: s.day,
                title: v
                    .task_title
                    .unwrap_or_else(|| crate::i18n::t().diary.focus_session.to_owned()),
                excerpt: v.note.clone(),
                note: v.note,
                minutes: Some((v.focused_seconds + 30) / 60),
                counts: crate::focus::focus_counts(v.focused_seconds),
                tags: v.tags,
            });
        }
    }

    if f.wants("checkin") {
        use checkin::Column as C;
        use checkin_tag::Column as L;
        let shape = Shape::<checkin::Entity, checkin_tag::Entity> {
            user: C::UserId,
            day: C::Day,
            id: C::Id,
            text: C::Note,
            link_record: L::CheckinId,
            link_tag: L::TagId,
        };
        let mut q = f.select(db, user, tag, shape).await?;
        if let Some(h) = &habit {
            q = q.filter(C::HabitId.eq(h.id));
        }
        let rows = q
            .order_by_desc(checkin::Column::Day)
            .limit(limit)
            .all(db)
            .await?;
        let names: HashMap<Uuid, String> = habits_of(db, user)
            .await?
            .into_iter()
            .map(|h| (h.id, h.name))
            .collect();
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let mut tags = tags_of(db, user, LinkKind::Checkin, &ids).await?;
        for c in rows {
            out.push(HistoryItem {
                id: c.id,
                kind: "checkin".into(),
                day: c.day,
                title: names.get(&c.habit_id).cloned().unwrap_or_default(),
                excerpt: c.note.clone(),
                note: c.note,
                minutes: None,
                counts: true,
                tags: tags.remove(&c.id).unwrap_or_default(),
            });
        }
    }

    if f.wants("entry") && habit.is_none() {
        use diary_entry::Column as C;
        use diary_entry_tag::Column as L;
        let shape = Shape::<diary_entry::Entity, diary_entry_tag::Entity> {
            user: C::UserId,
            day: C::Day,
            id: C::Id,
            text: C::Body,
            link_record: L::EntryId,
            link_tag: L::TagId,
        };
        let rows = f
            .select(db, user, tag, shape)
            .await?
            .order_by_desc(diary_entry::Column::Day)
            .limit(limit)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
        let mut tags = tags_of(db, user, LinkKind::Entry, &ids).await?;
        for e in rows {
            out.push(HistoryItem {
                id: e.id,
                kind: "entry".into(),
                day: e.day,
                title: e.mood.map_or_else(
                    || crate::i18n::t().diary.title.to_owned(),
                    |m| {
                        fill(
                            crate::i18n::t().diary.entry_with_mood,
                            &[("mood", &mood_label(m))],
                        )
                    },
                ),
                excerpt: Some(crate::markdown::excerpt(&e.body, ENTRY_EXCERPT_CHARS)),
                note: Some(e.body),
                minutes: None,
                counts: true,
                tags: tags.remove(&e.id).unwrap_or_default(),
            });
        }
    }

    out.sort_by(|a, b| b.day.cmp(&a.day).then(a.kind.cmp(&b.kind)));
    out.truncate(HISTORY_LIMIT);
    Ok(out)
}
