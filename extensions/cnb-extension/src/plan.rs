//! The build plan an extension's detect writes: libcnb-data's [`BuildPlan`], provides only.

use libcnb_data::build_plan::{BuildPlan, BuildPlanBuilder};
use serde::Serialize;

/// What an extension's `bin/detect` offers to the build plan: a libcnb-data [`BuildPlan`] that
/// only *provides* (with `or` alternatives), built like libcnb's [`BuildPlanBuilder`].
///
/// The spec allows an extension to provide only; this type has no way to express a `requires`,
/// so the lifecycle error "extension … outputs requires which is not allowed" cannot happen.
/// An extension is kept in the group only when a later buildpack requires one of its provides.
///
/// ```
/// use cnb_extension::ExtensionPlan;
///
/// // provides node, or (as an alternative) node and npm
/// let plan = ExtensionPlan::new()
///     .provides("node")
///     .or()
///     .provides("node")
///     .provides("npm")
///     .build();
/// assert_eq!(
///     toml::to_string(&plan).unwrap(),
///     "[[provides]]\nname = \"node\"\n\n[[or]]\n\n[[or.provides]]\nname = \"node\"\n\n[[or.provides]]\nname = \"npm\"\n"
/// );
/// // The same TOML as libcnb-data's BuildPlan, which it is.
/// assert!(plan.as_build_plan().requires.is_empty());
/// ```
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ExtensionPlan {
    build_plan: BuildPlan,
    #[serde(skip)]
    names: Vec<Vec<String>>,
}

impl ExtensionPlan {
    /// Starts a plan.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> ExtensionPlanBuilder {
        ExtensionPlanBuilder::default()
    }

    /// The names provided by each alternative, the first being the plan's own `provides`.
    #[must_use]
    pub fn alternatives(&self) -> &[Vec<String>] {
        &self.names
    }

    /// The plan as libcnb-data's type.
    pub fn as_build_plan(&self) -> &BuildPlan {
        &self.build_plan
    }

    /// The plan as libcnb-data's type.
    pub fn into_build_plan(self) -> BuildPlan {
        self.build_plan
    }
}

impl From<ExtensionPlan> for BuildPlan {
    fn from(plan: ExtensionPlan) -> Self {
        plan.build_plan
    }
}

/// Builds an [`ExtensionPlan`], as libcnb's [`BuildPlanBuilder`] builds a [`BuildPlan`] but
/// without `requires`: `provides` adds to the current alternative, `or` starts the next.
#[derive(Debug, Default)]
#[must_use]
pub struct ExtensionPlanBuilder {
    done: Vec<Vec<String>>,
    current: Vec<String>,
}

impl ExtensionPlanBuilder {
    /// Provides `name` in the current alternative.
    pub fn provides(mut self, name: impl Into<String>) -> Self {
        self.current.push(name.into());
        self
    }

    /// Starts another alternative.
    pub fn or(mut self) -> Self {
        self.done.push(std::mem::take(&mut self.current));
        self
    }

    /// The plan.
    #[must_use]
    pub fn build(mut self) -> ExtensionPlan {
        self.done.push(std::mem::take(&mut self.current));
        let mut builder = BuildPlanBuilder::new();
        for (index, names) in self.done.iter().enumerate() {
            if index > 0 {
                builder = builder.or();
            }
            for name in names {
                builder = builder.provides(name);
            }
        }
        ExtensionPlan {
            build_plan: builder.build(),
            names: self.done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_alternative_has_no_or() {
        let plan = ExtensionPlan::new().provides("jdk").provides("jre").build();
        assert_eq!(
            toml::to_string(&plan).unwrap(),
            "[[provides]]\nname = \"jdk\"\n\n[[provides]]\nname = \"jre\"\n"
        );
        assert_eq!(
            plan.alternatives(),
            [vec!["jdk".to_string(), "jre".to_string()]]
        );
    }

    #[test]
    fn three_alternatives() {
        let plan = ExtensionPlan::new()
            .provides("jdk")
            .provides("jre")
            .or()
            .provides("jdk")
            .or()
            .provides("jre")
            .build();
        let value: toml::Table = toml::from_str(&toml::to_string(&plan).unwrap()).unwrap();
        assert_eq!(value["provides"].as_array().unwrap().len(), 2);
        assert_eq!(value["or"].as_array().unwrap().len(), 2);
        assert!(!value.contains_key("requires"));
    }
}
