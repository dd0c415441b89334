//! The privacy conformance table (`docs/privacy.md`) cites, for every promise, the tests
//! that prove it. This checks that each cited test exists, so the table cannot drift from
//! the code (the suite itself proves they pass).
//!
//! Citations, as written in the table's last column (in backticks):
//! - `it::<module>::<test>`: an integration test in `server/tests/it/<module>.rs`; a trailing
//!   `…` abbreviates the name, `*` means every test of the file; a following `…<part>`
//!   names another test of the same file;
//! - `<module path>::tests::<test>` (or `*`): a unit test in that module of `app` or
//!   `server` (`ripen_server` is the server crate's root);
//! - `<name>.spec.ts`: a Playwright file; a phrase with spaces: a Playwright test title;
//! - `scripts/<name>`: a check script that `scripts/test` runs.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source files that hold the module `a::b::c` in `app` or `server`.
fn module_files(module: &str) -> Vec<PathBuf> {
    if module == "ripen_server" {
        return vec![root().join("server/src/lib.rs")];
    }
    let suffix = module.replace("::", "/");
    let mut files = Vec::new();
    rust_files(&root().join("app/src"), &mut files);
    rust_files(&root().join("server/src"), &mut files);
    files
        .into_iter()
        .filter(|f| {
            let p = f.to_string_lossy().replace('\\', "/");
            let stem = p
                .strip_suffix("/mod.rs")
                .or_else(|| p.strip_suffix(".rs"))
                .unwrap_or(&p)
                .to_owned();
            stem.ends_with(&format!("/{suffix}"))
        })
        .collect()
}

/// Whether `source` declares a test function named `name` (a prefix when `abbreviated`).
fn declares(source: &str, name: &str, abbreviated: bool) -> bool {
    if name == "*" {
        return source.contains("#[test]") || source.contains("#[tokio::test]");
    }
    source.lines().any(|line| {
        let Some(rest) = line
            .trim_start()
            .strip_prefix("async fn ")
            .or_else(|| line.trim_start().strip_prefix("fn "))
        else {
            return false;
        };
        let declared = rest.split(['(', '<']).next().unwrap_or_default().trim();
        if abbreviated {
            declared.contains(name)
        } else {
            declared == name
        }
    })
}

#[test]
fn every_row_of_the_privacy_conformance_table_cites_tests_that_exist() {
    let table = read(&root().join("docs/privacy.md"));
    let specs = root().join("end2end/tests");
    let all_specs: String = std::fs::read_dir(&specs)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| read(&e.path()))
        .collect();
    let mut problems = Vec::new();
    let mut rows = 0;
    for line in table.lines().filter(|l| l.starts_with("| ")).skip(1) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (promise, proof) = (cells[1], cells[3]);
        rows += 1;
        let mut cited = 0;
        let mut module: Option<String> = None;
        for token in proof.split('`').skip(1).step_by(2) {
            let abbreviated = token.contains('…');
            let bare = token.trim_matches('…');
            if let Some(rest) = bare.strip_prefix("it::") {
                cited += 1;
                let (m, name) = rest.split_once("::").unwrap_or((rest, "*"));
                // A test in a submodule (`it::hardening::status::…`) is found by its name.
                let name = name.rsplit("::").next().unwrap_or(name);
                module = Some(m.to_owned());
                let source = read(&root().join(format!("server/tests/it/{m}.rs")));
                if !declares(&source, name, abbreviated) {
                    problems.push(format!("{promise}: no integration test {token}"));
                }
            } else if token.starts_with('…') {
                cited += 1;
                let source = module
                    .as_ref()
                    .map(|m| read(&root().join(format!("server/tests/it/{m}.rs"))))
                    .unwrap_or_default();
                if !declares(&source, bare, true) {
                    problems.push(format!(
                        "{promise}: no integration test {token} in it::{module:?}"
                    ));
                }
            } else if let Some((path, name)) = bare.split_once("::tests::") {
                cited += 1;
                let found = module_files(path).iter().any(|f| {
                    let source = read(f);
                    source.contains("mod tests") && declares(&source, name, abbreviated)
                });
                if !found {
                    problems.push(format!("{promise}: no unit test {token}"));
                }
            } else if let Some(script) = bare.strip_prefix("scripts/") {
                cited += 1;
                let runner = read(&root().join("scripts/test"));
                if !root().join(bare).is_file() || !runner.contains(&format!("scripts/{script}")) {
                    problems.push(format!(
                        "{promise}: no script {token} that scripts/test runs"
                    ));
                }
            } else if bare.ends_with(".spec.ts") {
                cited += 1;
                if !specs.join(bare).is_file() {
                    problems.push(format!("{promise}: no browser test file {token}"));
                }
            } else if bare.contains(' ') {
                cited += 1;
                if !all_specs.contains(bare) {
                    problems.push(format!("{promise}: no browser test titled {token}"));
                }
            }
        }
        // "same test" refers to the row above.
        if cited == 0 && !proof.starts_with("same") {
            problems.push(format!("{promise}: cites no test ({proof})"));
        }
    }
    assert!(rows >= 30, "the table was not found or lost rows: {rows}");
    assert!(problems.is_empty(), "{problems:#?}");
}
