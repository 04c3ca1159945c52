//! A fault-injecting proxy in front of the real registry: every fault gives a clear error,
//! caches nothing unverified, and never panics.

mod support;

use std::time::{Duration, Instant};
use support::fixtures::{self, Pusher};
use support::proxy::{Fault, Mode, Proxy, TokenAuth};
use support::{Registry, image, options};
use winfit::resolve::registry::{ManifestSource, OciSource, ResolveError};

struct Setup {
    _reg: Registry,
    proxy: Proxy,
    fx: fixtures::Fixtures,
    cache: tempfile::TempDir,
}

async fn setup(mode: Mode) -> Option<Setup> {
    let bin = support::registry_binary()?;
    let reg = Registry::start(&bin, None);
    let fx = fixtures::push_standard(&Pusher::new(&reg.base())).await;
    let proxy = Proxy::start(&reg.base(), mode).await;
    Some(Setup {
        _reg: reg,
        proxy,
        fx,
        cache: tempfile::tempdir().unwrap(),
    })
}

impl Setup {
    fn opts(&self) -> winfit::resolve::registry::RegistryOptions {
        options(self.cache.path(), &[self.proxy.addr()])
    }
    fn image(&self, tag: &str) -> winfit::extract::reference::ImageRef {
        image(&format!("{}/windows/servercore:{tag}", self.proxy.addr()))
    }
    /// Nothing recorded for the failed reference, and every cached blob verified.
    fn assert_nothing_cached(&self) {
        assert_eq!(
            support::cached_tags(self.cache.path()),
            0,
            "a failed resolution must not record a tag"
        );
        support::assert_cache_verified(self.cache.path());
    }
}

#[tokio::test]
async fn timeout_is_a_network_error() {
    let Some(s) = setup(Mode {
        fault: Fault::Hang,
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let mut opts = s.opts();
    opts.timeout = Duration::from_millis(500);
    opts.retries = 1;
    let t = Instant::now();
    let e = OciSource::new(&opts)
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Network { .. }), "{e}");
    assert!(e.to_string().contains("no complete answer within"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(
        s.proxy.count("GET", "/manifests/sha256:"),
        2,
        "first try + one retry"
    );
    s.assert_nothing_cached();
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let Some(s) = setup(Mode {
        fault: Fault::Status(500),
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let src = OciSource::new(&s.opts());
    let e = src.resolve(&s.image("multi")).await.unwrap_err();
    assert!(matches!(e, ResolveError::Server { status: 500, .. }), "{e}");
    assert!(
        e.to_string().contains("injected failure"),
        "the body is part of the message: {e}"
    );
    assert_eq!(
        s.proxy.count("GET", "/manifests/sha256:"),
        3,
        "first try + 2 retries"
    );
    assert_eq!(src.stats().retries, 2);
    s.assert_nothing_cached();

    // A transient failure is absorbed by a retry.
    s.proxy.set(|m| m.fault_times = 0);
    let transient = Proxy::start(
        &s._reg.base(),
        Mode {
            fault: Fault::Status(503),
            fault_times: 1,
            ..Mode::default()
        },
    )
    .await;
    let opts = options(s.cache.path(), &[transient.addr()]);
    let src = OciSource::new(&opts);
    let r = src
        .resolve(&image(&format!(
            "{}/windows/servercore:multi",
            transient.addr()
        )))
        .await
        .unwrap();
    assert_eq!(r.digest, s.fx.multi);
    assert_eq!(src.stats().retries, 1);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let Some(s) = setup(Mode {
        fault: Fault::TooMany(1),
        fault_times: 1,
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let t = Instant::now();
    let src = OciSource::new(&s.opts());
    let r = src.resolve(&s.image("multi")).await.unwrap();
    assert_eq!(r.digest, s.fx.multi);
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "waited Retry-After: {:?}",
        t.elapsed()
    );
    assert_eq!(src.stats().retries, 1);

    // Permanent 429: a clear error naming the status.
    s.proxy.set(|m| m.fault_times = usize::MAX);
    let mut opts = s.opts();
    opts.max_retry_after = Duration::from_millis(50);
    opts.no_cache = true;
    let e = OciSource::new(&opts)
        .resolve(&s.image("ltsc2022"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Server { status: 429, .. }), "{e}");
}

#[tokio::test]
async fn truncated_body_is_a_clear_error() {
    let Some(s) = setup(Mode {
        fault: Fault::Truncate,
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let e = OciSource::new(&s.opts())
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Network { .. }), "{e}");
    assert!(e.to_string().contains("cut short"), "{e}");
    s.assert_nothing_cached();
}

#[tokio::test]
async fn malformed_json_is_invalid_content() {
    let bad = b"{\"schemaVersion\": 2, \"manifests\": [".to_vec();
    let Some(s) = setup(Mode {
        fault: Fault::Replace(bad),
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let e = OciSource::new(&s.opts())
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::InvalidContent { .. }), "{e}");
    assert_eq!(e.rule(), "WF016");
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    assert_eq!(support::cached_tags(s.cache.path()), 0);
}

#[tokio::test]
async fn digest_mismatch_is_caught_and_not_cached() {
    let Some(s) = setup(Mode {
        fault: Fault::Corrupt,
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let e = OciSource::new(&s.opts())
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    match &e {
        ResolveError::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &s.fx.multi);
            assert_ne!(actual, expected);
        }
        other => panic!("want DigestMismatch, got {other}"),
    }
    assert_eq!(e.rule(), "WF016");
    s.assert_nothing_cached();
    assert_eq!(
        support::assert_cache_verified(s.cache.path()),
        0,
        "the corrupt manifest is not stored"
    );
}

#[tokio::test]
async fn oversized_manifests_are_refused() {
    let mut huge = b"{\"schemaVersion\": 2, \"manifests\": [], \"pad\": \"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    huge.extend_from_slice(b"\"}");
    // Without a Content-Length: the streaming cap stops it.
    let Some(s) = setup(Mode {
        fault: Fault::ReplaceUnsized(huge.clone()),
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    let e = OciSource::new(&s.opts())
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ResolveError::TooLarge { limit: 4194304, .. }),
        "{e}"
    );
    s.assert_nothing_cached();
    // With a Content-Length: refused before reading.
    s.proxy.set(|m| m.fault = Fault::Replace(huge));
    let e = OciSource::new(&s.opts())
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::TooLarge { .. }), "{e}");
    s.assert_nothing_cached();
}

#[tokio::test]
async fn redirect_to_another_host_carries_no_credentials() {
    let token = TokenAuth {
        token: "front-token-SECRET".into(),
        user: None,
    };
    let Some(s) = setup(Mode {
        token: Some(token),
        ..Mode::default()
    })
    .await
    else {
        return;
    };
    // "Another host": a second proxy on another port, which wants its own token.
    let other = Proxy::start(
        &s._reg.base(),
        Mode {
            token: Some(TokenAuth {
                token: "other-token".into(),
                user: None,
            }),
            ..Mode::default()
        },
    )
    .await;
    s.proxy.set(|m| m.fault = Fault::RedirectTo(other.base()));
    let mut opts = s.opts();
    opts.insecure.push(other.addr());
    let e = OciSource::new(&opts)
        .resolve(&s.image("multi"))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Unauthorized { .. }), "{e}");
    assert!(!e.to_string().contains("SECRET"), "{e}");
    let seen = other.seen();
    assert!(!seen.is_empty(), "the redirect was followed");
    assert!(
        seen.iter().all(|r| r.authorization.is_none()),
        "credentials leaked to another host: {seen:?}"
    );
    assert!(
        s.proxy
            .seen()
            .iter()
            .any(|r| r.authorization.as_deref() == Some("Bearer front-token-SECRET"))
    );
    s.assert_nothing_cached();
}

#[tokio::test]
async fn unreachable_registry_is_a_network_error() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let _ = bin;
    let port = support::free_port(); // nothing listens there
    let cache = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{port}");
    let e = OciSource::new(&options(cache.path(), std::slice::from_ref(&addr)))
        .resolve(&image(&format!("{addr}/windows/servercore:ltsc2019")))
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Network { .. }), "{e}");
    assert!(e.to_string().contains(&addr), "{e}");
}
