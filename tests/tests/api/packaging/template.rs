//! `template.yaml`, parsed once: its functions (by `Metadata.BuildProperties.Binary`), their
//! HTTP API routes and resources, and the `Globals` they inherit.

use std::sync::OnceLock;

use yaml_rust2::{Yaml, YamlLoader};

use super::root;

/// An HTTP API route of the template; `$default` (no Path/Method) is `ANY $default`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Route {
    pub(super) method: String,
    pub(super) path: String,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

pub(super) struct Function {
    pub(super) logical_id: String,
    pub(super) binary: String,
    pub(super) routes: Vec<Route>,
    pub(super) resource: Yaml,
}

pub(super) struct Template {
    pub(super) doc: Yaml,
    pub(super) functions: Vec<Function>,
}

impl Template {
    pub(super) fn function(&self, binary: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.binary == binary)
    }

    /// The function's own property, else the one from `Globals.Function`.
    pub(super) fn effective<'a>(&'a self, f: &'a Function, key: &str) -> &'a Yaml {
        match &f.resource["Properties"][key] {
            Yaml::BadValue => &self.doc["Globals"]["Function"][key],
            own => own,
        }
    }

    /// A parameter's default (for properties given as `!Ref Parameter`).
    pub(super) fn parameter_default(&self, name: &str) -> &Yaml {
        &self.doc["Parameters"][name]["Default"]
    }
}

/// `template.yaml`, parsed once. CloudFormation tags (`!Ref`, `!Sub`, …) are tolerated by the
/// parser, which keeps the tagged value and drops the tag: `!Ref X` reads as the string `X`.
pub(super) fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
        let doc = YamlLoader::load_from_str(&text)
            .expect("template.yaml is YAML")
            .into_iter()
            .next()
            .expect("one document");
        let mut functions = Vec::new();
        for (id, res) in doc["Resources"].as_hash().expect("Resources") {
            if res["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let logical_id = id.as_str().expect("logical id").to_string();
            let binary = res["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{logical_id}: no Metadata.BuildProperties.Binary"))
                .to_string();
            let mut routes = Vec::new();
            if let Some(events) = res["Properties"]["Events"].as_hash() {
                for (name, event) in events {
                    if event["Type"].as_str() != Some("HttpApi") {
                        continue;
                    }
                    let p = &event["Properties"];
                    assert_eq!(
                        p["ApiId"].as_str(),
                        Some("HttpApi"),
                        "{logical_id}.{name:?}: route of another API"
                    );
                    routes.push(match (p["Method"].as_str(), p["Path"].as_str()) {
                        (None, None) => Route {
                            method: "ANY".into(),
                            path: "$default".into(),
                        },
                        (Some(m), Some(path)) => Route {
                            method: m.to_ascii_uppercase(),
                            path: path.to_string(),
                        },
                        _ => panic!("{logical_id}.{name:?}: needs both Method and Path"),
                    });
                }
            }
            functions.push(Function {
                logical_id,
                binary,
                routes,
                resource: res.clone(),
            });
        }
        Template { doc, functions }
    })
}
