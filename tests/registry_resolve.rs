//! Resolution against a real registry (Debian's docker-registry on loopback).

mod support;

use support::fixtures::{self, Pusher, V2019, V2022, V2025};
use support::{Registry, image, options};
use winfit::resolve::registry::{
    ManifestSource, OciSource, ResolveError, Source, resolve_all, resolve_with,
};

struct Setup {
    reg: Registry,
    fx: fixtures::Fixtures,
    cache: tempfile::TempDir,
}

async fn setup() -> Option<Setup> {
    let bin = support::registry_binary()?;
    let reg = Registry::start(&bin, None);
    let fx = fixtures::push_standard(&Pusher::new(&reg.base())).await;
    Some(Setup {
        reg,
        fx,
        cache: tempfile::tempdir().unwrap(),
    })
}

fn versions(r: &winfit::resolve::registry::Resolved) -> Vec<Option<String>> {
    r.platforms.iter().map(|p| p.os_version.clone()).collect()
}

#[tokio::test]
async fn docker_list_and_oci_index_give_every_windows_entry() {
    let Some(s) = setup().await else { return };
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let a = s.reg.addr();
    let src = OciSource::new(&opts);
    let list = src
        .resolve(&image(&format!("{a}/windows/servercore:multi")))
        .await
        .unwrap();
    assert_eq!(list.digest, s.fx.multi);
    assert_eq!(list.media_type, fixtures::DOCKER_LIST);
    assert_eq!(
        versions(&list),
        vec![Some(V2019.into()), Some(V2022.into())]
    );
    assert!(
        list.platforms
            .iter()
            .all(|p| p.os == "windows" && p.architecture == "amd64")
    );
    assert_eq!(list.platforms[0].os_features, vec!["win32k".to_string()]);
    assert_eq!(list.platforms[0].digest, s.fx.ltsc2019.digest);
    assert_eq!(list.source, Source::Registry);
    let stats = src.stats();
    assert_eq!(
        (stats.head, stats.manifest_get, stats.blob_get),
        (1, 1, 0),
        "os.version in the list: no config fetch"
    );

    let index = src
        .resolve(&image(&format!("{a}/windows/servercore:multi-oci")))
        .await
        .unwrap();
    assert_eq!(index.digest, s.fx.multi_oci);
    assert_eq!(index.media_type, fixtures::OCI_INDEX);
    assert_eq!(
        versions(&index),
        vec![Some(V2019.into()), Some(V2022.into())]
    );
}

#[tokio::test]
async fn single_manifests_and_missing_os_version_read_the_config() {
    let Some(s) = setup().await else { return };
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let a = s.reg.addr();
    let src = OciSource::new(&opts);
    for (tag, want, mt) in [
        ("ltsc2019", &s.fx.ltsc2019, fixtures::DOCKER_MANIFEST),
        ("ltsc2022", &s.fx.ltsc2022, fixtures::DOCKER_MANIFEST),
        ("ltsc2019-oci", &s.fx.ltsc2019_oci, fixtures::OCI_MANIFEST),
    ] {
        let r = src
            .resolve(&image(&format!("{a}/windows/servercore:{tag}")))
            .await
            .unwrap();
        assert_eq!(r.digest, want.digest, "{tag}");
        assert_eq!(r.media_type, mt, "{tag}");
        assert_eq!(r.platforms.len(), 1);
        assert_eq!(r.platforms[0].os_version, want.os_version, "{tag}");
        assert_eq!(r.platforms[0].digest, want.digest);
    }
    let r = src
        .resolve(&image(&format!("{a}/windows/servercore:noosversion")))
        .await
        .unwrap();
    assert_eq!(r.digest, s.fx.noosversion);
    assert_eq!(
        versions(&r),
        vec![Some(V2019.into()), Some(V2022.into())],
        "versions come from the configs"
    );
}

#[tokio::test]
async fn multi_windows_and_linux_only_lists() {
    let Some(s) = setup().await else { return };
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let a = s.reg.addr();
    let src = OciSource::new(&opts);
    let r = src
        .resolve(&image(&format!("{a}/windows/multi:all")))
        .await
        .unwrap();
    let builds: Vec<Option<u32>> = r
        .platforms
        .iter()
        .filter(|p| p.is_windows())
        .map(|p| p.version().map(|v| v.build))
        .collect();
    assert_eq!(builds, vec![Some(17763), Some(20348), Some(26100)]);
    assert_eq!(r.platforms.iter().filter(|p| p.os == "linux").count(), 1);
    assert!(
        r.platforms
            .iter()
            .any(|p| p.os_version.as_deref() == Some(V2025))
    );

    let before = src.stats().blob_get;
    let l = src
        .resolve(&image(&format!("{a}/library/alpine:3.20")))
        .await
        .unwrap();
    assert_eq!(l.digest, s.fx.linux_only);
    assert!(
        l.platforms
            .iter()
            .all(|p| p.os == "linux" && p.os_version.is_none())
    );
    assert_eq!(
        l.platforms
            .iter()
            .map(|p| p.architecture.as_str())
            .collect::<Vec<_>>(),
        ["amd64", "arm64"]
    );
    assert_eq!(
        src.stats().blob_get,
        before,
        "no config fetch for linux entries"
    );
}

#[tokio::test]
async fn not_found_and_digest_references() {
    let Some(s) = setup().await else { return };
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let a = s.reg.addr();
    let src = OciSource::new(&opts);
    for missing in [
        format!("{a}/windows/servercore:nope"),
        format!("{a}/windows/nothere:ltsc2019"),
    ] {
        let e = src.resolve(&image(&missing)).await.unwrap_err();
        assert!(matches!(e, ResolveError::NotFound { .. }), "{missing}: {e}");
        assert_eq!(e.rule(), "WF011");
        assert!(e.to_string().contains(&missing), "{e}");
    }
    let by_digest = src
        .resolve(&image(&format!("{a}/windows/servercore@{}", s.fx.multi)))
        .await
        .unwrap();
    assert_eq!(by_digest.digest, s.fx.multi);
    assert_eq!(by_digest.platforms.len(), 2);
    let zero = format!("{a}/windows/servercore@sha256:{}", "0".repeat(64));
    let e = src.resolve(&image(&zero)).await.unwrap_err();
    assert!(matches!(e, ResolveError::NotFound { .. }), "{e}");
    assert_eq!(
        support::cached_tags(s.cache.path()),
        0,
        "digest references and misses record no tags"
    );
}

#[tokio::test]
async fn identical_references_once_then_warm_cache_sends_nothing() {
    let Some(s) = setup().await else { return };
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let a = s.reg.addr();
    let refs: Vec<_> = [
        "multi",
        "multi",
        "noosversion",
        "ltsc2019",
        "multi",
        "ltsc2019",
    ]
    .iter()
    .map(|t| image(&format!("{a}/windows/servercore:{t}")))
    .collect();
    let cold = OciSource::new(&opts);
    let out = resolve_with(&cold, &refs, 8).await;
    assert_eq!(out.len(), 3);
    assert!(
        out.values()
            .all(|r| r.as_ref().is_ok_and(|r| r.source == Source::Registry))
    );
    assert_eq!(cold.stats().head, 3, "one HEAD per unique tag");
    assert!(support::assert_cache_verified(s.cache.path()) > 0);

    let warm = OciSource::new(&opts);
    let again = resolve_with(&warm, &refs, 8).await;
    assert_eq!(
        warm.stats().total(),
        0,
        "warm run sends no request: {:?}",
        warm.stats()
    );
    for (k, v) in &again {
        let v = v.as_ref().unwrap();
        assert_eq!(v.source, Source::Cache);
        let mut cold_v = out[k].clone().unwrap();
        cold_v.source = Source::Cache;
        assert_eq!(*v, cold_v);
    }

    // Past the TTL: a HEAD confirms the digest, no manifest GET.
    let mut stale_opts = opts.clone();
    stale_opts.tag_ttl = std::time::Duration::ZERO;
    let stale = OciSource::new(&stale_opts);
    let r = resolve_with(&stale, &refs, 8).await;
    assert!(r.values().all(|v| v.is_ok()));
    let st = stale.stats();
    assert_eq!((st.head, st.manifest_get, st.blob_get), (3, 0, 0), "{st:?}");
}

#[tokio::test]
async fn offline_uses_the_cache_only() {
    let Some(s) = setup().await else { return };
    let a = s.reg.addr();
    let mut opts = options(s.cache.path(), &[s.reg.addr()]);
    let multi = image(&format!("{a}/windows/servercore:multi"));
    opts.offline = true;
    let e = resolve_all(std::slice::from_ref(&multi), &opts)
        .await
        .remove(&multi.normalized())
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, ResolveError::Offline { .. }), "{e}");
    opts.offline = false;
    resolve_all(std::slice::from_ref(&multi), &opts).await;
    opts.offline = true;
    opts.tag_ttl = std::time::Duration::ZERO; // stale is fine offline
    let src = OciSource::new(&opts);
    let r = src.resolve(&multi).await.unwrap();
    assert_eq!(r.source, Source::Cache);
    assert_eq!(src.stats().total(), 0);
    let other = image(&format!("{a}/windows/servercore:ltsc2022"));
    assert!(matches!(
        src.resolve(&other).await,
        Err(ResolveError::Offline { .. })
    ));
}

#[tokio::test]
async fn corrupt_cache_entries_are_discarded_and_refetched() {
    let Some(s) = setup().await else { return };
    let a = s.reg.addr();
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    let multi = image(&format!("{a}/windows/servercore:noosversion"));
    let first = OciSource::new(&opts).resolve(&multi).await.unwrap();
    let dir = s.cache.path().join("blobs").join("sha256");
    let mut corrupted = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        std::fs::write(e.unwrap().path(), b"{\"schemaVersion\": 1}").unwrap();
        corrupted += 1;
    }
    let src = OciSource::new(&opts);
    let second = src.resolve(&multi).await.unwrap();
    assert_eq!(second.platforms, first.platforms);
    assert_eq!(second.source, Source::Registry);
    assert_eq!(src.cache().unwrap().corrupt_discarded(), corrupted);
    assert_eq!(
        support::assert_cache_verified(s.cache.path()) as u64,
        corrupted
    );
}

#[tokio::test]
async fn mirrors_and_plain_http_only_where_allowed() {
    let Some(s) = setup().await else { return };
    let a = s.reg.addr();
    // Without `insecure`, the loopback registry is spoken to over HTTPS and fails.
    let strict = options(s.cache.path(), &[]);
    let e = OciSource::new(&strict)
        .resolve(&image(&format!("{a}/windows/servercore:multi")))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Network { .. }), "{e}");
    assert!(e.to_string().contains("https://"), "{e}");

    // mcr.microsoft.com through a mirror on loopback: nothing leaves the machine.
    let mut opts = options(s.cache.path(), &[]);
    opts.mirrors
        .insert("mcr.microsoft.com".into(), s.reg.base());
    let r = OciSource::new(&opts)
        .resolve(&image("mcr.microsoft.com/windows/servercore:multi"))
        .await
        .unwrap();
    assert_eq!(r.digest, s.fx.multi);
}

#[tokio::test]
async fn skopeo_sees_the_same_digests() {
    let Some(s) = setup().await else { return };
    if std::process::Command::new("skopeo")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but skopeo is missing"
        );
        eprintln!("SKIP: skopeo missing");
        return;
    }
    let a = s.reg.addr();
    let opts = options(s.cache.path(), &[s.reg.addr()]);
    for tag in ["multi", "multi-oci", "ltsc2019"] {
        let out = std::process::Command::new("skopeo")
            .args([
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{a}/windows/servercore:{tag}"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = OciSource::new(&opts)
            .resolve(&image(&format!("{a}/windows/servercore:{tag}")))
            .await
            .unwrap();
        assert_eq!(fixtures::digest(&out.stdout), r.digest, "{tag}");
    }
}
