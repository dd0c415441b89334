//! Browser-only pieces of the timer: the live event stream (with reconnect and backoff),
//! end sounds synthesised with Web Audio (no files to fetch), and notifications. On the
//! server these compile to nothing.

use super::TimerSnapshot;

/// Opens `/api/focus/events` and calls `on_snapshot` for every timer event. On error the
/// stream is closed and reopened after 1 s, 2 s, 4 s … (at most 30 s); the first event
/// after each (re)connect is the full current state, so the page resyncs by itself.
/// Returns a function that closes the stream for good.
#[cfg(feature = "hydrate")]
pub fn live_updates(on_snapshot: impl Fn(TimerSnapshot) + 'static) -> impl FnOnce() {
    use std::{cell::RefCell, rc::Rc};
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{EventSource, MessageEvent};

    struct Live {
        source: Option<EventSource>,
        delay_ms: i32,
        closed: bool,
        on_snapshot: Box<dyn Fn(TimerSnapshot)>,
    }

    fn connect(live: Rc<RefCell<Live>>) {
        if live.borrow().closed {
            return;
        }
        let Ok(source) = EventSource::new("/api/focus/events") else {
            return;
        };
        let on_timer = {
            let live = live.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Some(text) = e.data().as_string()
                    && let Ok(snap) = serde_json::from_str::<TimerSnapshot>(&text)
                {
                    let l = live.borrow();
                    (l.on_snapshot)(snap);
                }
                live.borrow_mut().delay_ms = 1_000;
            })
        };
        let _ = source.add_event_listener_with_callback("timer", on_timer.as_ref().unchecked_ref());
        on_timer.forget();
        let on_error = {
            let live = live.clone();
            Closure::<dyn FnMut()>::new(move || {
                let delay = {
                    let mut l = live.borrow_mut();
                    if let Some(s) = l.source.take() {
                        s.close();
                    }
                    let d = l.delay_ms;
                    l.delay_ms = (d * 2).min(30_000);
                    d
                };
                let again = live.clone();
                let retry = Closure::once_into_js(move || connect(again));
                if let Some(w) = web_sys::window() {
                    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        retry.unchecked_ref(),
                        delay,
                    );
                }
            })
        };
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        live.borrow_mut().source = Some(source);
    }

    let live = Rc::new(RefCell::new(Live {
        source: None,
        delay_ms: 1_000,
        closed: false,
        on_snapshot: Box::new(on_snapshot),
    }));
    connect(live.clone());
    move || {
        let mut l = live.borrow_mut();
        l.closed = true;
        if let Some(s) = l.source.take() {
            s.close();
        }
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn live_updates(_on_snapshot: impl Fn(TimerSnapshot) + 'static) -> impl FnOnce() {
    || {}
}

/// Plays one of the built-in end sounds at `volume` (0–100).
#[cfg(feature = "hydrate")]
pub fn play_sound(sound: &str, volume: i64) {
    use web_sys::{AudioContext, OscillatorType};
    if sound == "none" || volume <= 0 {
        return;
    }
    let Ok(ctx) = AudioContext::new() else { return };
    let gain_level = (volume as f32 / 100.0) * 0.4;
    // (frequency Hz, start s, length s, wave)
    let notes: &[(f32, f64, f64, OscillatorType)] = match sound {
        "wood" => &[
            (880.0, 0.0, 0.08, OscillatorType::Triangle),
            (660.0, 0.15, 0.08, OscillatorType::Triangle),
        ],
        "digital" => &[
            (1320.0, 0.0, 0.1, OscillatorType::Square),
            (1320.0, 0.2, 0.1, OscillatorType::Square),
            (1320.0, 0.4, 0.1, OscillatorType::Square),
        ],
        _ => &[
            (660.0, 0.0, 1.2, OscillatorType::Sine),
            (990.0, 0.0, 1.2, OscillatorType::Sine),
        ],
    };
    let t0 = ctx.current_time();
    for &(freq, start, len, wave) in notes {
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
            return;
        };
        osc.set_type(wave);
        osc.frequency().set_value(freq);
        let g = gain.gain();
        let _ = g.set_value_at_time(gain_level, t0 + start);
        let _ = g.exponential_ramp_to_value_at_time(0.001, t0 + start + len);
        let _ = osc.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&ctx.destination());
        let _ = osc.start_with_when(t0 + start);
        let _ = osc.stop_with_when(t0 + start + len + 0.05);
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn play_sound(_sound: &str, _volume: i64) {}

/// Asks for notification permission; call only from a user gesture (a click).
#[cfg(feature = "hydrate")]
pub fn request_notification_permission() {
    let _ = web_sys::Notification::request_permission();
}

#[cfg(not(feature = "hydrate"))]
pub fn request_notification_permission() {}

/// Shows a notification if the user allowed them.
#[cfg(feature = "hydrate")]
pub fn notify(title: &str, body: &str) {
    use web_sys::{Notification, NotificationOptions, NotificationPermission};
    if Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let opts = NotificationOptions::new();
    opts.set_body(body);
    opts.set_tag("ripen-timer");
    let _ = Notification::new_with_options(title, &opts);
}

#[cfg(not(feature = "hydrate"))]
pub fn notify(_title: &str, _body: &str) {}
