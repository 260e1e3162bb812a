//! Files a test writes: a directory of files (an app, a cgroup tree), an executable script
//! standing in for a program (`rpm`, `javac`, `node`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A temporary directory holding `files`, each a (relative path, content) pair; the parent
/// directories are made.
#[must_use]
pub fn dir_with_files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, content) in files {
        let path = dir.path().join(path);
        let parent = path.parent().expect("a file's path has a parent");
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", parent.display()));
        std::fs::write(&path, content)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }
    dir
}

/// Writes `script` (e.g. `#!/bin/sh\necho v20.11.1\n`) to `path` with mode 0755.
pub fn write_executable(path: &Path, script: &str) {
    std::fs::write(path, script)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|error| panic!("cannot make {} executable: {error}", path.display()));
}
