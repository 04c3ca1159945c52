//! Snapshot tests of `lint --format json` on tricky files written for winfit (tests/fixtures/tricky).
//! The snapshots under `snapshots/` are reviewed by hand: each records which references a file
//! holds, with their lines, and which WF000 / WF010 findings it raises.

mod common;

fn snapshot(file: &str) {
    let dir = common::fixtures().join("tricky");
    let (mut json, _) = common::winfit_json(&dir, &["lint", "--offline", "--format", "json", file]);
    // The tool version changes with every release; the rest is the contract.
    json["tool"]["version"] = serde_json::Value::String("[version]".into());
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!(format!("extract__{file}"), json);
    });
}

macro_rules! snapshots {
    ($($name:ident => $file:literal,)*) => {
        $( #[test] fn $name() { snapshot($file); } )*
    };
}

snapshots! {
    backtick_crlf => "backtick-crlf.Dockerfile",
    bom_lowercase => "bom-lowercase.Dockerfile",
    heredoc => "heredoc.Dockerfile",
    arg_scoping => "arg-scoping.Dockerfile",
    split_from => "split-from.Dockerfile",
    parameter_forms => "parameter-forms.Dockerfile",
    only_continuations => "only-continuations.Dockerfile",
    compose_anchors => "compose-anchors.yml",
    k8s_workloads => "k8s-workloads.yaml",
    k8s_vm_trap => "k8s-vm-trap.yaml",
    truncated_yaml => "truncated.yaml",
    helm_template => "helm-template.yaml",
}
