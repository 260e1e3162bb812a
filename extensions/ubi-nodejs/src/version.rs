//! Which Node.js major to install: the version request of the Buildpack Plan resolved against
//! the stack's Node.js streams that this extension installs, by the rules the companion
//! buildpack shares ([`nodejs_version`]: priority of the sources, node ranges, nvm aliases).
//!
//! A stack gains Node.js lines before this extension learns to install them (and may keep
//! old ones it no longer installs): those are skipped, with the reason in the log, and the
//! request is resolved among the others, so that `>=20`, `*`, `node` or `lts/*` get the newest
//! major this extension installs instead of failing on one it does not.

use crate::errors::UbiNodejsError;
use crate::packages;
use cnb_extension::libcnb_data::buildpack_plan::BuildpackPlan;
use nodejs_version::{Candidate, Request, Resolved};
use ubi_extension_support::catalogue::{Catalogue, Skipped};
use ubi_extension_support::stack::Stack;

/// The `node` entries of the plan, highest priority first; only the first one counts.
///
/// Errors when there is no `node` entry, or when a version or source is not a string.
pub(crate) fn candidates(plan: &BuildpackPlan) -> Result<Vec<Candidate>, UbiNodejsError> {
    let candidates =
        nodejs_version::candidates(plan).map_err(UbiNodejsError::PlanValueNotAString)?;
    if candidates.is_empty() {
        return Err(UbiNodejsError::NodeNotRequested);
    }
    Ok(candidates)
}

/// The winning candidate's request.
///
/// Errors when it is neither a Node.js range nor an nvm alias.
pub(crate) fn request(candidate: &Candidate) -> Result<Request, UbiNodejsError> {
    let raw = candidate.constraint.as_str();
    Request::parse(raw).map_err(|error| {
        UbiNodejsError::InvalidVersionRequest(error.message(raw, &candidate.source_label()))
    })
}

/// The Node.js versions an app can get on the stack: the catalogue's majors this extension
/// installs there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Versions {
    /// The catalogue, holding only the streams this extension installs (at least one).
    pub(crate) catalogue: Catalogue,
    /// The catalogue's other streams, with the reason, for the log.
    pub(crate) skipped: Vec<Skipped>,
    /// The catalogue's default, else (when it is skipped) the newest major installed.
    pub(crate) default_major: u32,
    /// The catalogue's default, when it is skipped.
    pub(crate) skipped_default: Option<u32>,
}

/// The Node.js versions of `catalogue` this extension installs on `stack`.
///
/// Errors when the catalogue has no Node.js entry or no default, or when this extension
/// installs none of its majors.
pub(crate) fn versions(mut catalogue: Catalogue, stack: Stack) -> Result<Versions, UbiNodejsError> {
    let marked_default = catalogue.require_default()?;
    let skipped = catalogue.retain_installable(|major| packages::cannot_install(stack, major))?;
    let (default_major, skipped_default) = match catalogue.marked_default {
        Some(major) => (major, None),
        // `retain_installable` kept at least one stream.
        None => (
            catalogue.majors().last().copied().unwrap_or(marked_default),
            Some(marked_default),
        ),
    };
    Ok(Versions {
        catalogue,
        skipped,
        default_major,
        skipped_default,
    })
}

/// Resolves the winning candidate's `request` among the majors of `versions`.
///
/// Errors when none satisfies it, saying which skipped major would have.
pub(crate) fn resolve(
    candidate: &Candidate,
    request: &Request,
    versions: &Versions,
    stack: Stack,
) -> Result<Resolved, UbiNodejsError> {
    let majors = versions.catalogue.majors();
    request
        .resolve(&majors, versions.default_major)
        .ok_or_else(|| {
            let skipped: Vec<u32> = versions.skipped.iter().map(|s| s.stream.major).collect();
            let skipped_match = request
                .resolve(&skipped, versions.default_major)
                .and_then(|resolved| {
                    versions
                        .skipped
                        .iter()
                        .find(|skipped| skipped.stream.major == resolved.major)
                })
                .cloned();
            UbiNodejsError::UnsatisfiableVersion {
                request: candidate.constraint.clone(),
                source: candidate.source_label(),
                stack,
                majors,
                default_major: versions.default_major,
                skipped_match,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::cnb_output::render_error;
    use nodejs_version::Resolution;
    use std::path::PathBuf;

    fn catalogue(majors: &[u32], default_major: u32) -> Catalogue {
        Catalogue {
            path: PathBuf::from("/etc/buildpacks/images.json"),
            runtime: ubi_extension_support::catalogue::Runtime::NODEJS,
            streams: majors
                .iter()
                .map(|&major| ubi_extension_support::catalogue::Stream {
                    major,
                    name: format!("nodejs-{major}"),
                    run_image: None,
                })
                .collect(),
            marked_default: Some(default_major),
        }
    }

    /// The major `candidate` gets from `catalogue` on `stack`: its request, the versions this
    /// extension installs, the resolution, as generate chains them.
    fn pick(
        candidate: &Candidate,
        catalogue: &Catalogue,
        stack: Stack,
    ) -> Result<Resolved, UbiNodejsError> {
        let request = request(candidate)?;
        let versions = versions(catalogue.clone(), stack)?;
        resolve(candidate, &request, &versions, stack)
    }

    fn candidate(source: Option<&str>, constraint: &str) -> Candidate {
        Candidate {
            source: source.map(str::to_string),
            constraint: constraint.to_string(),
        }
    }

    fn plan(text: &str) -> BuildpackPlan {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn resolves_ranges_and_aliases_against_the_catalogue() {
        let catalogue = catalogue(&[16, 18, 20, 22, 24], 24);
        for (constraint, major) in [("~20", 20), ("", 24), ("lts/iron", 20), ("node", 24)] {
            let resolved = pick(
                &candidate(Some(".nvmrc"), constraint),
                &catalogue,
                Stack::Ubi8,
            );
            assert_eq!(resolved.map(|r| r.major), Ok(major), "{constraint:?}");
        }
        assert_eq!(
            pick(&candidate(None, "20.11.1"), &catalogue, Stack::Ubi8)
                .unwrap()
                .resolution,
            Resolution::Stream
        );
    }

    #[test]
    fn requests_no_stream_satisfies_fail_naming_the_request_the_source_and_the_majors() {
        let error = pick(
            &candidate(Some("BP_NODE_VERSION"), "~14"),
            &catalogue(&[16, 18], 18),
            Stack::Ubi8,
        )
        .unwrap_err();
        assert_eq!(
            render_error(&error),
            "ERROR: failed to satisfy \"node\" dependency version constraint \"~14\": no \
             compatible versions on \"io.buildpacks.stacks.ubi8\" stack\n  Supported versions \
             are: [16, 18]. The constraint comes from BP_NODE_VERSION.\n  Request one of these \
             major versions (e.g. \"~18\"), or remove the request to get the default, Node.js \
             18.\n"
        );
        // An alias of a line the stack does not offer.
        assert!(matches!(
            pick(
                &candidate(Some(".nvmrc"), "lts/fermium"),
                &catalogue(&[20, 22], 22),
                Stack::Ubi9
            ),
            Err(UbiNodejsError::UnsatisfiableVersion { .. })
        ));
    }

    /// Issue 21: with a catalogue offering 22, 24 and 26 (default 24), `>=20`, `*`, `node` and
    /// `lts/*` selected 26, which this extension does not install on ubi8, and failed; 24
    /// satisfies each of them.
    #[test]
    fn a_future_major_is_skipped_and_requests_get_the_newest_installable() {
        let future = catalogue(&[22, 24, 26], 24);
        for constraint in [
            ">=20", "*", "node", "lts/*", "stable", "", ">=22 <27", "20 || 24",
        ] {
            let resolved = pick(&candidate(Some(".nvmrc"), constraint), &future, Stack::Ubi8);
            assert_eq!(resolved.map(|r| r.major), Ok(24), "{constraint:?}");
        }
        let versions = versions(future.clone(), Stack::Ubi8).unwrap();
        assert_eq!(versions.catalogue.majors(), [22, 24]);
        assert_eq!(
            (versions.default_major, versions.skipped_default),
            (24, None)
        );
        assert_eq!(
            versions.skipped[0].to_string(),
            "nodejs-26: newer than the Node.js majors this extension installs on \
             io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)"
        );
        // Only 26 satisfies it: the error says the stack has it, but it cannot be installed.
        let error = pick(&candidate(Some("package.json"), "26"), &future, Stack::Ubi8).unwrap_err();
        assert_eq!(
            render_error(&error),
            "ERROR: failed to satisfy \"node\" dependency version constraint \"26\": no \
             compatible versions on \"io.buildpacks.stacks.ubi8\" stack\n  Supported versions \
             are: [22, 24]. The constraint comes from package.json.\n  The stack's catalogue \
             also lists nodejs-26, which satisfies it, but it is newer than the Node.js majors \
             this extension installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24).\n  \
             Request one of these major versions (e.g. \"~24\"), or remove the request to get \
             the default, Node.js 24.\n"
        );
    }

    /// A future default is skipped too: no request gets the newest major installed.
    #[test]
    fn a_skipped_default_gives_way_to_the_newest_installable() {
        let versions = versions(catalogue(&[20, 22, 26], 26), Stack::Ubi9).unwrap();
        assert_eq!(
            (versions.default_major, versions.skipped_default),
            (22, Some(26))
        );
        assert_eq!(
            versions.skipped[0].to_string(),
            "nodejs-26 (the catalogue's default): newer than the Node.js majors this extension \
             installs on io.buildpacks.stacks.ubi9 (18, 20, 22, 24)"
        );
        let resolved = pick(
            &candidate(None, ""),
            &catalogue(&[20, 22, 26], 26),
            Stack::Ubi9,
        );
        assert_eq!(
            resolved.map(|r| (r.major, r.resolution)),
            Ok((22, Resolution::Default))
        );
    }

    /// Issue 21: a catalogue of legacy majors only (10 and 12) passed the catalogue check and
    /// then failed every request on an install error; unknown (odd) majors likewise. Now the
    /// error says that this extension installs none of them.
    #[test]
    fn legacy_and_unknown_majors_are_skipped_and_none_left_is_an_error() {
        for (majors, default_major) in [(&[10, 12][..], 12), (&[23, 25][..], 23)] {
            for constraint in ["", "lts/*", "node", "*", "12"] {
                let error = pick(
                    &candidate(Some(".nvmrc"), constraint),
                    &catalogue(majors, default_major),
                    Stack::Ubi8,
                )
                .unwrap_err();
                let shown = render_error(&error);
                assert!(
                    shown.starts_with(
                        "ERROR: Cannot use the stack's Node.js catalogue\n  the Node.js version \
                         catalogue /etc/buildpacks/images.json lists Node.js "
                    ) && shown.contains(", none of which this extension can install: "),
                    "{shown}"
                );
            }
        }
        // With an installable major beside them, they are skipped.
        let mixed = catalogue(&[10, 12, 19, 20], 12);
        let resolved = pick(&candidate(Some(".nvmrc"), "lts/*"), &mixed, Stack::Ubi8);
        assert_eq!(resolved.map(|r| r.major), Ok(20));
        let versions = versions(mixed, Stack::Ubi8).unwrap();
        assert_eq!(
            versions
                .skipped
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "nodejs-10: older than the Node.js majors this extension installs on \
                 io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)",
                "nodejs-12 (the catalogue's default): older than the Node.js majors this \
                 extension installs on io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)",
                "nodejs-19: not one of the Node.js majors this extension installs on \
                 io.buildpacks.stacks.ubi8 (16, 18, 20, 22, 24)",
            ]
        );
    }

    /// Issue 13: `~x` and `=*` from package.json aborted generate (exit 134, an `unreachable!`
    /// in node-semver); now they are errors naming the request and its source.
    #[test]
    fn the_wildcards_that_aborted_generate_are_errors() {
        for constraint in ["~x", "=*"] {
            let error = pick(
                &candidate(Some("package.json"), constraint),
                &catalogue(&[20], 20),
                Stack::Ubi9,
            )
            .unwrap_err();
            let shown = render_error(&error);
            assert!(
                shown.starts_with(&format!(
                    "ERROR: Invalid Node.js version request\n  the Node.js version \
                     \"{constraint}\" requested by package.json is not a version range"
                )),
                "{shown}"
            );
        }
    }

    #[test]
    fn no_node_entry_is_an_error() {
        for text in ["", "[[entries]]\nname = \"npm\"\n"] {
            let error = candidates(&plan(text)).unwrap_err();
            assert_eq!(error, UbiNodejsError::NodeNotRequested);
        }
        assert!(matches!(
            candidates(&plan(
                "[[entries]]\nname = \"node\"\n[entries.metadata]\nversion = 20\n"
            )),
            Err(UbiNodejsError::PlanValueNotAString(_))
        ));
    }

    #[test]
    fn fuzz_extension_node_version() {
        let catalogue = catalogue(&[16, 18, 20, 22, 24], 24);
        fuzz_check::fuzz_text(
            "Node.js version request (ubi-nodejs-extension)",
            SEEDS,
            |input| {
                for source in [Some("package.json"), Some(input), None] {
                    let _ = pick(&candidate(source, input), &catalogue, Stack::Ubi8)
                        .map_err(|error| render_error(&error));
                }
            },
        );
    }

    const SEEDS: &[&str] = &[
        "", "20", "v20.11.1", "~22.11", ">=20 <25", "16 - 18", "20 || 22", "~x", "=*", "node",
        "stable", "lts/*", "lts/iron", "lts/nope", "20 foo",
    ];
}
