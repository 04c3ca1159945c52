//! Credential helpers and `DOCKER_CONFIG`. One test in its own binary: it changes the process
//! environment (PATH, DOCKER_CONFIG).

mod support;

use support::fixtures::{self, Pusher};
use support::{Registry, image, options};
use winfit::resolve::registry::{ManifestSource, OciSource};

#[tokio::test]
async fn credential_helper_from_docker_config_env() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let htpasswd = support::htpasswd_file(dir.path(), "carol", "helper-SECRET");
    let reg = Registry::start(&bin, Some(&htpasswd));
    let mut pusher = Pusher::new(&reg.base());
    pusher.basic = Some(("carol".into(), "helper-SECRET".into()));
    let fx = fixtures::push_standard(&pusher).await;
    let a = reg.addr();

    // A helper on a temp PATH: records what it was asked, answers for this registry only.
    let bindir = dir.path().join("bin");
    std::fs::create_dir_all(&bindir).unwrap();
    let asked = dir.path().join("asked.txt");
    let helper = bindir.join("docker-credential-wftest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread -r server\nprintf '%s' \"$server\" > '{}'\nif [ \"$server\" = '{a}' ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"carol\",\"Secret\":\"helper-SECRET\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            asked.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let confdir = dir.path().join("docker");
    std::fs::create_dir_all(&confdir).unwrap();
    std::fs::write(
        confdir.join("config.json"),
        format!(r#"{{"credHelpers":{{"{a}":"wftest"}}}}"#),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bindir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // SAFETY: the only test in this binary; no other thread reads the environment now.
    unsafe {
        std::env::set_var("PATH", path);
        std::env::set_var("DOCKER_CONFIG", &confdir);
    }

    let cache = tempfile::tempdir().unwrap();
    let mut opts = options(cache.path(), std::slice::from_ref(&a));
    opts.docker_config = None; // from DOCKER_CONFIG
    let r = OciSource::new(&opts)
        .resolve(&image(&format!("{a}/windows/servercore:multi")))
        .await
        .unwrap();
    assert_eq!(r.digest, fx.multi);
    assert_eq!(
        std::fs::read_to_string(&asked).unwrap(),
        a,
        "the helper gets the registry on stdin"
    );

    // credsStore: the same helper for every registry; "not found" means anonymous.
    std::fs::write(confdir.join("config.json"), r#"{"credsStore":"wftest"}"#).unwrap();
    let r = OciSource::new(&opts)
        .resolve(&image(&format!("{a}/windows/servercore:ltsc2019")))
        .await
        .unwrap();
    assert_eq!(r.digest, fx.ltsc2019.digest);
}
