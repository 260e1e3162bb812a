//! The images of `tests/e2e/stack/build.sh` (`stack.env`), and the static run image.

use crate::{STATIC_RUN_IMAGE, e2e_dir};
use cnb_harness::command::{output_text, run_ok};
use cnb_harness::{Podman, RootFs, STATIC_RUN_GID, STATIC_RUN_UID, workspace_root};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

/// The images of `tests/e2e/stack/build.sh`, as its `stack.env` lists them.
#[derive(Debug)]
pub struct Stack {
    values: BTreeMap<String, String>,
}

impl Stack {
    /// Builds the stack (once per process; the script itself skips what is up to date) and the
    /// static run image.
    pub fn get() -> &'static Stack {
        static STACK: OnceLock<Stack> = OnceLock::new();
        STACK.get_or_init(|| {
            let script = workspace_root().join("tests/e2e/stack/build.sh");
            let built = run_ok(&mut Command::new(&script));
            eprintln!("{}", output_text(&built).trim_end());
            let env_file = e2e_dir().join("stack.env");
            let text = std::fs::read_to_string(&env_file)
                .unwrap_or_else(|error| panic!("read {}: {error}", env_file.display()));
            let values = text
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            let stack = Stack { values };
            Stack::import_static_run_image();
            stack
        })
    }

    /// A value of `stack.env` (e.g. `NODE_RUN_IMAGE`).
    #[must_use]
    pub fn value(&self, key: &str) -> &str {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("stack.env has no {key}: {:?}", self.values))
    }

    /// Paketo's static run image (CA bundle, tzdata, passwd; no shell, no libc) with the
    /// distro labels of Paketo's jammy static run image.
    fn import_static_run_image() {
        let podman = Podman::locate();
        // The previous run's, which the new import would leave dangling.
        let _ = podman.output(&["rmi", STATIC_RUN_IMAGE]);
        let image = podman.import_rootfs(
            RootFs::static_run_image(STATIC_RUN_UID, STATIC_RUN_GID),
            STATIC_RUN_IMAGE,
            &[
                &format!("USER {STATIC_RUN_UID}:{STATIC_RUN_GID}"),
                "LABEL io.buildpacks.stack.id=io.buildpacks.stacks.jammy.static",
                "LABEL io.buildpacks.base.distro.name=ubuntu",
                "LABEL io.buildpacks.base.distro.version=22.04",
            ],
        );
        image.keep();
    }
}
