//! `ripen notify-breach`: reads the operator's flags and files, and hands them to
//! `app::privacy::breach`, which does the telling (see there, and docs/operations.md,
//! "Breach notices").

use std::{path::PathBuf, sync::Arc};

use app::privacy::breach::{Affected, BreachReport, Incident, IncidentId};
use chrono::DateTime;

use crate::{config::Config, db};

pub const USAGE: &str = "usage: ripen notify-breach --incident <ID> --contact <ADDRESS>\n       \
     (--accounts <FILE> | --touched-from <RFC3339> --touched-to <RFC3339>)\n       \
     --summary-file <FILE> [--summary-file-zh <FILE>]\n\n  \
     --incident         your reference for the incident (A-Z a-z 0-9 - _ ., at most 64);\n                     \
     a second run with the same reference tells no one twice\n  \
     --contact          where people may write with questions (an email address or a page)\n  \
     --accounts         a file of usernames or email addresses, one a line (# starts a comment)\n  \
     --touched-from/-to everyone with activity in [from, to), e.g. 2026-12-01T08:00:00Z\n  \
     --summary-file     what happened, which data, what you did: plain English text\n                     \
     (a blank line starts a new paragraph)\n  \
     --summary-file-zh  the same in Simplified Chinese (without it, Chinese readers get the\n                     \
     English text, introduced as such)";

/// The command's flags, checked.
#[derive(Debug, Clone)]
pub struct BreachArgs {
    pub incident: IncidentId,
    pub contact: String,
    pub affected: Affected,
    pub summary_en: String,
    pub summary_zh: Option<String>,
}

/// Reads the flags (after `notify-breach`) and the files they name. An error names the
/// flag at fault.
pub fn parse_args(args: &[&str]) -> Result<BreachArgs, String> {
    const FLAGS: [&str; 7] = [
        "--incident",
        "--contact",
        "--accounts",
        "--touched-from",
        "--touched-to",
        "--summary-file",
        "--summary-file-zh",
    ];
    let mut given: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (*flag, None),
        };
        let Some(flag) = FLAGS.iter().find(|f| **f == flag) else {
            return Err(format!("unknown argument {flag:?}"));
        };
        let Some(value) = inline.or_else(|| rest.next().copied()) else {
            return Err(format!("{flag}: a value is missing"));
        };
        if given.insert(flag, value).is_some() {
            return Err(format!("{flag}: given twice"));
        }
    }
    let required = |flag: &str| {
        given
            .get(flag)
            .copied()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("{flag} is required"))
    };
    let incident = IncidentId::parse(required("--incident")?).map_err(|e| {
        format!(
            "--incident: {}",
            e.field_message("incident")
                .unwrap_or("not a valid reference")
        )
    })?;
    let contact = required("--contact")?.trim().to_owned();
    let affected = match (
        given.get("--accounts"),
        given.get("--touched-from"),
        given.get("--touched-to"),
    ) {
        (Some(file), None, None) => {
            let text = read("--accounts", file)?;
            let names: Vec<String> = text
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                return Err(format!("--accounts: {file} names no account"));
            }
            Affected::Accounts(names)
        }
        (None, Some(from), Some(to)) => {
            let from_ms = instant("--touched-from", from)?;
            let to_ms = instant("--touched-to", to)?;
            if to_ms <= from_ms {
                return Err("--touched-to: must be later than --touched-from".into());
            }
            Affected::TouchedBetween { from_ms, to_ms }
        }
        (None, None, None) => {
            return Err(
                "say who was affected: --accounts, or --touched-from and --touched-to".into(),
            );
        }
        (Some(_), _, _) => {
            return Err("--accounts: give either a list or a time window, not both".into());
        }
        (None, Some(_), None) => return Err("--touched-to is required with --touched-from".into()),
        (None, None, Some(_)) => return Err("--touched-from is required with --touched-to".into()),
    };
    let summary_en = summary("--summary-file", required("--summary-file")?)?;
    let summary_zh = given
        .get("--summary-file-zh")
        .map(|file| summary("--summary-file-zh", file))
        .transpose()?;
    Ok(BreachArgs {
        incident,
        contact,
        affected,
        summary_en,
        summary_zh,
    })
}

fn read(flag: &str, file: &str) -> Result<String, String> {
    std::fs::read_to_string(PathBuf::from(file))
        .map_err(|e| format!("{flag}: cannot read {file}: {e}"))
}

/// A summary file's text: line ends made `\n`, not empty.
fn summary(flag: &str, file: &str) -> Result<String, String> {
    let text = read(flag, file)?.replace("\r\n", "\n").trim().to_owned();
    if text.is_empty() {
        return Err(format!("{flag}: {file} is empty"));
    }
    Ok(text)
}

fn instant(flag: &str, value: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            format!("{flag}: {value:?} is not an RFC 3339 time (e.g. 2026-12-01T08:00:00Z)")
        })
}

/// Tells everyone `args` names, with the server's configuration (database, mail, keys).
pub async fn notify_breach(config: &Config, args: BreachArgs) -> anyhow::Result<BreachReport> {
    let db = db::connect_and_migrate(config).await?;
    let mailer = crate::mailer(config)?;
    let keys = app::system::keys::load(&db, &config.keys_file()).await?;
    let keys = Arc::new(app::seal::Keyring::new(&keys, Some(config.keys_file()))?);
    let incident = Incident {
        id: args.incident,
        summary_en: args.summary_en,
        summary_zh: args.summary_zh,
        contact: args.contact,
        site_url: config.site_origin().to_string(),
    };
    let report =
        app::privacy::breach::notify_breach(&db, &mailer, &keys, &incident, &args.affected)
            .await
            .map_err(|e| anyhow::anyhow!("the notices could not all be recorded: {e}"))?;
    db.close().await.ok();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn mistakes_name_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let list = file(
            &dir,
            "list",
            "ada\n# a comment\n\nbo@example.com # trailing\n",
        );
        let summary = file(&dir, "en", "A backup was exposed.\r\n");
        let empty = file(&dir, "empty", "  \n");
        let ok = [
            "--incident",
            "INC-1",
            "--contact",
            "privacy@example.com",
            "--accounts",
            &list,
            "--summary-file",
            &summary,
        ];
        let args = parse_args(&ok).unwrap();
        assert_eq!(args.incident.as_str(), "INC-1");
        assert_eq!(args.summary_en, "A backup was exposed.");
        match args.affected {
            Affected::Accounts(names) => assert_eq!(names, ["ada", "bo@example.com"]),
            other => panic!("{other:?}"),
        }
        let window = parse_args(&[
            "--incident=INC-2",
            "--contact=x",
            "--touched-from",
            "2026-12-01T08:00:00Z",
            "--touched-to",
            "2026-12-01T10:00:00+02:00",
            "--summary-file",
            &summary,
        ]);
        assert!(window.is_err(), "to is not after from: {window:?}");
        for (args, flag) in [
            (
                vec![
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                ],
                "--incident",
            ),
            (
                vec![
                    "--incident",
                    "a b",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                ],
                "--incident",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                ],
                "--contact",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    "/nonexistent/list",
                    "--summary-file",
                    &summary,
                ],
                "--accounts",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    &empty,
                    "--summary-file",
                    &summary,
                ],
                "--accounts",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &empty,
                ],
                "--summary-file",
            ),
            (
                vec!["--incident", "I", "--contact", "x", "--accounts", &list],
                "--summary-file",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--touched-from",
                    "yesterday",
                    "--touched-to",
                    "2026-12-01T08:00:00Z",
                    "--summary-file",
                    &summary,
                ],
                "--touched-from",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--touched-from",
                    "2026-12-01T08:00:00Z",
                    "--summary-file",
                    &summary,
                ],
                "--touched-to",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--touched-from",
                    "2026-12-01T08:00:00Z",
                    "--summary-file",
                    &summary,
                ],
                "--accounts",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--incident",
                    "J",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                ],
                "--incident",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                    "--summary-file-zh",
                    &empty,
                ],
                "--summary-file-zh",
            ),
            (
                vec![
                    "--incident",
                    "I",
                    "--contact",
                    "x",
                    "--accounts",
                    &list,
                    "--summary-file",
                    &summary,
                    "--bogus",
                    "1",
                ],
                "--bogus",
            ),
        ] {
            let e = parse_args(&args).unwrap_err();
            assert!(e.contains(flag), "{e:?} should name {flag}");
        }
    }
}
