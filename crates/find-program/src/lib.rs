//! Finding a program on `PATH` for the companion buildpacks (`node`, `npm`, `javac`, `rpm`).
//!
//! A few lines instead of the `which` crate: `which` expands `~` with `std::env::home_dir`,
//! whose `getpwuid_r` fallback links glibc's NSS (and with it the DNS resolver) into a static
//! binary: about 140 KiB of each companion buildpack for a case that never occurs in a build image.
//!
//! ```
//! use std::path::Path;
//! use find_program::find_on_path;
//!
//! let sh = find_on_path("sh", Some("/nonexistent:/bin:/usr/bin".as_ref()), Path::new("/"));
//! assert_eq!(sh.as_deref(), Some(Path::new("/bin/sh")));
//! assert_eq!(find_on_path("sh", None, Path::new("/")), None);
//! ```

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// The first `<entry>/<name>` along `path` (a `PATH` value) that is a regular file (symbolic
/// links followed) with an execute bit, as `which` and shells look programs up: entries in
/// order; an empty entry is `cwd`, a relative one is relative to `cwd`; a leading `~` is `HOME`
/// (when set). `None` without a `PATH` or when no entry has the program.
#[must_use]
pub fn find_on_path(name: &str, path: Option<&OsStr>, cwd: &Path) -> Option<PathBuf> {
    find_with_home(
        name,
        path,
        cwd,
        std::env::var_os("HOME").as_deref().map(Path::new),
    )
}

fn find_with_home(
    name: &str,
    path: Option<&OsStr>,
    cwd: &Path,
    home: Option<&Path>,
) -> Option<PathBuf> {
    std::env::split_paths(path?).find_map(|entry| {
        let mut components = entry.components();
        let dir = match (components.next(), home) {
            (Some(Component::Normal(first)), Some(home)) if first == "~" => {
                home.join(components.as_path())
            }
            _ => cwd.join(&entry),
        };
        let candidate = dir.join(name);
        std::fs::metadata(&candidate)
            .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
            .then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn write(path: &Path, mode: u32) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// `name` on `path`, absolute entries only (no working directory or home to resolve).
    fn find_on(name: &str, path: &OsStr) -> Option<PathBuf> {
        find_with_home(name, Some(path), Path::new("/"), None)
    }

    #[test]
    fn first_executable_file_in_path_order() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(&root.join("a/tool"), 0o644); // not executable
        std::fs::create_dir_all(root.join("b/tool")).unwrap(); // a directory
        write(&root.join("c/tool"), 0o755);
        write(&root.join("d/tool"), 0o755);
        let path = std::env::join_paths(["a", "b", "c", "d"].map(|dir| root.join(dir))).unwrap();
        assert_eq!(find_on("tool", &path), Some(root.join("c/tool")));
        assert_eq!(find_on("other", &path), None);
        assert_eq!(find_with_home("tool", None, Path::new("/"), None), None);
    }

    #[test]
    fn symlinks_are_followed() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(&root.join("real/tool"), 0o755);
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::os::unix::fs::symlink(root.join("real/tool"), root.join("bin/tool")).unwrap();
        std::os::unix::fs::symlink(root.join("missing"), root.join("bin/dangling")).unwrap();
        let path = root.join("bin").into_os_string();
        assert_eq!(find_on("tool", &path), Some(root.join("bin/tool")));
        assert_eq!(find_on("dangling", &path), None);
    }

    #[test]
    fn empty_relative_and_home_entries() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(&root.join("tool"), 0o755);
        write(&root.join("rel/bin/relative-tool"), 0o755);
        write(&root.join("home/bin/home-tool"), 0o755);
        let path = OsString::from(":rel/bin:~/bin");
        let find = |name, home: Option<&Path>| find_with_home(name, Some(&path), root, home);
        assert_eq!(find("tool", None), Some(root.join("tool")));
        assert_eq!(
            find("relative-tool", None),
            Some(root.join("rel/bin/relative-tool"))
        );
        assert_eq!(
            find("home-tool", Some(&root.join("home"))),
            Some(root.join("home/bin/home-tool"))
        );
        // Without HOME, `~` is a relative directory like any other.
        assert_eq!(find("home-tool", None), None);
    }
}
