//! Fuzz targets (`fuzz_*`, crates/fuzz-check) for every parser of untrusted input in the
//! buildpack: the app's `go.mod` and Go source headers, and the settings it parses.

use crate::source::BuildContext;
use crate::{download, flags, gomod, keep, source, targets, version};
use std::path::Path;

fn fixture(relative: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/apps");
    std::fs::read_to_string(root.join(relative)).unwrap()
}

#[test]
fn fuzz_go_mod() {
    let seeds: Vec<String> = ["go-http", "go-cgo", "go-multi-cmd", "go-toolchain"]
        .iter()
        .map(|app| fixture(&format!("{app}/go.mod")))
        .chain([
            "module \"example.com/app/v2\" // c\ngo 1.26rc1\ntoolchain default\nrequire (\n\tgo v1\n)\nreplace x => ../x\n".to_string(),
        ])
        .collect();
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    fuzz_check::fuzz_text("go.mod (go-app)", &seeds, |input| {
        if let Ok(go_mod) = gomod::parse(input) {
            let _ = go_mod.module.as_deref().map(gomod::binary_name);
        }
    });
}

#[test]
fn fuzz_go_source_header() {
    let seeds = [
        fixture("go-http/main.go"),
        fixture("go-cgo/main.go"),
        "//go:build (linux && !cgo) || (amd64 && go1.21)\n// +build linux\n\n/* c */ package main\n\nimport (\n\t\"C\"\n\tx \"fmt\"\n)\n".to_string(),
    ];
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    let context = BuildContext {
        arch: "amd64",
        cgo: false,
    };
    fuzz_check::fuzz_text("Go source header (go-app)", &seeds, |input| {
        let header = source::header(input);
        if let Some(expression) = header.build_constraint.as_deref() {
            let _ = source::constraint_holds(expression, context);
            let _ = source::constraint_mentions_cgo(expression);
        }
        let _ = source::file_name_matches(input, context);
    });
}

#[test]
fn fuzz_bp_keep_files() {
    let paths = ["README.md", "assets/css/site.css", &"a".repeat(200), "é/ü"];
    fuzz_check::fuzz_text(
        "BP_KEEP_FILES (go-app)",
        &[
            "README.md:assets/**:templates/*.html",
            "./static/*: :[a-c]*.{md,txt}:\\*",
            "*a*a*a*a*a*a*a*a*a*a*a*a*b:[!x]?[^y]",
            "*a*a*a*a*a*a*a*b:[!x]?[^y]:**/*.{html,css}",
        ],
        |input| {
            if let Ok(keep) = keep::parse_patterns(Some(input)) {
                for path in paths {
                    let _ = keep.keeps(path);
                }
            }
        },
    );
}

#[test]
fn fuzz_go_settings() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/apps/go-multi-cmd");
    fuzz_check::fuzz_text(
        "go-app settings (BP_GO_BUILD_FLAGS, BP_GO_VERSION, BP_GO_TARGETS, GOPROXY)",
        &[
            "-tags='a b' -ldflags=\"-s -w\" -mod=vendor",
            "1.26.8",
            "1.26.x",
            "go1.26rc1",
            "./cmd/a/:cmd/b:.",
            "https://proxy.golang.org,direct",
            "file:///srv/proxy|off",
        ],
        |input| {
            let _ = flags::split_words(input);
            let _ = flags::build_arguments(Some(input), Some(input));
            let _ = version::parse_bp_go_version(input);
            let _ = version::GoVersion::parse(input);
            let _ = targets::parse_targets(&app, input);
            let _ = download::proxy_base(Some(input));
        },
    );
}
