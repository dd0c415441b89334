//! Writing the archive: the ZIP, its tables as JSON and CSV, and its time format.

use std::io::Write;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;
use zip::{
    CompressionMethod, ZipWriter,
    write::{SimpleFileOptions, StreamWriter},
};

use crate::{AppError, letters::storage::Spool};

/// A row of an exported table, as `export_row!` declares it.
pub(super) trait Row: serde::Serialize {
    /// The field names, in declaration order: the CSV's header.
    const COLUMNS: &'static [&'static str];
}

/// An exported table's row: a struct whose field names are the CSV columns, in order.
macro_rules! export_row {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(serde::Serialize)]
        pub(super) struct $name { $($(#[$fm])* pub(super) $field: $ty),* }
        impl $crate::privacy::export::archive::Row for $name {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
        }
    };
}
pub(super) use export_row;

/// An instant (ms since the epoch) as RFC 3339 UTC, the archive's one time format.
pub(super) fn at(ms: i64) -> Value {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

pub(super) fn at_opt(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, at)
}

pub(super) fn stamp(t: DateTime<FixedOffset>) -> Value {
    at(t.timestamp_millis())
}

pub(super) fn stamp_opt(t: Option<DateTime<FixedOffset>>) -> Value {
    t.map_or(Value::Null, stamp)
}

/// A ZIP being written to a spool of the blob store (a piece at a time, never whole in
/// memory), in the streaming form: sizes and checksums follow each file.
pub(super) struct Archive {
    zip: ZipWriter<StreamWriter<Counted>>,
}

/// The spool, counting the bytes of the archive.
struct Counted {
    spool: Box<dyn Spool>,
    bytes: u64,
}

impl Write for Counted {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.spool.write(data)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.spool.flush()
    }
}

impl Archive {
    pub(super) fn new(spool: Box<dyn Spool>) -> Self {
        Self {
            zip: ZipWriter::new_stream(Counted { spool, bytes: 0 }),
        }
    }

    pub(super) fn file(
        &mut self,
        name: &str,
        bytes: &[u8],
        compress: bool,
    ) -> Result<(), AppError> {
        let method = if compress {
            CompressionMethod::Deflated
        } else {
            // Pictures are compressed already.
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .unix_permissions(0o644);
        self.zip
            .start_file(name, options)
            .and_then(|()| self.zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| AppError::internal_while("writing the archive", e))
    }

    pub(super) fn json<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), AppError> {
        let text = serde_json::to_vec_pretty(value).map_err(|e| {
            AppError::internal_while("encoding a file of the archive", format!("{name}: {e}"))
        })?;
        self.file(name, &text, true)
    }

    /// A list as `<stem>.json` and `<stem>.csv` (the CSV has `R::COLUMNS`, in that order).
    pub(super) fn table<R: Row>(&mut self, stem: &str, rows: &[R]) -> Result<(), AppError> {
        self.json(&format!("{stem}.json"), rows)?;
        self.csv_file(&format!("{stem}.csv"), rows)
    }

    /// A list as the CSV file `name` alone (its columns are `R::COLUMNS`, in that order).
    pub(super) fn csv_file<R: Row>(&mut self, name: &str, rows: &[R]) -> Result<(), AppError> {
        let rows = rows
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|e| {
                AppError::internal_while("encoding a file of the archive", format!("{name}: {e}"))
            })?;
        self.file(name, csv(R::COLUMNS, &rows).as_bytes(), true)
    }

    /// Ends the archive: answers the spool to commit, and the archive's size in bytes.
    pub(super) fn finish(self) -> Result<(Box<dyn Spool>, u64), AppError> {
        let counted = self
            .zip
            .finish()
            .map_err(|e| AppError::internal_while("closing the archive", e))?
            .into_inner();
        Ok((counted.spool, counted.bytes))
    }
}

/// One CSV cell: lists joined with "; ", text quoted when it must be, and a leading
/// `=`, `+`, `-`, `@`, tab or carriage return defused with an apostrophe so no spreadsheet
/// runs it as a formula (spreadsheets skip a leading tab or CR and read what follows).
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => return other.to_string(),
    };
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A CSV document (RFC 4180, CRLF line ends) of `rows`' `columns`.
fn csv(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = columns.iter().map(|c| cell(row.get(*c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        let rows = vec![
            json!({ "a": "plain", "b": "with, comma", "c": null }),
            json!({ "a": "say \"hi\"\nthere", "b": ["x", "y"], "c": 3 }),
            json!({ "a": "=HYPERLINK(\"http://evil\")", "b": "-1", "c": true }),
        ];
        let text = csv(&["a", "b", "c"], &rows);
        assert_eq!(
            text,
            "a,b,c\r\n\
             plain,\"with, comma\",\r\n\
             \"say \"\"hi\"\"\nthere\",x; y,3\r\n\
             \"'=HYPERLINK(\"\"http://evil\"\")\",'-1,true\r\n"
        );
    }

    #[test]
    fn a_leading_tab_or_carriage_return_is_defused_too() {
        // Spreadsheets skip a leading tab or CR and then read `=…` as a formula (OWASP
        // "CSV injection").
        assert_eq!(cell(Some(&json!("\t=1+1"))), "'\t=1+1");
        assert_eq!(cell(Some(&json!("\r=1+1"))), "\"'\r=1+1\"");
        assert_eq!(cell(Some(&json!(["\tx", "y"]))), "'\tx; y");
        assert_eq!(cell(Some(&json!("a\tb"))), "a\tb");
    }
}
