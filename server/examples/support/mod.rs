//! What the live-sync examples share: percentiles, and a device holding an event stream.

use std::time::Duration;

use tokio::sync::mpsc;

pub fn pct(sorted: &[Duration], p: f64) -> String {
    let d = sorted[((sorted.len() as f64 - 1.0) * p).round() as usize];
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Opens one event stream and forwards the `version` of every timer event.
pub async fn device(
    client: reqwest::Client,
    url: String,
    cookie: String,
    tx: mpsc::UnboundedSender<(usize, i64)>,
    n: usize,
) {
    let mut res = client
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                let _ = tx.send((n, v["version"].as_i64().unwrap()));
            }
        }
    }
}
