//! What the compiler cannot check about the catalogue: a key present in both languages
//! but never translated, placeholders that differ, or an empty value.
//!
//! (A key missing from one language does not compile: see the module docs. The test
//! `every_key_exists_in_both_languages` walks both catalogues anyway, so a future
//! catalogue built at run time would be held to the same rule.)

use std::collections::{BTreeMap, BTreeSet};

use super::{DateStyle, EN, Lang, ZH, date_in, fill};

/// Keys whose Chinese text is rightly the same as the English: the brand, and a language's
/// name in itself.
const SAME_IN_BOTH: &[&str] = &["shell.brand", "shell.lang_en"];

/// A plural text: `Plural` serialises as `{"one", "other"}` (English) or `{"other"}`.
fn is_plural(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    map.get("other").is_some_and(serde_json::Value::is_string)
        && map.keys().all(|k| k == "one" || k == "other")
}

/// Every text by its path ("diary.records.one"), and the paths of the plural texts
/// ("diary.records") with the forms each has.
#[derive(Default)]
struct Catalogue {
    texts: BTreeMap<String, String>,
    plurals: BTreeMap<String, BTreeSet<String>>,
}

fn leaves(value: &serde_json::Value, path: &str, out: &mut Catalogue) {
    match value {
        serde_json::Value::Object(map) => {
            if is_plural(map) {
                out.plurals
                    .insert(path.to_owned(), map.keys().cloned().collect());
            }
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(v, &p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{path}.{i}"), out);
            }
        }
        serde_json::Value::String(s) => {
            out.texts.insert(path.to_owned(), s.clone());
        }
        other => {
            out.texts.insert(path.to_owned(), other.to_string());
        }
    }
}

fn catalogue(lang: Lang) -> Catalogue {
    let mut out = Catalogue::default();
    let value = serde_json::to_value(lang.texts()).unwrap();
    leaves(&value, "", &mut out);
    out
}

/// The Chinese text an English one is translated by: the same path, or for an English
/// plural's `one` form, the Chinese plural's only form.
fn chinese_for<'a>(zh: &'a Catalogue, key: &str) -> Option<&'a String> {
    zh.texts.get(key).or_else(|| {
        let plural = key.strip_suffix(".one")?;
        zh.plurals
            .contains_key(plural)
            .then(|| &zh.texts[&format!("{plural}.other")])
    })
}

fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.insert(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

fn has_letters(s: &str) -> bool {
    // Letters outside placeholders.
    let mut depth = 0;
    s.chars().any(|c| {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        depth == 0 && c.is_ascii_alphabetic()
    })
}

fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c))
}

#[test]
fn every_key_exists_in_both_languages() {
    let en = catalogue(Lang::En);
    let zh = catalogue(Lang::ZhHans);
    assert!(
        en.texts.len() > 100,
        "the catalogue has only {} keys",
        en.texts.len()
    );
    // English plurals have a `one` form Chinese does not (see the next test).
    let en_keys: BTreeSet<_> = en
        .texts
        .keys()
        .filter(|k| {
            !k.strip_suffix(".one")
                .is_some_and(|p| en.plurals.contains_key(p))
        })
        .collect();
    let zh_keys: BTreeSet<_> = zh.texts.keys().collect();
    assert_eq!(
        en_keys.symmetric_difference(&zh_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new()
    );
    assert_eq!(
        en.plurals.keys().collect::<Vec<_>>(),
        zh.plurals.keys().collect::<Vec<_>>()
    );
}

#[test]
fn plural_texts_follow_each_languages_rule() {
    // English: `one` (exactly 1) and `other`; Chinese: `other` only (CLDR).
    let en = catalogue(Lang::En);
    let zh = catalogue(Lang::ZhHans);
    assert!(
        en.plurals.len() > 30,
        "only {} plural texts",
        en.plurals.len()
    );
    let both: BTreeSet<String> = ["one".to_owned(), "other".to_owned()].into();
    let other: BTreeSet<String> = ["other".to_owned()].into();
    for (path, forms) in &en.plurals {
        assert_eq!(forms, &both, "English {path}");
    }
    for (path, forms) in &zh.plurals {
        assert_eq!(forms, &other, "Chinese {path}");
    }
    // And the rule picks them: "1 record", "2 records", "0 records"; "1 条记录".
    let (en, zh) = (
        &Lang::En.texts().diary.records,
        &Lang::ZhHans.texts().diary.records,
    );
    assert_eq!(
        [en.count(1), en.count(2), en.count(0)],
        ["1 record", "2 records", "0 records"]
    );
    assert_eq!([zh.count(1), zh.count(2)], ["1 条记录", "2 条记录"]);
}

#[test]
fn every_chinese_text_is_translated_with_the_same_placeholders() {
    let en = catalogue(Lang::En);
    let zh = catalogue(Lang::ZhHans);
    let mut problems = Vec::new();
    for (key, e) in &en.texts {
        let Some(z) = chinese_for(&zh, key) else {
            problems.push(format!("{key}: no Chinese text"));
            continue;
        };
        if e.trim().is_empty() || z.trim().is_empty() {
            problems.push(format!("{key}: empty"));
            continue;
        }
        let one_form = key
            .strip_suffix(".one")
            .is_some_and(|p| en.plurals.contains_key(p));
        // A `one` form may spell its count out ("its recipient").
        let same = if one_form {
            placeholders(e).is_subset(&placeholders(z))
        } else {
            placeholders(e) == placeholders(z)
        };
        if !same {
            problems.push(format!("{key}: placeholders differ: {e:?} / {z:?}"));
        }
        let same_ok = SAME_IN_BOTH.contains(&key.as_str());
        if has_letters(e) && !same_ok && (z == e || !has_cjk(z)) {
            problems.push(format!("{key}: not translated: {z:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_allowlist_names_only_keys_that_are_the_same_in_both() {
    let en = catalogue(Lang::En);
    let zh = catalogue(Lang::ZhHans);
    for key in SAME_IN_BOTH {
        assert!(
            en.texts.contains_key(*key),
            "{key} is listed but does not exist"
        );
        assert_eq!(
            en.texts[*key], zh.texts[*key],
            "{key} is translated: take it off the list"
        );
    }
    // Both catalogues are distinct statics.
    assert!(!std::ptr::eq(&EN, &ZH));
}

#[test]
fn tags_parse_and_accept_language_is_negotiated_by_quality() {
    assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhHans));
    assert_eq!(Lang::parse("zh_Hans"), Some(Lang::ZhHans));
    assert_eq!(Lang::parse("zh"), Some(Lang::ZhHans));
    assert_eq!(Lang::parse("zh-TW"), None);
    assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
    assert_eq!(Lang::parse("fr"), None);
    for l in Lang::ALL {
        assert_eq!(Lang::parse(l.tag()), Some(l));
    }
    assert_eq!(
        Lang::negotiate("zh-CN,zh;q=0.9,en;q=0.8"),
        Some(Lang::ZhHans)
    );
    assert_eq!(Lang::negotiate("fr-FR, en;q=0.5, zh;q=0.4"), Some(Lang::En));
    assert_eq!(
        Lang::negotiate("en;q=0.3, zh-Hans;q=0.7"),
        Some(Lang::ZhHans)
    );
    assert_eq!(Lang::negotiate("zh;q=0, en"), Some(Lang::En));
    assert_eq!(Lang::negotiate("zh-TW, fr"), None);
    assert_eq!(Lang::negotiate(""), None);
}

#[test]
fn dates_follow_each_language() {
    let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    assert_eq!(
        date_in(Lang::En, &d, DateStyle::Full),
        "Tuesday 24 November 2026"
    );
    assert_eq!(date_in(Lang::En, &d, DateStyle::Medium), "Tue 24 Nov 2026");
    assert_eq!(date_in(Lang::En, &d, DateStyle::DayMonth), "24 Nov");
    assert_eq!(date_in(Lang::En, &d, DateStyle::MonthYear), "Nov 26");
    assert_eq!(
        date_in(Lang::ZhHans, &d, DateStyle::Full),
        "2026年11月24日 星期二"
    );
    assert_eq!(
        date_in(Lang::ZhHans, &d, DateStyle::Medium),
        "2026年11月24日 周二"
    );
    assert_eq!(date_in(Lang::ZhHans, &d, DateStyle::Long), "2026年11月24日");
    assert_eq!(date_in(Lang::ZhHans, &d, DateStyle::DayMonth), "11月24日");
}

#[test]
fn placeholders_are_filled_and_unknown_ones_stay_visible() {
    assert_eq!(
        fill("{n} of {total} done", &[("n", &3), ("total", &"5")]),
        "3 of 5 done"
    );
    assert_eq!(fill("hello {who}", &[]), "hello {who}");
    assert_eq!(fill("a { b", &[]), "a { b");
}
