//! Compose / Swarm stack front end: `services.*.image`, placement (`isolation`, `platform`,
//! `deploy.placement.constraints`) and `build:` Dockerfiles, with variable interpolation.
//!
//! Positions: a reference's line and column are those of the image *value* where it is
//! written. For a value reached through an alias (`image: *img`) or a merge key (`<<: *base`),
//! that is the anchored original, not the alias or the `<<` line: that is the text to change,
//! and where a `# winfit ignore=` comment goes. Each service that uses it gets its own
//! reference (the workload differs); within a service an explicit key overrides a merged one,
//! so there are no duplicates.

use crate::extract::interpolate::{InterpolateError, interpolate};
use crate::extract::yaml::{self, Node, Value};
use crate::extract::{reference, suppress};
use crate::lint::catalogue::{WF000, WF010};
use crate::model::{Extraction, Placement, RefContext, Reference};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub fn extract(file: &str, text: &str, env: &BTreeMap<String, String>) -> Extraction {
    let mut out = Extraction {
        suppressions: suppress::scan(text),
        ..Extraction::default()
    };
    for doc in yaml::parse_documents(text) {
        match doc {
            Ok(doc) => {
                if let Some(services) = doc.get("services").and_then(Node::as_map) {
                    for (name, service) in services {
                        extract_service(file, name, service, env, &mut out);
                    }
                }
            }
            Err(e) => out.findings.push(WF000.finding(
                file,
                e.pos,
                None,
                format!("invalid YAML: {}", e.message),
                "Fix the YAML syntax; the rest of the file could not be read.",
            )),
        }
    }
    out
}

fn interpolation_help(e: &InterpolateError) -> String {
    match e {
        InterpolateError::Unset(v) | InterpolateError::Required { var: v, .. } => format!(
            "Set {v} in the environment or in a .env file beside the compose file, or give it a default (${{{v}:-value}})."
        ),
        InterpolateError::Syntax(_) => {
            "Fix the interpolation syntax (use $$ for a literal $).".to_string()
        }
    }
}

/// Interpolate a scalar, or `None` (errors are not reported: only the image matters).
fn text_of(node: &Node, env: &BTreeMap<String, String>) -> Option<String> {
    let raw = node.scalar_text()?;
    interpolate(&raw, env).ok()
}

fn extract_service(
    file: &str,
    name_node: &Node,
    service: &Node,
    env: &BTreeMap<String, String>,
    out: &mut Extraction,
) {
    let Some(name) = name_node.scalar_text() else {
        return;
    };
    if service.as_map().is_none() {
        return;
    }

    if let Some((build_key, build)) = service.entry("build")
        && let Some(path) = build_dockerfile(build, env)
    {
        out.dockerfiles.push((path, build_key.pos.line));
    }

    let Some(image) = service.get("image") else {
        return;
    };
    if image.is_null() {
        return;
    }
    let pos = image.defined;
    let Some(raw) = image.as_str() else {
        out.findings.push(WF010.finding(
            file,
            pos,
            None,
            format!(
                "service {name}: `image` is a {}, not a string",
                image.type_name()
            ),
            "Write the image reference as a string: image: registry/repository:tag",
        ));
        return;
    };

    let placement = placement(&name, service, env);
    let mut r = Reference {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        raw: raw.to_string(),
        image: None,
        context: RefContext::Compose,
        stage: None,
        is_final_stage: true,
        os_version: None,
        source: None,
        placement,
    };
    match interpolate(raw, env) {
        Ok(expanded) => match reference::parse(&expanded) {
            Ok(parsed) => r.image = Some(parsed.normalized()),
            Err(e) => out.findings.push(WF010.finding(
                file,
                pos,
                None,
                format!("service {name}: {e}"),
                "Write a valid image reference (registry/repository:tag).",
            )),
        },
        Err(e) => out.findings.push(WF010.finding(
            file,
            pos,
            None,
            format!("service {name}: image {raw:?} cannot be determined: {e}"),
            interpolation_help(&e),
        )),
    }
    out.references.push(r);
}

fn placement(name: &str, service: &Node, env: &BTreeMap<String, String>) -> Placement {
    let mut p = Placement {
        workload: Some(name.to_string()),
        ..Placement::default()
    };
    p.isolation = service.get("isolation").and_then(|n| text_of(n, env));
    p.platform = service.get("platform").and_then(|n| text_of(n, env));
    p.swarm = service.get("deploy").is_some();
    if let Some(constraints) = service.path(&["deploy", "placement", "constraints"]) {
        match &constraints.value {
            Value::Seq(items) => p
                .constraints
                .extend(items.iter().filter_map(|n| text_of(n, env))),
            // Tolerated: a single constraint written as a string.
            Value::Str(_) => p.constraints.extend(text_of(constraints, env)),
            _ => {}
        }
    }
    p
}

/// The Dockerfile a `build:` section names, relative to the compose file's directory.
/// `None` for inline Dockerfiles, remote contexts and values that cannot be interpolated.
fn build_dockerfile(build: &Node, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let (context, dockerfile) = match &build.value {
        Value::Str(_) => (text_of(build, env)?, "Dockerfile".to_string()),
        Value::Map(_) => {
            if build.get("dockerfile_inline").is_some_and(|n| !n.is_null()) {
                return None;
            }
            let context = match build.get("context") {
                Some(n) if !n.is_null() => text_of(n, env)?,
                _ => ".".to_string(),
            };
            let dockerfile = match build.get("dockerfile") {
                Some(n) if !n.is_null() => text_of(n, env)?,
                _ => "Dockerfile".to_string(),
            };
            (context, dockerfile)
        }
        _ => return None,
    };
    let context = context.trim();
    let dockerfile = dockerfile.trim();
    if context.contains("://") || context.starts_with("git@") || dockerfile.is_empty() {
        return None;
    }
    // Windows-authored files write `.\src\web`: use `/` so the path works everywhere.
    let context = context.replace('\\', "/");
    let dockerfile = dockerfile.replace('\\', "/");
    let joined = Path::new(&context).join(&dockerfile);
    let cleaned: PathBuf = joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    (!cleaned.as_os_str().is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Position;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn images(x: &Extraction) -> Vec<(Option<&str>, usize, usize)> {
        x.references
            .iter()
            .map(|r| (r.image.as_deref(), r.line, r.column))
            .collect()
    }

    #[test]
    fn images_with_value_positions() {
        let text = "\
services:
  web:
    image: mcr.microsoft.com/windows/servercore:ltsc2019
  db:
    image: \"mcr.microsoft.com/mssql/server:2022-latest\"
  builder:
    build: .
";
        let x = extract("c.yml", text, &BTreeMap::new());
        assert_eq!(
            images(&x),
            vec![
                (Some("mcr.microsoft.com/windows/servercore:ltsc2019"), 3, 12),
                (Some("mcr.microsoft.com/mssql/server:2022-latest"), 5, 12),
            ]
        );
        let r = &x.references[0];
        assert_eq!(r.raw, "mcr.microsoft.com/windows/servercore:ltsc2019");
        assert_eq!(r.context, RefContext::Compose);
        assert!(r.is_final_stage);
        assert_eq!(r.placement.workload.as_deref(), Some("web"));
        assert!(x.findings.is_empty());
        assert_eq!(x.dockerfiles, vec![(PathBuf::from("Dockerfile"), 7)]);
    }

    #[test]
    fn anchors_and_merge_keys_report_where_the_value_is() {
        let text = "\
x-base: &base
  image: mcr.microsoft.com/windows/nanoserver:ltsc2022
  isolation: process
x-img: &img mcr.microsoft.com/windows/servercore:ltsc2022
services:
  a:
    <<: *base
  b:
    <<: *base
    image: mcr.microsoft.com/windows/servercore:ltsc2019
  c:
    image: *img
";
        let x = extract("c.yml", text, &BTreeMap::new());
        assert_eq!(
            images(&x),
            vec![
                (Some("mcr.microsoft.com/windows/nanoserver:ltsc2022"), 2, 10),
                (
                    Some("mcr.microsoft.com/windows/servercore:ltsc2019"),
                    10,
                    12
                ),
                (Some("mcr.microsoft.com/windows/servercore:ltsc2022"), 4, 13),
            ]
        );
        assert_eq!(
            x.references[0].placement.isolation.as_deref(),
            Some("process")
        );
        assert_eq!(
            x.references[1].placement.isolation.as_deref(),
            Some("process")
        );
        assert_eq!(x.references[2].placement.workload.as_deref(), Some("c"));
    }

    #[test]
    fn interpolation_from_env() {
        let text = "\
services:
  web:
    image: ${REGISTRY-}windows/servercore:${TAG:-ltsc2019}
  app:
    image: $REG/app:$TAG
  site:
    image: \"${SITECORE_DOCKER_REGISTRY}sitecore-xp0-cm:${SITECORE_VERSION}\"
    isolation: ${ISOLATION}
  money:
    image: app:$$1
";
        let e = env(&[
            ("REGISTRY", "mcr.microsoft.com/"),
            ("REG", "example.com"),
            ("TAG", "1.0"),
            ("SITECORE_DOCKER_REGISTRY", "scr.sitecore.com/sxp/"),
            ("SITECORE_VERSION", "10.3-ltsc2022"),
            ("ISOLATION", "hyperv"),
        ]);
        let x = extract("c.yml", text, &e);
        assert_eq!(
            images(&x).into_iter().map(|i| i.0).collect::<Vec<_>>(),
            vec![
                Some("mcr.microsoft.com/windows/servercore:1.0"),
                Some("example.com/app:1.0"),
                Some("scr.sitecore.com/sxp/sitecore-xp0-cm:10.3-ltsc2022"),
                None,
            ]
        );
        assert_eq!(
            x.references[0].raw,
            "${REGISTRY-}windows/servercore:${TAG:-ltsc2019}"
        );
        assert_eq!(
            x.references[2].placement.isolation.as_deref(),
            Some("hyperv")
        );
        // `app:$1` is not a valid reference.
        assert_eq!(x.findings.len(), 1);
        assert_eq!(x.findings[0].rule, "WF010");

        let x = extract("c.yml", text, &BTreeMap::new());
        assert_eq!(
            x.references[0].image.as_deref(),
            Some("docker.io/windows/servercore:ltsc2019")
        );
        assert_eq!(x.references[1].image, None);
        let msgs: Vec<&str> = x.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(msgs[0].contains("REG is not set"), "{msgs:?}");
        assert!(msgs[1].contains("SITECORE_DOCKER_REGISTRY"), "{msgs:?}");
        assert!(
            x.findings
                .iter()
                .all(|f| f.rule == "WF010" && f.image.is_none())
        );
        assert_eq!(x.findings[0].line, 5);
    }

    #[test]
    fn required_variable_message() {
        let text = "services:\n  web:\n    image: \"app:${TAG:?set TAG to a Windows build}\"\n";
        let x = extract("c.yml", text, &BTreeMap::new());
        assert_eq!(x.references.len(), 1);
        assert_eq!(x.references[0].image, None);
        let f = &x.findings[0];
        assert_eq!((f.rule, f.line, f.column), ("WF010", 3, 12));
        assert!(
            f.message.contains("set TAG to a Windows build"),
            "{}",
            f.message
        );
    }

    #[test]
    fn dotenv_values_as_env() {
        let dotenv = crate::extract::interpolate::parse_dotenv("TAG=ltsc2022\n# c\n");
        let x = extract(
            "c.yml",
            "services:\n  w:\n    image: mcr.microsoft.com/windows/nanoserver:${TAG}\n",
            &dotenv,
        );
        assert_eq!(
            x.references[0].image.as_deref(),
            Some("mcr.microsoft.com/windows/nanoserver:ltsc2022")
        );
    }

    #[test]
    fn placement_fields() {
        let text = "\
services:
  web:
    image: app:1
    isolation: process
    platform: windows/amd64
    deploy:
      placement:
        constraints:
          - node.platform.os == windows
          - 'node.labels.os.build == ${BUILD}'
  flow:
    image: app:2
    deploy:
      placement:
        constraints: [node.platform.os == linux]
";
        let x = extract("c.yml", text, &env(&[("BUILD", "17763")]));
        let p = &x.references[0].placement;
        assert_eq!(p.isolation.as_deref(), Some("process"));
        assert_eq!(p.platform.as_deref(), Some("windows/amd64"));
        assert_eq!(
            p.constraints,
            vec![
                "node.platform.os == windows",
                "node.labels.os.build == 17763"
            ]
        );
        assert_eq!(p.workload.as_deref(), Some("web"));
        assert_eq!(
            x.references[1].placement.constraints,
            vec!["node.platform.os == linux"]
        );
    }

    #[test]
    fn build_followups() {
        let text = "\
services:
  a:
    build: ./web
  b:
    build:
      context: .\\src\\app
      dockerfile: Dockerfile.windows
  c:
    build:
      context: ..
      dockerfile: .\\Docker\\Dockerfile 
  d:
    build:
      dockerfile: Dockerfile.1809
  e:
    build:
      context: .
      dockerfile_inline: |
        FROM scratch
  f:
    build: https://github.com/docker/rootfs.git#main
  g:
    build:
      context: ${CTX}
  h:
    build:
      context: ${NOPE}
  i:
    build:
      context: ctx
      dockerfile: /abs/Dockerfile
";
        let x = extract("c.yml", text, &env(&[("CTX", "svc")]));
        let got: Vec<(String, usize)> = x
            .dockerfiles
            .iter()
            .map(|(p, l)| (p.to_string_lossy().replace('\\', "/"), *l))
            .collect();
        let want: Vec<(String, usize)> = [
            ("web/Dockerfile", 3),
            ("src/app/Dockerfile.windows", 5),
            ("../Docker/Dockerfile", 9),
            ("Dockerfile.1809", 13),
            ("svc/Dockerfile", 23),
            ("/abs/Dockerfile", 29),
        ]
        .into_iter()
        .map(|(p, l)| (p.to_string(), l))
        .collect();
        assert_eq!(got, want);
        assert!(x.references.is_empty());
        assert!(x.findings.is_empty());
    }

    #[test]
    fn odd_image_values() {
        let text = "\
services:
  num:
    image: 1809
  map:
    image: {name: x}
  empty:
    image: ''
  null:
    image:
  notmap: 3
";
        let x = extract("c.yml", text, &BTreeMap::new());
        let lines: Vec<(&str, usize)> = x.findings.iter().map(|f| (f.rule, f.line)).collect();
        assert_eq!(lines, vec![("WF010", 3), ("WF010", 5), ("WF010", 7)]);
        // `image: 1809` is not a string; the empty one is a reference that cannot be parsed.
        assert_eq!(x.references.len(), 1);
        assert_eq!(x.references[0].image, None);
    }

    #[test]
    fn parse_error_is_wf000_with_line() {
        let x = extract(
            "c.yml",
            "services:\n  web:\n    image: [a\n",
            &BTreeMap::new(),
        );
        assert_eq!(x.findings.len(), 1);
        let f = &x.findings[0];
        assert_eq!(f.rule, "WF000");
        assert!(f.line >= 3, "{f:?}");
    }

    #[test]
    fn suppressions_are_scanned() {
        let text = "services:\n  web:\n    # winfit ignore=WF008\n    image: app:1\n";
        let x = extract("c.yml", text, &BTreeMap::new());
        assert_eq!(
            x.suppressions.by_line.get(&4),
            Some(&vec!["WF008".to_string()])
        );
        assert_eq!(
            Position {
                line: x.references[0].line,
                column: x.references[0].column
            },
            Position {
                line: 4,
                column: 12
            }
        );
    }
}
