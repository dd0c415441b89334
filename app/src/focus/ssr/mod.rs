//! Server side of the focus timer: persistence, ownership checks, and the per-user event hub.
//! One file per job; they share this module's imports (`use super::*`).

mod fanout;
mod hub;
mod rollup;
mod sessions;
mod tags;
mod tasks;
mod timer;
pub use fanout::FanOut;
pub use hub::*;
pub use rollup::*;
pub use sessions::*;
pub use tags::*;
pub use tasks::*;
pub use timer::*;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait, sea_query::Expr,
};
use tokio::sync::broadcast;
use uuid::Uuid;

pub use super::entities::focus_timer::RunState;
pub use super::entities::{
    focus_day, focus_session, focus_session_tag, focus_tag_day, focus_timer, tag, task,
};
use super::{
    FocusSettings, NOTE_MAX_CHARS, SOUNDS, SessionView, SettingsForm, TagView, TaskView,
    TimerSnapshot,
    engine::{Command, FocusEnded, Phase, Run, TimerState},
};
use crate::{
    AppError, FieldError,
    clock::now_ms,
    request::{parse_id, ticked},
};
