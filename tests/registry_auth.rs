//! Registries as users have them: anonymous, bearer-token challenge (Docker Hub style),
//! basic auth (distribution's htpasswd), credentials from a Docker config file.

mod support;

use base64::Engine;
use support::fixtures::{self, Pusher};
use support::proxy::{Mode, Proxy, TokenAuth};
use support::{Registry, image, options};
use winfit::resolve::registry::{ManifestSource, OciSource, ResolveError};

fn docker_config(
    dir: &std::path::Path,
    host: &str,
    user: &str,
    password: &str,
) -> std::path::PathBuf {
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let p = dir.join("config.json");
    std::fs::write(
        &p,
        format!(r#"{{"auths":{{"http://{host}/v2/":{{"auth":"{enc}"}}}}}}"#),
    )
    .unwrap();
    p
}

#[tokio::test]
async fn anonymous_bearer_challenge() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let reg = Registry::start(&bin, None);
    let fx = fixtures::push_standard(&Pusher::new(&reg.base())).await;
    let proxy = Proxy::start(
        &reg.base(),
        Mode {
            token: Some(TokenAuth {
                token: "anon-tok".into(),
                user: None,
            }),
            ..Mode::default()
        },
    )
    .await;
    let cache = tempfile::tempdir().unwrap();
    let src = OciSource::new(&options(cache.path(), &[proxy.addr()]));
    let a = proxy.addr();
    let r = src
        .resolve(&image(&format!("{a}/windows/servercore:noosversion")))
        .await
        .unwrap();
    assert_eq!(r.digest, fx.noosversion);
    assert_eq!(r.platforms.len(), 2);
    let seen = proxy.seen();
    assert!(
        seen.iter().any(|s| s.path.starts_with("/token?")
            && s.path.contains("repository%3Awindows%2Fservercore%3Apull")),
        "{seen:?}"
    );
    let content: Vec<_> = seen
        .iter()
        .filter(|s| s.path.contains("/manifests/") || s.path.contains("/blobs/"))
        .collect();
    assert!(!content.is_empty());
    assert!(
        content
            .iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer anon-tok")),
        "{content:?}"
    );
    assert_eq!(src.stats().auth, 1, "one negotiation per repository");
}

#[tokio::test]
async fn bearer_token_with_docker_config_credentials() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let reg = Registry::start(&bin, None);
    let fx = fixtures::push_standard(&Pusher::new(&reg.base())).await;
    let token = TokenAuth {
        token: "user-tok".into(),
        user: Some(("alice".into(), "pa55-SECRET".into())),
    };
    let proxy = Proxy::start(
        &reg.base(),
        Mode {
            token: Some(token),
            ..Mode::default()
        },
    )
    .await;
    let cache = tempfile::tempdir().unwrap();
    let a = proxy.addr();
    let mut opts = options(cache.path(), std::slice::from_ref(&a));
    opts.docker_config = Some(docker_config(cache.path(), &a, "alice", "pa55-SECRET"));
    let r = OciSource::new(&opts)
        .resolve(&image(&format!("{a}/windows/servercore:multi")))
        .await
        .unwrap();
    assert_eq!(r.digest, fx.multi);

    // Wrong password: unauthorized, and the message carries no secret.
    let other = tempfile::tempdir().unwrap();
    let mut bad = options(other.path(), std::slice::from_ref(&a));
    bad.docker_config = Some(docker_config(other.path(), &a, "alice", "wrong-SECRET"));
    let e = OciSource::new(&bad)
        .resolve(&image(&format!("{a}/windows/servercore:ltsc2022")))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Unauthorized { .. }), "{e}");
    let text = format!("{e} {e:?}");
    assert!(
        !text.contains("SECRET")
            && !text
                .contains(&base64::engine::general_purpose::STANDARD.encode("alice:wrong-SECRET")),
        "{text}"
    );
    assert!(
        text.contains("bad credentials"),
        "the registry's reason is shown: {text}"
    );
}

#[tokio::test]
async fn basic_auth_with_htpasswd() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let htpasswd = support::htpasswd_file(dir.path(), "bob", "hunter2-SECRET");
    let reg = Registry::start(&bin, Some(&htpasswd));
    let mut pusher = Pusher::new(&reg.base());
    pusher.basic = Some(("bob".into(), "hunter2-SECRET".into()));
    let fx = fixtures::push_standard(&pusher).await;
    let a = reg.addr();
    let cache = tempfile::tempdir().unwrap();

    let anon = OciSource::new(&options(cache.path(), std::slice::from_ref(&a)));
    let e = anon
        .resolve(&image(&format!("{a}/windows/servercore:multi")))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Unauthorized { .. }), "{e}");

    let mut opts = options(cache.path(), std::slice::from_ref(&a));
    let cfg = cache.path().join("config.json");
    std::fs::write(
        &cfg,
        format!(r#"{{"auths":{{"{a}":{{"username":"bob","password":"hunter2-SECRET"}}}}}}"#),
    )
    .unwrap();
    opts.docker_config = Some(cfg);
    let r = OciSource::new(&opts)
        .resolve(&image(&format!("{a}/windows/servercore:noosversion")))
        .await
        .unwrap();
    assert_eq!(r.digest, fx.noosversion);
    assert_eq!(
        r.platforms
            .iter()
            .filter(|p| p.os_version.is_some())
            .count(),
        2
    );
}
