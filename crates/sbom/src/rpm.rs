//! The `rpm` query (`rpm -q --queryformat`) and its parser: one tab-separated line per package
//! with its name, epoch, version, release, architecture, vendor and license.

use crate::purl::Purl;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The `--queryformat` of every query: one tab-separated line per package.
pub const QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\t%{LICENSE}\\n";

/// An installed RPM package, as the query reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// `None` for `(none)`.
    pub epoch: Option<String>,
    /// The upstream version.
    pub version: String,
    /// The release.
    pub release: String,
    /// The architecture (`noarch` when the query gives none).
    pub arch: String,
    /// `None` for `(none)`.
    pub vendor: Option<String>,
    /// The `License` tag (not always an SPDX expression: `MIT and ASL 2.0`); `None` for `(none)`.
    pub license: Option<String>,
}

impl Package {
    /// `name-version-release.arch`, for logs and the `rpm:package` property.
    #[must_use]
    pub fn nvra(&self) -> String {
        format!(
            "{}-{}-{}.{}",
            self.name, self.version, self.release, self.arch
        )
    }

    /// `pkg:rpm/<namespace>/<name>@<version>-<release>?arch=<arch>[&epoch=<epoch>][&distro=<name>-<version>]`.
    ///
    /// The namespace is `redhat` without a distribution or for `rhel`, else the distribution's
    /// name; the `distro` qualifier is written when a distribution `(name, version)` is given
    /// (with a non-empty name).
    #[must_use]
    pub fn purl(&self, distro: Option<(&str, &str)>) -> Purl {
        let distro = distro.filter(|(name, _)| !name.is_empty());
        let namespace = match distro {
            None | Some(("rhel", _)) => "redhat",
            Some((name, _)) => name,
        };
        let mut purl = Purl::new("rpm", &self.name)
            .namespace(namespace)
            .version(&format!("{}-{}", self.version, self.release))
            .qualifier("arch", &self.arch);
        if let Some(epoch) = &self.epoch {
            purl = purl.qualifier("epoch", epoch);
        }
        if let Some((name, version)) = distro {
            purl = purl.qualifier("distro", &format!("{name}-{version}"));
        }
        purl
    }
}

/// Parses the output of a query with [`QUERY_FORMAT`], in its order. Lines that are not
/// package lines (`file /x is not owned by any package`) or lack a name, version or release are
/// skipped; fields are trimmed, and an empty field or `(none)` is no value.
#[must_use]
pub fn parse_query(output: &str) -> Vec<Package> {
    output
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, epoch, version, release, arch, vendor, license] = fields.as_slice() else {
                return None;
            };
            let optional = |value: &str| {
                Some(value.trim().to_string())
                    .filter(|value| !value.is_empty() && value != "(none)")
            };
            Some(Package {
                name: optional(name)?,
                epoch: optional(epoch),
                version: optional(version)?,
                release: optional(release)?,
                arch: optional(arch).unwrap_or_else(|| "noarch".to_string()),
                vendor: optional(vendor),
                license: optional(license),
            })
        })
        .collect()
}

/// Runs `rpm -q --qf QUERY_FORMAT <args>` and parses its output.
///
/// # Errors
/// `rpm` cannot be run, or exits non-zero (its standard error is the message).
pub fn query(rpm: &Path, args: &[&OsStr]) -> Result<Vec<Package>, String> {
    let output = Command::new(rpm)
        .args(["-q", "--qf", QUERY_FORMAT])
        .args(args)
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(parse_query(&String::from_utf8_lossy(&output.stdout)))
}

/// The RPM package that owns `file` (links resolved), with `rpm -q -f`. `None` when `rpm`
/// fails or no package owns the file.
#[must_use]
pub fn owning_package(rpm: &Path, file: &Path) -> Option<Package> {
    let file = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    query(rpm, &[OsStr::new("-f"), file.as_os_str()])
        .ok()?
        .into_iter()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A stand-in `rpm` that prints its arguments after the query format, one per line.
    fn echo_rpm(dir: &Path) -> std::path::PathBuf {
        let rpm = dir.join("rpm");
        std::fs::write(
            &rpm,
            "#!/bin/sh\n[ \"$1 $2\" = '-q --qf' ] || exit 3\nshift 3\nprintf 'pkg\\t(none)\\t1\\t2\\tx86_64\\tv\\t%s\\n' \"$*\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&rpm, std::fs::Permissions::from_mode(0o755)).unwrap();
        rpm
    }

    fn nodejs_rpm() -> Package {
        Package {
            name: "nodejs".into(),
            epoch: Some("1".into()),
            version: "20.11.1".into(),
            release: "1.module+el8.9.0+21380+12032667".into(),
            arch: "x86_64".into(),
            vendor: Some("Red Hat, Inc.".into()),
            license: Some("MIT and ASL 2.0 and ISC and BSD".into()),
        }
    }

    /// Moved from the Node.js buildpack (the vendor field added to its query).
    #[test]
    fn parses_rpm_query_output() {
        let output = "nodejs\t1\t20.11.1\t1.module+el8.9.0+21380+12032667\tx86_64\tRed Hat, Inc.\tMIT and ASL 2.0 and ISC and BSD\n\
                      npm\t1\t10.2.4\t1.20.11.1.1.module+el8.9.0+21380+12032667\tx86_64\tRed Hat, Inc.\tMIT and ISC\n\
                      file /usr/local/bin/x is not owned by any package\n\
                      nodejs-docs\t(none)\t20.11.1\t1.el9\tnoarch\tRed Hat, Inc.\tMIT\n";
        let packages = parse_query(output);
        assert_eq!(packages.len(), 3);
        assert_eq!(packages[0], nodejs_rpm());
        assert_eq!(packages[1].name, "npm");
        assert_eq!(packages[2].epoch, None);
        assert_eq!(
            packages[0].nvra(),
            "nodejs-20.11.1-1.module+el8.9.0+21380+12032667.x86_64"
        );
    }

    /// Moved from the Java buildpack (which sorts the packages by name after parsing).
    #[test]
    fn rpm_query_lines() {
        const RPM_OUTPUT: &str = "java-17-openjdk-headless\t1\t17.0.10.0.7\t2.el8\tx86_64\tRed Hat, Inc.\tASL 1.1 and GPLv2 with exceptions\n\
                                  java-17-openjdk-devel\t1\t17.0.10.0.7\t2.el8\tx86_64\tRed Hat, Inc.\tGPLv2 with exceptions\n\
                                  broken line\n\
                                  java-17-openjdk\t(none)\t17.0.10.0.7\t2.el8\tx86_64\t(none)\t(none)\n";
        let mut packages = parse_query(RPM_OUTPUT);
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            packages.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            [
                "java-17-openjdk",
                "java-17-openjdk-devel",
                "java-17-openjdk-headless"
            ]
        );
        assert_eq!(packages[0].epoch, None);
        assert_eq!(packages[0].vendor, None);
        assert_eq!(packages[1].epoch.as_deref(), Some("1"));
    }

    #[test]
    fn fields_are_trimmed_and_none_is_no_value() {
        let packages = parse_query(" a \t(none)\t1\t2\t\t(none)\t\nb\t0\t1\t\tx86_64\tv\tl\n");
        assert_eq!(
            packages,
            [Package {
                name: "a".into(),
                epoch: None,
                version: "1".into(),
                release: "2".into(),
                arch: "noarch".into(),
                vendor: None,
                license: None,
            }]
        );
    }

    #[test]
    fn rpm_purls() {
        let package = parse_query("java-17-openjdk\t1\t17.0.10.0.7\t2.el8\tx86_64\t\t\n")
            .pop()
            .unwrap();
        assert_eq!(
            package.purl(Some(("rhel", "8.9"))).to_string(),
            "pkg:rpm/redhat/java-17-openjdk@17.0.10.0.7-2.el8?arch=x86_64&epoch=1&distro=rhel-8.9"
        );
        assert_eq!(
            package.purl(Some(("fedora", "40"))).to_string(),
            "pkg:rpm/fedora/java-17-openjdk@17.0.10.0.7-2.el8?arch=x86_64&epoch=1&distro=fedora-40"
        );
        assert_eq!(
            package.purl(Some(("", ""))).to_string(),
            "pkg:rpm/redhat/java-17-openjdk@17.0.10.0.7-2.el8?arch=x86_64&epoch=1"
        );
    }

    #[test]
    fn queries_run_rpm() {
        let dir = tempfile::tempdir().unwrap();
        let rpm = echo_rpm(dir.path());
        let packages = query(&rpm, &[OsStr::new("-a"), OsStr::new("java-*")]).unwrap();
        assert_eq!(packages[0].license.as_deref(), Some("-a java-*"));
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let owner = owning_package(&rpm, &file).unwrap();
        assert_eq!(
            owner.license,
            Some(format!("-f {}", file.canonicalize().unwrap().display()))
        );
        assert!(query(Path::new("/nonexistent/rpm"), &[OsStr::new("-a")]).is_err());
        assert_eq!(
            owning_package(Path::new("/nonexistent/rpm"), Path::new("/usr/bin/node")),
            None
        );
    }
}
