//! The code's shape, checked: no source file of the agent or the
//! collector imports a file that imports it, directly or around a circle,
//! and no source file of the workspace (tests included, generated code
//! aside) is over 800 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// The crates checked, by their source directory.
const CRATES: &[&str] = &["agent/src", "collector/src"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src` (`store/nodes.rs` is
/// `["store", "nodes"]`, `store/mod.rs` is `["store"]`); `None` for
/// binaries' roots, which nothing imports.
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") || parts == ["main"] {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    Some(parts)
}

/// Whether a file is test code (a `tests` module or below one).
fn is_test(module: &[String]) -> bool {
    module.iter().any(|p| p == "tests")
}

/// The source of a file without its `#[cfg(test)]` module (the last
/// item of a file, by this codebase's convention).
fn non_test_source(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// A file's code without its comments (doc links are not imports).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a file refers to through `crate::` and `super::` paths.
fn references(module: &[String], text: &str) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let code = code_of(non_test_source(text));
    let text = code.as_str();
    for (at, _) in text
        .match_indices("crate::")
        .chain(text.match_indices("super::"))
    {
        // A path continues with identifiers and `::`.
        let path: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        let mut base: Vec<String> = Vec::new();
        if parts.first() == Some(&"crate") {
            parts.remove(0);
        } else {
            base = module.to_vec();
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
        }
        base.extend(parts.iter().map(|p| p.to_string()));
        out.insert(base);
    }
    out
}

#[test]
fn no_file_imports_a_file_that_imports_it_and_none_is_too_long() {
    let root = workspace();
    let mut long = Vec::new();
    let mut cycles = Vec::new();
    for krate in CRATES {
        let src = root.join(krate);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut modules: BTreeMap<Vec<String>, PathBuf> = BTreeMap::new();
        for f in &files {
            if f.components().any(|c| c.as_os_str() == "generated") {
                continue;
            }
            let module = module_of(&src, f);
            if module.as_deref().is_some_and(is_test) {
                continue;
            }
            if let Some(m) = module {
                modules.insert(m, f.clone());
            }
        }
        // Edges between files: a reference resolves to the longest
        // module path that is a file.
        let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
        for (m, f) in &modules {
            let text = std::fs::read_to_string(f).unwrap();
            for r in references(m, &text) {
                let target = (0..=r.len())
                    .rev()
                    .map(|n| r[..n].to_vec())
                    .find(|p| modules.contains_key(p));
                if let Some(t) = target {
                    if t != *m && !t.is_empty() {
                        edges.entry(m.clone()).or_default().insert(t);
                    }
                }
            }
        }
        // A file reaching itself through the edges is in a cycle.
        for start in modules.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<(Vec<String>, Vec<Vec<String>>)> =
                vec![(start.clone(), vec![start.clone()])];
            while let Some((at, path)) = stack.pop() {
                for next in edges.get(&at).into_iter().flatten() {
                    if next == start {
                        let names: Vec<String> = path
                            .iter()
                            .chain([start])
                            .map(|p| format!("{krate}:{}", p.join("::")))
                            .collect();
                        cycles.push(names.join(" -> "));
                    } else if seen.insert(next.clone()) {
                        let mut p = path.clone();
                        p.push(next.clone());
                        stack.push((next.clone(), p));
                    }
                }
            }
        }
    }
    let mut all = Vec::new();
    for dir in ["agent", "collector", "proto", "tests"] {
        rust_files(&root.join(dir), &mut all);
    }
    for f in all {
        if f.components()
            .any(|c| c.as_os_str() == "generated" || c.as_os_str() == "target")
        {
            continue;
        }
        let lines = std::fs::read_to_string(&f).unwrap().lines().count();
        if lines > MAX_LINES {
            long.push(format!("{} ({lines} lines)", f.display()));
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
    cycles.sort();
    cycles.dedup();
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

/// The read-only surfaces read through `reads::Reads`, never the store:
/// the REST API, the dashboard, the gRPC query service and `/metrics`.
#[test]
fn read_only_surfaces_read_through_the_facade() {
    let src = workspace().join("collector/src");
    let mut reached = Vec::new();
    for file in ["api.rs", "web.rs", "grpc/query.rs", "alert/metrics.rs"] {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let code = code_of(non_test_source(&text));
        for (n, line) in code.lines().enumerate() {
            let line = line.trim();
            // `.store` as a field (not `.store_x`), or the `Store` type
            // by name (not `StoreError`).
            let names = |needle: &str| {
                line.match_indices(needle).any(|(at, _)| {
                    !line[at + needle.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            };
            if names(".store") || names("store::Store") {
                reached.push(format!("{file}:{}: {line}", n + 1));
            }
        }
    }
    assert!(
        reached.is_empty(),
        "the store reached around `reads::Reads`: {reached:#?}"
    );
}
