//! The build plan an extension's detect writes: libcnb-data's [`BuildPlan`], provides only.

use libcnb_data::build_plan::{BuildPlan, BuildPlanBuilder, Provide};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

/// What an extension's `bin/detect` offers to the build plan: a libcnb-data [`BuildPlan`] that
/// only *provides* (with `or` alternatives), built like libcnb's [`BuildPlanBuilder`].
///
/// The spec allows an extension to provide only; this type has no way to express a `requires`,
/// so the lifecycle error "extension … outputs requires which is not allowed" cannot happen.
/// An extension is kept in the group only when a later buildpack requires one of its provides.
///
/// It serializes to the TOML libcnb-data writes for the same [`BuildPlan`]
/// ([`ExtensionPlan::to_build_plan`]), but without compiling the serializer of `requires`
/// (their metadata tables): 7 KiB less in every extension binary.
///
/// ```
/// use cnb_extension::ExtensionPlanBuilder;
///
/// // provides node, or (as an alternative) node and npm
/// let plan = ExtensionPlanBuilder::new()
///     .provides("node")
///     .or()
///     .provides("node")
///     .provides("npm")
///     .build();
/// let toml = toml::to_string(&plan).unwrap();
/// assert_eq!(
///     toml,
///     "[[provides]]\nname = \"node\"\n\n[[or]]\n\n[[or.provides]]\nname = \"node\"\n\n[[or.provides]]\nname = \"npm\"\n"
/// );
/// // The same TOML as libcnb-data's BuildPlan.
/// assert_eq!(toml, toml::to_string(&plan.to_build_plan()).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionPlan {
    names: Vec<Vec<String>>,
}

impl ExtensionPlan {
    /// The names provided by each alternative, the first being the plan's own `provides`.
    #[must_use]
    pub fn alternatives(&self) -> &[Vec<String>] {
        &self.names
    }

    /// The plan as libcnb-data's type, built with libcnb-data's [`BuildPlanBuilder`].
    pub fn to_build_plan(&self) -> BuildPlan {
        let mut builder = BuildPlanBuilder::new();
        for (index, names) in self.names.iter().enumerate() {
            if index > 0 {
                builder = builder.or();
            }
            for name in names {
                builder = builder.provides(name);
            }
        }
        builder.build()
    }
}

impl From<ExtensionPlan> for BuildPlan {
    fn from(plan: ExtensionPlan) -> Self {
        plan.to_build_plan()
    }
}

/// `provides` of one alternative, as libcnb-data's [`Provide`]s.
fn provides(names: &[String]) -> Vec<Provide> {
    names.iter().map(Provide::new).collect()
}

/// One `[[or]]` entry: libcnb-data's `Or` without `requires`.
struct Alternative<'a>(&'a [String]);

impl Serialize for Alternative<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut table = serializer.serialize_struct("Or", 1)?;
        if self.0.is_empty() {
            table.skip_field("provides")?;
        } else {
            table.serialize_field("provides", &provides(self.0))?;
        }
        table.end()
    }
}

impl Serialize for ExtensionPlan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (first, others): (&[String], &[Vec<String>]) = match self.names.split_first() {
            Some((first, others)) => (first, others),
            None => (&[], &[]),
        };
        let mut table = serializer.serialize_struct("BuildPlan", 2)?;
        if first.is_empty() {
            table.skip_field("provides")?;
        } else {
            table.serialize_field("provides", &provides(first))?;
        }
        if others.is_empty() {
            table.skip_field("or")?;
        } else {
            let or: Vec<Alternative<'_>> = others.iter().map(|names| Alternative(names)).collect();
            table.serialize_field("or", &or)?;
        }
        table.end()
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
    /// Starts a plan, with one empty alternative.
    pub fn new() -> Self {
        Self::default()
    }

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
        ExtensionPlan { names: self.done }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_alternative_has_no_or() {
        let plan = ExtensionPlanBuilder::new()
            .provides("jdk")
            .provides("jre")
            .build();
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
        let plan = ExtensionPlanBuilder::new()
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

    #[test]
    fn writes_what_libcnb_data_writes_for_the_same_build_plan() {
        for plan in [
            ExtensionPlanBuilder::new().build(),
            ExtensionPlanBuilder::new().provides("node").build(),
            ExtensionPlanBuilder::new()
                .provides("jdk")
                .provides("jre")
                .build(),
            ExtensionPlanBuilder::new()
                .provides("node")
                .or()
                .provides("node")
                .provides("npm")
                .build(),
            ExtensionPlanBuilder::new().or().provides("a").or().build(),
        ] {
            assert_eq!(
                toml::to_string(&plan).unwrap(),
                toml::to_string(&plan.to_build_plan()).unwrap(),
                "{plan:?}"
            );
            assert!(plan.to_build_plan().requires.is_empty());
        }
    }
}
