//! The typed builder configuration, as pack's `builder.Config` reads `builder.toml`.

use serde::Deserialize;

/// pack's builder `Config`, as far as the checks and `packager builder create` need it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuilderConfig {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub buildpacks: Vec<ModuleConfig>,
    #[serde(default)]
    pub extensions: Vec<ModuleConfig>,
    #[serde(default)]
    pub order: Vec<OrderGroup>,
    #[serde(default)]
    pub order_extensions: Vec<OrderGroup>,
    #[serde(default)]
    pub stack: StackConfig,
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
    #[serde(default)]
    pub run: RunConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
    #[serde(default)]
    pub system: SystemConfig,
}

/// A `[[buildpacks]]` or `[[extensions]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModuleConfig {
    pub id: Option<String>,
    pub version: Option<String>,
    pub uri: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderGroup {
    #[serde(default)]
    pub group: Vec<GroupEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupEntry {
    pub id: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StackConfig {
    pub id: Option<String>,
    pub build_image: Option<String>,
    pub run_image: Option<String>,
    /// `None` when the file leaves it out (pack writes that as `null`, an empty list as `[]`).
    pub run_image_mirrors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LifecycleConfig {
    pub uri: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunConfig {
    #[serde(default)]
    pub images: Vec<RunImageConfig>,
}

/// A run image and its mirrors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RunImageConfig {
    #[serde(default)]
    pub image: String,
    /// `None` when the file leaves it out (pack writes that as `null`, an empty list as `[]`).
    pub mirrors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BuildConfig {
    pub image: Option<String>,
    #[serde(default)]
    pub env: Vec<BuildEnv>,
}

/// A `[[build.env]]` entry: `/cnb/build-config/env/<name>[.<suffix>]` in the builder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BuildEnv {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub delim: String,
    #[serde(default)]
    pub exec_env: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetConfig {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub distros: Vec<DistroConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DistroConfig {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemConfig {
    #[serde(default)]
    pub pre: SystemBuildpacks,
    #[serde(default)]
    pub post: SystemBuildpacks,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemBuildpacks {
    #[serde(default)]
    pub buildpacks: Vec<GroupEntry>,
}
