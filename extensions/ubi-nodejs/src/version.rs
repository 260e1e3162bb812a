//! Which Node.js major to install: the version request of the Buildpack Plan resolved against
//! the stack's Node.js streams, by the rules the companion buildpack shares
//! ([`nodejs_version`]: priority of the sources, node ranges, nvm aliases).

use crate::errors::UbiNodejsError;
use cnb_extension::libcnb_data::buildpack_plan::BuildpackPlan;
use nodejs_version::{Candidate, Request, Resolved};
use ubi_extension_support::catalogue::Catalogue;
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

/// Resolves the winning candidate against the catalogue's streams (whose default
/// [`Catalogue::require_default`] has checked).
pub(crate) fn resolve(
    candidate: &Candidate,
    catalogue: &Catalogue,
    stack: Stack,
) -> Result<Resolved, UbiNodejsError> {
    let raw = candidate.constraint.as_str();
    let request = Request::parse(raw).map_err(|error| {
        UbiNodejsError::InvalidVersionRequest(error.message(raw, &candidate.source_label()))
    })?;
    let default_major = catalogue.require_default()?;
    let majors = catalogue.majors();
    request
        .resolve(&majors, default_major)
        .ok_or_else(|| UbiNodejsError::UnsatisfiableVersion {
            request: raw.to_string(),
            source: candidate.source_label(),
            stack,
            majors,
            default_major,
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
            let resolved = resolve(
                &candidate(Some(".nvmrc"), constraint),
                &catalogue,
                Stack::Ubi8,
            );
            assert_eq!(resolved.map(|r| r.major), Ok(major), "{constraint:?}");
        }
        assert_eq!(
            resolve(&candidate(None, "20.11.1"), &catalogue, Stack::Ubi8)
                .unwrap()
                .resolution,
            Resolution::Stream
        );
    }

    #[test]
    fn requests_no_stream_satisfies_fail_naming_the_request_the_source_and_the_majors() {
        let error = resolve(
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
            resolve(
                &candidate(Some(".nvmrc"), "lts/fermium"),
                &catalogue(&[20, 22], 22),
                Stack::Ubi9
            ),
            Err(UbiNodejsError::UnsatisfiableVersion { .. })
        ));
    }

    /// Issue 13: `~x` and `=*` from package.json aborted generate (exit 134, an `unreachable!`
    /// in node-semver); now they are errors naming the request and its source.
    #[test]
    fn the_wildcards_that_aborted_generate_are_errors() {
        for constraint in ["~x", "=*"] {
            let error = resolve(
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
                    let _ = resolve(&candidate(source, input), &catalogue, Stack::Ubi8)
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
