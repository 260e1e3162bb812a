//! The SBOM pieces the buildpacks share: one `CycloneDX` 1.5 JSON writer ([`cyclonedx`]), one
//! package-URL encoder ([`purl`]) and one `rpm` query with its parser ([`rpm`]).

pub mod cyclonedx;
pub mod purl;
pub mod rpm;
