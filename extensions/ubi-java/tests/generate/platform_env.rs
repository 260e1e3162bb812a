//! `<platform>/env` as a cluster may mount it: the extension reads only the variables it uses
//! (`BP_JVM_VERSION`, `BP_UBI_RUN_IMAGE_OVERRIDE`), each bounded; the other files are never
//! opened.

use crate::support::{JAVA, plan};

#[test]
fn it_reads_only_the_variables_it_uses_each_bounded() {
    JAVA.assert_reads_only_its_settings(
        "java-maven-release-21",
        &plan(Some(("21", "pom.xml"))),
        ("BP_JVM_VERSION", "17"),
        "Selected Java major version 17",
        &["BP_JVM_VERSION", "BP_UBI_RUN_IMAGE_OVERRIDE"],
    );
}
