//! Kubernetes front end: every container image of every pod spec in every document.
//!
//! Pod specs are found by shape, not by kind: a mapping whose `containers` is a non-empty
//! sequence of mappings that carry `name` or `image` (and at least one `image`). That covers
//! Pods, every workload's pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob), `List` items and unknown kinds (CRDs) that embed a pod
//! spec, and it never mistakes another `image:` key (an Azure VM image, a CAPZ machine
//! template's `image: {computeGallery: …}`) for a container image.
//!
//! The workload of a reference is `Kind/name` of the innermost object (a mapping with
//! `apiVersion` and `kind`) around the pod spec; placement comes from the pod spec.

use crate::extract::yaml::{self, Node, Value};
use crate::extract::{reference, suppress};
use crate::lint::catalogue::{WF000, WF010};
use crate::model::{AffinityExpr, Extraction, Placement, RefContext, Reference, Toleration};

pub fn extract(file: &str, text: &str) -> Extraction {
    let mut out = Extraction {
        suppressions: suppress::scan(text),
        ..Extraction::default()
    };
    for doc in yaml::parse_documents(text) {
        match doc {
            Ok(doc) if yaml::is_kubernetes(&doc) => visit(file, &doc, "", &mut out),
            Ok(_) => {}
            Err(e) => out.findings.push(WF000.finding(
                file,
                e.pos,
                None,
                format!("invalid YAML: {}", e.message),
                "Fix the YAML syntax; the other documents of the file were still read.",
            )),
        }
    }
    out
}

/// `Kind/name` of an object (a mapping with scalar `apiVersion` and `kind`), if it is one.
fn object_name(node: &Node) -> Option<String> {
    node.get("apiVersion")?.scalar_text()?;
    let kind = node.get("kind")?.scalar_text()?;
    let name = node
        .path(&["metadata", "name"])
        .or_else(|| node.path(&["metadata", "generateName"]))
        .and_then(Node::scalar_text);
    Some(match name {
        Some(n) => format!("{kind}/{n}"),
        None => kind,
    })
}

fn visit(file: &str, node: &Node, workload: &str, out: &mut Extraction) {
    match &node.value {
        Value::Map(entries) => {
            let own = object_name(node);
            let workload = own.as_deref().unwrap_or(workload);
            if is_pod_spec(node) {
                pod_spec(file, node, workload, out);
                return;
            }
            for (_, v) in entries {
                visit(file, v, workload, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| visit(file, n, workload, out)),
        _ => {}
    }
}

/// A mapping whose `containers` is a non-empty sequence of container-shaped mappings.
pub fn is_pod_spec(node: &Node) -> bool {
    let Some(containers) = node.get("containers").and_then(Node::as_seq) else {
        return false;
    };
    !containers.is_empty()
        && containers
            .iter()
            .all(|c| c.as_map().is_some() && (c.get("name").is_some() || c.get("image").is_some()))
        && containers.iter().any(|c| c.get("image").is_some())
}

fn pod_spec(file: &str, spec: &Node, workload: &str, out: &mut Extraction) {
    let placement = placement(spec, workload);
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(containers) = spec.get(list).and_then(Node::as_seq) else {
            continue;
        };
        for c in containers {
            let Some(image) = c.get("image") else {
                continue;
            };
            container_image(file, c, image, list, &placement, out);
        }
    }
}

fn container_image(
    file: &str,
    container: &Node,
    image: &Node,
    list: &str,
    placement: &Placement,
    out: &mut Extraction,
) {
    let pos = image.defined;
    let who = match container.get("name").and_then(Node::scalar_text) {
        Some(n) => format!(
            "{} {list}[{n}]",
            placement.workload.as_deref().unwrap_or("?")
        ),
        None => format!("{} {list}", placement.workload.as_deref().unwrap_or("?")),
    };
    let Some(raw) = image.as_str() else {
        if !image.is_null() {
            out.findings.push(WF010.finding(
                file,
                pos,
                None,
                format!("{who}: `image` is a {}, not a string", image.type_name()),
                "Write the image reference as a string: image: registry/repository:tag",
            ));
        }
        return;
    };
    let mut r = Reference {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        raw: raw.to_string(),
        image: None,
        context: RefContext::Kubernetes,
        stage: None,
        is_final_stage: true,
        os_version: None,
        source: None,
        placement: placement.clone(),
    };
    if let Some(hp) = container.path(&["securityContext", "windowsOptions", "hostProcess"]) {
        r.placement.host_process = hp.scalar_text().is_some_and(|t| t == "true");
    }
    match reference::parse(raw) {
        Ok(parsed) => r.image = Some(parsed.normalized()),
        Err(e) => out.findings.push(WF010.finding(
            file,
            pos,
            None,
            format!("{who}: {e}"),
            "Write a valid image reference (registry/repository:tag); placeholders must be \
             substituted before the manifest is linted.",
        )),
    }
    out.references.push(r);
}

fn placement(spec: &Node, workload: &str) -> Placement {
    let mut p = Placement {
        workload: (!workload.is_empty()).then(|| workload.to_string()),
        host_process: spec
            .path(&["securityContext", "windowsOptions", "hostProcess"])
            .and_then(Node::scalar_text)
            .is_some_and(|t| t == "true"),
        ..Placement::default()
    };
    if let Some(selector) = spec.get("nodeSelector").and_then(Node::as_map) {
        for (k, v) in selector {
            if let (Some(k), Some(v)) = (k.scalar_text(), v.scalar_text()) {
                p.node_selector.insert(k, v);
            }
        }
    }
    let terms = spec
        .path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for term in terms {
        // A term with only `matchFields` is not a label constraint; it is left out.
        let Some(exprs) = term.get("matchExpressions").and_then(Node::as_seq) else {
            continue;
        };
        let exprs: Vec<AffinityExpr> = exprs
            .iter()
            .filter_map(|e| {
                Some(AffinityExpr {
                    key: e.get("key")?.scalar_text()?,
                    operator: e.get("operator")?.scalar_text()?,
                    values: e
                        .get("values")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::scalar_text)
                        .collect(),
                })
            })
            .collect();
        if !exprs.is_empty() {
            p.node_affinity.push(exprs);
        }
    }
    p.runtime_class = spec.get("runtimeClassName").and_then(Node::scalar_text);
    if let Some(tolerations) = spec.get("tolerations").and_then(Node::as_seq) {
        for t in tolerations.iter().filter(|t| t.as_map().is_some()) {
            let field = |k: &str| t.get(k).and_then(Node::scalar_text);
            p.tolerations.push(Toleration {
                key: field("key"),
                operator: field("operator"),
                value: field("value"),
                effect: field("effect"),
            });
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(x: &Extraction) -> Vec<(String, Option<String>, usize, usize)> {
        x.references
            .iter()
            .map(|r| {
                (
                    r.placement.workload.clone().unwrap_or_default(),
                    r.image.clone(),
                    r.line,
                    r.column,
                )
            })
            .collect()
    }

    fn template(kind: &str, api: &str, prefix: &[&str], image: &str) -> String {
        // Build `spec: … template: spec: containers:` nesting from `prefix`.
        let mut s = format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\n");
        let mut indent = 0;
        for key in prefix {
            s.push_str(&format!("{}{key}:\n", " ".repeat(indent)));
            indent += 2;
        }
        let pad = " ".repeat(indent);
        s.push_str(&format!(
            "{pad}containers:\n{pad}- name: c\n{pad}  image: {image}\n"
        ));
        s
    }

    #[test]
    fn every_workload_kind() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("Pod", "v1", &["spec"]),
            ("Deployment", "apps/v1", &["spec", "template", "spec"]),
            ("StatefulSet", "apps/v1", &["spec", "template", "spec"]),
            ("DaemonSet", "apps/v1", &["spec", "template", "spec"]),
            ("ReplicaSet", "apps/v1", &["spec", "template", "spec"]),
            ("ReplicationController", "v1", &["spec", "template", "spec"]),
            ("Job", "batch/v1", &["spec", "template", "spec"]),
            (
                "CronJob",
                "batch/v1",
                &["spec", "jobTemplate", "spec", "template", "spec"],
            ),
            ("PodTemplate", "v1", &["template", "spec"]),
            (
                "Rollout",
                "argoproj.io/v1alpha1",
                &["spec", "template", "spec"],
            ),
        ];
        for (kind, api, prefix) in cases {
            let text = template(
                kind,
                api,
                prefix,
                "mcr.microsoft.com/windows/servercore:ltsc2022",
            );
            let x = extract("k.yaml", &text);
            let line = 4 + prefix.len() + 3;
            let col = prefix.len() * 2 + 10;
            assert_eq!(
                refs(&x),
                vec![(
                    format!("{kind}/w"),
                    Some("mcr.microsoft.com/windows/servercore:ltsc2022".to_string()),
                    line,
                    col
                )],
                "{kind}\n{text}"
            );
            assert_eq!(x.references[0].context, RefContext::Kubernetes);
            assert!(x.references[0].is_final_stage);
        }
    }

    #[test]
    fn init_and_ephemeral_containers_and_list() {
        let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p1}
  spec:
    initContainers:
    - name: init
      image: mcr.microsoft.com/powershell:lts-nanoserver-1809
    containers:
    - name: main
      image: mcr.microsoft.com/windows/nanoserver:1809
    ephemeralContainers:
    - name: debug
      image: busybox
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d1}
  spec:
    template:
      spec:
        containers: [{name: x, image: 'mcr.microsoft.com/windows/servercore:ltsc2019'}]
";
        let x = extract("k.yaml", text);
        assert_eq!(
            refs(&x),
            vec![
                (
                    "Pod/p1".to_string(),
                    Some("mcr.microsoft.com/powershell:lts-nanoserver-1809".to_string()),
                    10,
                    14
                ),
                (
                    "Pod/p1".to_string(),
                    Some("mcr.microsoft.com/windows/nanoserver:1809".to_string()),
                    13,
                    14
                ),
                (
                    "Pod/p1".to_string(),
                    Some("docker.io/library/busybox".to_string()),
                    16,
                    14
                ),
                (
                    "Deployment/d1".to_string(),
                    Some("mcr.microsoft.com/windows/servercore:ltsc2019".to_string()),
                    23,
                    39
                ),
            ]
        );
    }

    #[test]
    fn crd_with_embedded_pod_spec() {
        let text = "\
apiVersion: example.com/v1
kind: WindowsRunner
metadata:
  name: r
spec:
  runner:
    pod:
      nodeSelector:
        kubernetes.io/os: windows
      containers:
      - name: agent
        image: ghcr.io/example/agent:2.0-ltsc2022
";
        let x = extract("k.yaml", text);
        assert_eq!(x.references.len(), 1);
        let r = &x.references[0];
        assert_eq!(
            r.image.as_deref(),
            Some("ghcr.io/example/agent:2.0-ltsc2022")
        );
        assert_eq!((r.line, r.column), (12, 16));
        assert_eq!(r.placement.workload.as_deref(), Some("WindowsRunner/r"));
        assert_eq!(
            r.placement
                .node_selector
                .get("kubernetes.io/os")
                .map(String::as_str),
            Some("windows")
        );
    }

    #[test]
    fn vm_image_traps_are_not_container_images() {
        let text = "\
apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
kind: AzureMachineTemplate
metadata:
  name: win
spec:
  template:
    spec:
      image:
        computeGallery:
          gallery: ClusterAPI
          name: capi-win-2022-containerd
          version: latest
      osDisk: {osType: Windows}
---
apiVersion: compute.azure.com/v1
kind: VirtualMachine
metadata: {name: vm}
spec:
  image: MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest
  storageProfile:
    imageReference: {publisher: MicrosoftWindowsServer, offer: WindowsServer}
  containers: not-a-list
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  containers: '[{name: a, image: b}]'
  image: nginx
";
        let x = extract("k.yaml", text);
        assert!(x.references.is_empty(), "{:?}", x.references);
        assert!(x.findings.is_empty(), "{:?}", x.findings);
    }

    #[test]
    fn placement_is_captured() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      runtimeClassName: windows-2019
      nodeSelector:
        kubernetes.io/os: windows
        \"node.kubernetes.io/windows-build\": 10.0.17763
        count: 3
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: kubernetes.io/os
                operator: In
                values: [windows]
              - key: node.kubernetes.io/windows-build
                operator: In
                values: ['10.0.17763', '10.0.20348']
            - matchFields:
              - {key: metadata.name, operator: In, values: [n1]}
            - matchExpressions:
              - {key: topology.kubernetes.io/zone, operator: Exists}
      tolerations:
      - key: os
        operator: Equal
        value: windows
        effect: NoSchedule
      - operator: Exists
      containers:
      - name: web
        image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019
";
        let x = extract("k.yaml", text);
        let p = &x.references[0].placement;
        assert_eq!(p.workload.as_deref(), Some("Deployment/web"));
        assert_eq!(p.runtime_class.as_deref(), Some("windows-2019"));
        assert_eq!(p.node_selector.len(), 3);
        assert_eq!(
            p.node_selector
                .get("node.kubernetes.io/windows-build")
                .map(String::as_str),
            Some("10.0.17763")
        );
        assert_eq!(p.node_selector.get("count").map(String::as_str), Some("3"));
        assert_eq!(p.node_affinity.len(), 2);
        assert_eq!(
            p.node_affinity[0][1],
            AffinityExpr {
                key: "node.kubernetes.io/windows-build".into(),
                operator: "In".into(),
                values: vec!["10.0.17763".into(), "10.0.20348".into()],
            }
        );
        assert_eq!(p.node_affinity[1][0].operator, "Exists");
        assert!(p.node_affinity[1][0].values.is_empty());
        assert_eq!(
            p.tolerations,
            vec![
                Toleration {
                    key: Some("os".into()),
                    operator: Some("Equal".into()),
                    value: Some("windows".into()),
                    effect: Some("NoSchedule".into()),
                },
                Toleration {
                    operator: Some("Exists".into()),
                    ..Toleration::default()
                },
            ]
        );
    }

    #[test]
    fn multi_doc_with_one_bad_document() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers: [{name: a, image: 'app:1'}]
---
apiVersion: v1
kind: Pod
metadata: {name: b
spec:
  containers: [{name: b, image: 'app:2'}]
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec:
  containers: [{name: c, image: 'app:3'}]
";
        let x = extract("k.yaml", text);
        let names: Vec<String> = refs(&x).into_iter().map(|r| r.0).collect();
        assert_eq!(names, vec!["Pod/a", "Pod/c"]);
        assert_eq!(x.references[1].line, 17);
        assert_eq!(x.findings.len(), 1);
        let f = &x.findings[0];
        assert_eq!(f.rule, "WF000");
        assert!((9..=12).contains(&f.line), "{f:?}");
    }

    #[test]
    fn odd_images() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: num
    image: 1809
  - name: map
    image: {repository: x, tag: y}
  - name: placeholder
    image: sigwindowstools/kube-proxy:VERSION-nanoserver
  - name: empty
    image: ''
  - name: noimage
";
        let x = extract("k.yaml", text);
        let f: Vec<(&str, usize)> = x.findings.iter().map(|f| (f.rule, f.line)).collect();
        assert_eq!(f, vec![("WF010", 7), ("WF010", 9), ("WF010", 13)]);
        let images: Vec<Option<&str>> = x.references.iter().map(|r| r.image.as_deref()).collect();
        assert_eq!(
            images,
            vec![
                Some("docker.io/sigwindowstools/kube-proxy:VERSION-nanoserver"),
                None
            ]
        );
    }

    #[test]
    fn documents_without_kind_and_kustomizations_are_ignored() {
        let text = "\
spec:
  template:
    spec:
      containers: [{name: a, image: 'app:1'}]
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
- name: app
  newTag: '2'
";
        let x = extract("k.yaml", text);
        assert!(x.references.is_empty());
    }
}
