use super::*;
use std::fmt::Write;

fn plan(text: &str) -> BuildpackPlan {
    toml::from_str(text).unwrap()
}

/// A `node` entry of a Buildpack Plan, with the metadata `version` and `version-source` given.
fn node_entry(version: Option<&str>, source: Option<&str>) -> String {
    let mut entry = "[[entries]]\nname = \"node\"\n[entries.metadata]\n".to_string();
    if let Some(version) = version {
        writeln!(entry, "version = \"{version}\"").unwrap();
    }
    if let Some(source) = source {
        writeln!(entry, "version-source = \"{source}\"").unwrap();
    }
    entry
}

fn parse(request: &str) -> Request {
    Request::parse(request).unwrap_or_else(|error| panic!("{request:?}: {error:?}"))
}

/// Upstream's test setup: majors 16 and 18, default 18.
fn resolve_upstream(request: &str) -> Option<Resolved> {
    parse(request).resolve(&[16, 18], 18)
}

#[allow(clippy::unnecessary_wraps)] // compared with what `resolve` returns
fn resolved(major: u32, resolution: Resolution) -> Option<Resolved> {
    Some(Resolved { major, resolution })
}

fn version(text: &str) -> Version {
    Version::parse(text).unwrap()
}

#[test]
fn the_upstream_table_resolves_as_upstream() {
    for (request, major) in [
        ("16 - 18", 18),
        ("16.0.0 - 18.0.0", 16),
        ("<18.5.1", 16),
        (">18.5.1", 18),
        ("16 <18.5.1", 16),
        ("<1.0.0 || >=2.5.2 <3.0.0 || >=2.3.1 <18.4.5", 16),
        ("v18", 18),
        ("16", 16),
        ("~16", 16),
        ("^18.0.x", 18),
        (">16", 18),
        (">13", 18),
        ("x", 18),
        ("=16", 16),
    ] {
        assert_eq!(
            resolve_upstream(request),
            resolved(major, Resolution::Newest),
            "{request:?}"
        );
    }
}

#[test]
fn no_request_is_the_default() {
    for request in ["", "default", "  "] {
        assert_eq!(resolve_upstream(request), resolved(18, Resolution::Default));
        assert_eq!(
            parse(request).resolve(&[16, 18], 16),
            resolved(16, Resolution::Default)
        );
    }
}

#[test]
fn requests_upstream_rejects_select_the_stream_of_their_major() {
    for (request, major) in [
        ("17 - 18.0.0", 18),
        ("18.0.0", 18),
        ("v18.999.0", 18),
        ("~16.2", 16),
        ("16.5.x", 16),
        ("16.20.2", 16),
        ("=v16.1", 16),
        ("^16.4.0 <16.5", 16),
    ] {
        assert_eq!(
            resolve_upstream(request),
            resolved(major, Resolution::Stream),
            "{request:?}"
        );
    }
}

#[test]
fn requests_no_stream_satisfies_resolve_to_nothing() {
    for request in [
        "15", ">18", "~14", "<0", "20.11.1", ">=16 <15", "16 18", "^19", "<=*",
    ] {
        assert_eq!(resolve_upstream(request), None, "{request:?}");
    }
}

#[test]
fn node_range_syntax() {
    let majors = [16, 18, 20, 22, 24];
    for (request, major) in [
        ("~>16", 16),
        ("~> 16", 16),
        (">= 20 < 22", 20),
        ("^ 22", 22),
        ("20.x.x", 20),
        ("22.*.*", 22),
        ("*", 24),
        ("X", 24),
        ("20 || 22", 22),
        (">=16 <17 || 18.x", 18),
        ("16 ||", 24),
        ("^22.0.0-rc.1", 22),
        ("v20", 20),
        (" 20 ", 20),
        ("~0.x.0 || 20", 20),
    ] {
        assert_eq!(
            parse(request).resolve(&majors, 24).map(|r| r.major),
            Some(major),
            "{request:?}"
        );
    }
}

/// Issue 13: `~x` and `=*` aborted the extension inside node-semver (`unreachable!`). Every
/// operator with every wildcard form is a result now, never a panic.
#[test]
fn wildcards_after_any_operator_are_results_not_panics() {
    let operators = ["", "~", "~>", "^", "=", "<", ">", "<=", ">=", "v", "=v"];
    let wildcards = [
        "x",
        "X",
        "*",
        "x.x",
        "*.*.*",
        "x.1",
        "x.1.2",
        "1.x.2",
        "0.x.0",
        "1.x",
        "1.2.x",
        "x.x.x-rc.1",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999.1",
    ];
    for operator in operators {
        for wildcard in wildcards {
            for request in [
                format!("{operator}{wildcard}"),
                format!("{operator} {wildcard}"),
                format!("{operator}{wildcard} - {wildcard}"),
                format!("{operator}{wildcard} || {operator}{wildcard}"),
            ] {
                if let Ok(parsed) = Request::parse(&request) {
                    let _ = parsed.resolve(&[16, 18, 20, 22, 24], 24);
                    let _ = parsed.accepts(&version("20.11.1"));
                }
            }
        }
    }
    // The two inputs of the issue: errors that name what is wrong.
    for request in ["~x", "=*"] {
        let Err(RequestError::NotARange(reason)) = Request::parse(request) else {
            panic!("{request:?} parsed");
        };
        assert_eq!(
            reason,
            format!("{} is not a version or comparator", quoted(request))
        );
    }
}

/// Every request of up to 4 characters over the characters that mean something in a range (a
/// complete search, ~30,000 inputs: node-semver panicked on several of them) parses to a result,
/// and resolves and checks without a panic.
#[test]
fn every_short_request_is_a_result() {
    let alphabet: Vec<char> = "01x*.-~^<>=| v".chars().collect();
    let mut requests = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..4 {
        last = last
            .iter()
            .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
            .collect();
        requests.extend(last.iter().cloned());
    }
    let installed = version("1.0.0");
    for request in &requests {
        if let Ok(parsed) = Request::parse(request) {
            let _ = parsed.resolve(&[0, 1, 10], 1);
            let _ = parsed.accepts(&installed);
        }
    }
    assert!(requests.len() > 30_000);
}

#[test]
fn requests_that_are_not_ranges_are_errors_that_quote_them() {
    for (request, reason) in [
        ("20\nRUN id", "it contains the character '\\n'"),
        ("\t20", "it contains the character '\\t'"),
        ("20; rm -rf /", "it contains the character ';'"),
        ("$(id)", "it contains the character '$'"),
        ("`id`", "it contains the character '`'"),
        ("\"20\"", "it contains the character '\"'"),
        ("lts", "\"lts\" is not a version or comparator"),
        ("system", "\"system\" is not a version or comparator"),
        ("20 foo", "\"foo\" is not a version or comparator"),
        ("latest", "\"latest\" is not a version or comparator"),
        ("1.2.3.4", "\"1.2.3.4\" is not a version or comparator"),
        ("16 - 18 - 20", "\"-\" is not a version or comparator"),
        (">=", "the operator \">=\" has no version"),
        ("> < 16", "\"> < 16\" is not a comparator"),
        ("|", "\"|\" is not a version or comparator"),
    ] {
        assert_eq!(
            Request::parse(request).unwrap_err(),
            RequestError::NotARange(reason.to_string()),
            "{request:?}"
        );
    }
    let error = Request::parse("20; rm -rf /").unwrap_err();
    assert_eq!(
        error.message("20; rm -rf /", "BP_NODE_VERSION"),
        "the Node.js version \"20; rm -rf /\" requested by BP_NODE_VERSION is not a version \
         range (it contains the character ';'). Request a version or range as package.json \
         engines.node accepts it, e.g. \"22\", \"~22.11\", \"^20.0.0\" or \">=20 <25\", or an \
         nvm alias: node, stable, lts/* or lts/<codename>."
    );
}

#[test]
fn long_requests_are_refused_and_quoted_short() {
    let long = "1".repeat(10 << 20);
    let error = Request::parse(&long).unwrap_err();
    assert_eq!(
        error,
        RequestError::NotARange("it is longer than 256 bytes".to_string())
    );
    let message = error.message(&long, "package.json");
    assert!(message.len() < 500, "{message}");
    assert!(
        message.contains("(cut, 10485760 bytes in all)"),
        "{message}"
    );
    // At the limit, still a range.
    let at_limit = format!("{}20", " ".repeat(MAX_REQUEST_LENGTH - 2));
    assert_eq!(parse(&at_limit).resolve(&[20], 20).unwrap().major, 20);
}

#[test]
fn nvm_aliases_resolve_against_the_stack_and_say_how() {
    let ubi8 = [16, 18, 20, 22, 24];
    let with_odd = [18, 20, 22, 23];
    for (request, majors, major) in [
        ("node", &ubi8[..], 24),
        ("stable", &ubi8[..], 24),
        ("lts/*", &ubi8[..], 24),
        ("node", &with_odd[..], 23),
        ("stable", &with_odd[..], 23),
        ("lts/*", &with_odd[..], 22),
        ("lts/gallium", &ubi8[..], 16),
        ("lts/hydrogen", &ubi8[..], 18),
        ("lts/iron", &ubi8[..], 20),
        ("lts/jod", &ubi8[..], 22),
        ("lts/krypton", &ubi8[..], 24),
        ("LTS/Iron", &ubi8[..], 20),
        (" lts/iron ", &ubi8[..], 20),
    ] {
        let resolved = parse(request).resolve(majors, 24).unwrap();
        assert_eq!(resolved.major, major, "{request:?}");
        assert!(matches!(resolved.resolution, Resolution::Alias(_)));
    }
    let Request::Alias(alias) = parse("lts/iron") else {
        panic!("an alias");
    };
    assert_eq!(alias.to_string(), "lts/iron");
    assert_eq!(alias.meaning(), "the LTS line iron");
    assert_eq!(
        Alias::NewestLts.meaning(),
        "the newest LTS (even) major offered"
    );
    // Lines the stack does not offer, and no even major at all.
    for (request, majors) in [
        ("lts/argon", &ubi8[..]),
        ("lts/fermium", &[20, 22][..]),
        ("lts/*", &[23][..]),
    ] {
        assert_eq!(parse(request).resolve(majors, 24), None, "{request:?}");
    }
    // Every line of the table.
    for (codename, major) in LTS_LINES {
        let resolved = parse(&format!("lts/{codename}")).resolve(&[major], major);
        assert_eq!(resolved.map(|r| r.major), Some(major));
    }
}

#[test]
fn an_unknown_lts_codename_is_a_clear_error() {
    // The codename is quoted as given: whatever follows `lts/`.
    for request in ["lts/nope", "lts/", "lts/-1", "lts/Iron\n"] {
        let codename = request.strip_prefix("lts/").unwrap().to_string();
        let error = Request::parse(request).unwrap_err();
        assert_eq!(error, RequestError::UnknownLtsLine(codename), "{request:?}");
    }
    assert_eq!(
        RequestError::UnknownLtsLine("nope".into()).message("lts/nope", ".nvmrc"),
        "the Node.js version \"lts/nope\" requested by .nvmrc names the LTS line \"nope\", which \
         nvm does not know. The LTS lines are argon (4), boron (6), carbon (8), dubnium (10), \
         erbium (12), fermium (14), gallium (16), hydrogen (18), iron (20), jod (22), krypton \
         (24), and the next one, whose codename starts with l (26). Request one of them (e.g. \
         \"lts/jod\"), \"lts/*\" for the newest LTS the stack offers, or a version range."
    );
}

/// Issue 21: Node.js 26 becomes LTS under a codename not published when the list was last
/// extended; `lts/<its codename>` was refused as unknown. Any codename with the next initial
/// names that line.
#[test]
fn the_line_after_the_known_ones_is_taken_by_its_initial() {
    for request in ["lts/lithium", "lts/Lawrencium", " lts/lanthanum "] {
        let Request::Alias(alias) = parse(request) else {
            panic!("{request:?} is an alias");
        };
        assert_eq!(alias, Alias::NextLine { major: 26 }, "{request:?}");
        assert_eq!(alias.to_string(), "lts/l…");
        assert_eq!(
            alias.meaning(),
            "the LTS line after krypton (codenames go alphabetically)"
        );
        let resolved = parse(request).resolve(&[22, 24, 26], 24);
        assert_eq!(
            resolved,
            Some(Resolved {
                major: 26,
                resolution: Resolution::Alias(alias)
            })
        );
        assert_eq!(parse(request).resolve(&[22, 24], 24), None);
        assert!(parse(request).accepts(&version("26.1.0")));
        assert!(!parse(request).accepts(&version("24.1.0")));
    }
    // Only a word with that initial: not a later one, not digits or signs.
    for request in [
        "lts/l",
        "lts/l1",
        "lts/l-x",
        "lts/mercury",
        &format!("lts/l{}", "i".repeat(16)),
    ] {
        assert!(
            matches!(
                Request::parse(request),
                Err(RequestError::UnknownLtsLine(_))
            ),
            "{request:?}"
        );
    }
}

/// The list and the next line agree: codenames go alphabetically one initial per line, two
/// majors apart (until 26; from 27 every major is LTS), and the next line follows the last.
#[test]
fn the_lts_lines_follow_the_alphabet() {
    for pair in LTS_LINES.windows(2) {
        let [(before, before_major), (after, after_major)] = pair else {
            unreachable!()
        };
        assert_eq!(
            before.as_bytes()[0] + 1,
            after.as_bytes()[0],
            "{before} {after}"
        );
        assert_eq!(before_major + 2, *after_major, "{before} {after}");
    }
    let (last, last_major) = LTS_LINES[LTS_LINES.len() - 1];
    let (initial, major) = NEXT_LTS_LINE;
    assert_eq!(char::from(last.as_bytes()[0] + 1), initial);
    assert_eq!(last_major + 2, major);
}

#[test]
fn accepts_checks_an_installed_node() {
    for (request, installed, accepted) in [
        ("", "16.0.0", true),
        (">=20 <21", "20.20.2", true),
        (">=20 <21", "22.1.0", false),
        ("^99", "20.20.2", false),
        ("20.11.1", "20.11.1", true),
        ("20.11.1", "20.20.2", false),
        ("node", "23.1.0", true),
        ("stable", "16.0.0", true),
        ("lts/*", "22.3.0", true),
        ("lts/*", "23.3.0", false),
        ("lts/iron", "20.20.2", true),
        ("lts/iron", "22.0.0", false),
    ] {
        assert_eq!(
            parse(request).accepts(&version(installed)),
            accepted,
            "{request:?} {installed}"
        );
    }
}

/// The extension and the companion agree on every alias: the companion accepts a node of the
/// major the extension resolves the alias to on any stack, and for `lts/<codename>` refuses
/// every other major.
#[test]
fn resolution_and_acceptance_agree_on_every_alias() {
    let stacks: [&[u32]; 4] = [
        &[16, 18, 20, 22, 24],
        &[18, 20, 22, 24],
        &[22, 24],
        &[20, 21],
    ];
    let aliases = ["node", "stable", "lts/*"]
        .into_iter()
        .map(str::to_string)
        .chain(
            LTS_LINES
                .iter()
                .map(|(codename, _)| format!("lts/{codename}")),
        );
    for alias in aliases {
        let request = parse(&alias);
        for majors in stacks {
            let Some(resolved) = request.resolve(majors, majors[0]) else {
                continue;
            };
            for major in majors {
                let installed = Version::from((u64::from(*major), 3, 1));
                if *major == resolved.major {
                    assert!(request.accepts(&installed), "{alias} on {majors:?}");
                } else if alias.starts_with("lts/") && alias != "lts/*" {
                    assert!(!request.accepts(&installed), "{alias} on {majors:?}");
                }
            }
        }
    }
}

#[test]
fn candidates_are_the_node_entries_in_priority_order() {
    let plan = plan(
        &[
            node_entry(Some("<0"), Some("custom")),
            "[[entries]]\nname = \"npm\"\n".to_string(),
            node_entry(Some("<1"), Some(".node-version")),
            node_entry(Some("<2"), Some(".nvmrc")),
            node_entry(Some("<3"), None),
            node_entry(Some("<4"), Some("package.json")),
            node_entry(Some("=16"), Some("BP_NODE_VERSION")),
            node_entry(None, Some("")) + "build = true\n",
        ]
        .concat(),
    );
    let candidate = |source: Option<&str>, constraint: &str| Candidate {
        source: source.map(str::to_string),
        constraint: constraint.to_string(),
    };
    let candidates = candidates(&plan).unwrap();
    assert_eq!(
        candidates,
        [
            candidate(Some("BP_NODE_VERSION"), "=16"),
            candidate(Some("package.json"), "<4"),
            candidate(Some(".nvmrc"), "<2"),
            candidate(Some(".node-version"), "<1"),
            candidate(Some("custom"), "<0"),
            candidate(None, "<3"),
            candidate(None, ""),
        ]
    );
    assert_eq!(candidates[5].source_label(), "<unknown>");
    assert_eq!(candidates[4].source_label(), "\"custom\"");
    assert_eq!(candidates[0].source_label(), "BP_NODE_VERSION");
    assert_eq!(
        candidate(Some("a\nb\"c"), "").source_label(),
        "\"a\\nb\\\"c\""
    );
}

#[test]
fn only_the_highest_priority_constraint_counts() {
    // Upstream's priority tests: the top source asks for =16, every other for <0.
    for (top, winner) in VERSION_SOURCES.iter().enumerate() {
        let mut text = String::new();
        for (index, source) in VERSION_SOURCES.iter().enumerate().skip(top).rev() {
            let version = if index == top { "=16" } else { "<0" };
            text.push_str(&node_entry(Some(version), Some(source)));
        }
        text.push_str(&node_entry(Some("<0"), None));
        let candidates = candidates(&plan(&text)).unwrap();
        assert_eq!(candidates[0].source.as_deref(), Some(*winner));
        assert_eq!(
            parse(&candidates[0].constraint).resolve(&[16, 18], 18),
            resolved(16, Resolution::Newest)
        );
    }
}

#[test]
fn plan_values_must_be_strings() {
    let error = candidates(&plan(
        "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = 20\n",
    ))
    .unwrap_err();
    assert_eq!(
        error,
        PlanValueNotAString {
            key: "version",
            value: "20".to_string()
        }
    );
    assert_eq!(
        error.to_string(),
        "the Buildpack Plan's node entry has metadata.version = 20, which is not a string. \
         The buildpack that requires node must write it as a string, e.g. version = \"20\"."
    );
    assert!(
        candidates(&plan(
            "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion-source = [1]\n",
        ))
        .is_err()
    );
    assert_eq!(candidates(&plan("")).unwrap(), []);
}

/// Seeds: what apps write in `engines.node`, `.nvmrc` and `.node-version`, and the tables above.
pub(crate) const REQUEST_SEEDS: &[&str] = &[
    "",
    "default",
    "20",
    "v20.11.1",
    "~22.11",
    "^20.0.0",
    ">=20 <25",
    ">= 20 < 22",
    "16 - 18",
    "16.0.0 - 18.0.0",
    "<1.0.0 || >=2.5.2 <3.0.0 || >=2.3.1 <18.4.5",
    "^18.0.x",
    "~>16",
    "20.x.x",
    "22.*.*",
    "*",
    "x",
    "^22.0.0-rc.1",
    "~x",
    "=*",
    "~0.x.0",
    "node",
    "stable",
    "lts/*",
    "lts/iron",
    "lts/krypton",
    "lts/nope",
    "20 foo",
    "> < 16",
];

#[test]
fn fuzz_node_version_request() {
    let installed = [version("20.20.2"), version("23.0.0-rc.1"), version("4.0.0")];
    fuzz_check::fuzz_text(
        "Node.js version request (nodejs-version)",
        REQUEST_SEEDS,
        |input| match Request::parse(input) {
            Ok(request) => {
                let _ = request.resolve(&[16, 18, 20, 22, 24], 24);
                let _ = request.resolve(&[0, 1, u32::MAX], 0);
                for version in &installed {
                    let _ = request.accepts(version);
                }
            }
            Err(error) => assert!(error.message(input, "package.json").len() < 1024),
        },
    );
}

#[test]
fn what_the_companion_requires_is_what_the_extension_reads() {
    use ubi_companion_contract::RequirementMetadata;
    let requirement = |version: &str, source: &str| {
        let mut require = libcnb_data::build_plan::Require::new(NODE);
        require
            .metadata(RequirementMetadata {
                version: Some(version.to_string()),
                version_source: Some(source.to_string()),
                build: Some(true),
                launch: Some(true),
            })
            .unwrap();
        libcnb_data::buildpack_plan::Entry {
            name: require.name,
            metadata: require.metadata,
        }
    };
    let plan = BuildpackPlan {
        entries: vec![
            requirement("20", ".nvmrc"),
            requirement("~22.11", "package.json"),
        ],
    };
    assert_eq!(
        candidates(&plan).unwrap(),
        [
            Candidate {
                source: Some("package.json".to_string()),
                constraint: "~22.11".to_string(),
            },
            Candidate {
                source: Some(".nvmrc".to_string()),
                constraint: "20".to_string(),
            },
        ]
    );
}
