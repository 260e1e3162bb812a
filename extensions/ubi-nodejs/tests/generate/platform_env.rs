//! `<platform>/env` as a cluster may mount it: the extension reads only the variable it uses
//! (`BP_UBI_RUN_IMAGE_OVERRIDE`), bounded; the other files are never opened.

use crate::support::{NODEJS, plan};

#[test]
fn it_reads_only_the_variables_it_uses_each_bounded() {
    NODEJS.assert_reads_only_its_settings(
        "node-npm-engines",
        &plan(&[(Some("package.json"), "~22")]),
        ("BP_UBI_RUN_IMAGE_OVERRIDE", "localhost/my/run-node:22"),
        "Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/my/run-node:22",
        &["BP_UBI_RUN_IMAGE_OVERRIDE"],
    );
}
