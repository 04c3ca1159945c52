//! Benchmark (ignored by default; `benches/registry-bench.sh` runs it): resolve 200 distinct
//! references through a proxy that adds 20 ms to every request, cold and warm, and compare with
//! `skopeo inspect --raw` one reference at a time.

mod support;

use std::time::{Duration, Instant};
use support::fixtures::Pusher;
use support::proxy::{Mode, Proxy};
use support::{Registry, image, options};
use winfit::resolve::registry::{OciSource, Source, resolve_with};

const N: usize = 200;
const LATENCY: Duration = Duration::from_millis(20);

fn count(proxy: &Proxy) -> (usize, usize, usize, usize) {
    let seen = proxy.seen();
    let head = seen.iter().filter(|s| s.method == "HEAD").count();
    let mget = seen
        .iter()
        .filter(|s| s.method == "GET" && s.path.contains("/manifests/"))
        .count();
    let bget = seen
        .iter()
        .filter(|s| s.method == "GET" && s.path.contains("/blobs/"))
        .count();
    (seen.len(), head, mget, bget)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run benches/registry-bench.sh"]
async fn bench_resolve_200_references() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let reg = Registry::start(&bin, None);
    let p = Pusher::new(&reg.base());
    let t = Instant::now();
    let mut refs = Vec::new();
    // 10 repositories; a quarter single manifests, a quarter lists without os.version (config
    // fetches), half lists with os.version.
    for i in 0..N {
        let repo = format!("bench/app{}", i % 10);
        let tag = format!("v{i}");
        let ver = format!("10.0.20348.{i}");
        match i % 4 {
            0 => {
                p.image(&repo, &tag, "windows", "amd64", Some(&ver), false)
                    .await;
            }
            k => {
                let child = p
                    .image(
                        &repo,
                        &format!("{tag}-child"),
                        "windows",
                        "amd64",
                        Some(&ver),
                        false,
                    )
                    .await;
                p.list(&repo, &tag, &[child], k != 1, false).await;
            }
        }
        refs.push((repo, tag));
    }
    eprintln!("pushed {N} images in {:?}", t.elapsed());
    let proxy = Proxy::start(
        &reg.base(),
        Mode {
            latency: LATENCY,
            ..Mode::default()
        },
    )
    .await;
    let a = proxy.addr();
    let images: Vec<_> = refs
        .iter()
        .map(|(r, t)| image(&format!("{a}/{r}:{t}")))
        .collect();
    let cache = tempfile::tempdir().unwrap();
    let opts = options(cache.path(), std::slice::from_ref(&a));

    let mut rows = Vec::new();
    for (label, jobs, ttl, fresh_cache) in [
        ("cold, jobs=8", 8, None, true),
        ("warm, jobs=8", 8, None, false),
        (
            "warm past TTL (HEAD only), jobs=8",
            8,
            Some(Duration::ZERO),
            false,
        ),
        ("cold, jobs=1", 1, None, true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts.clone();
        o.jobs = jobs;
        if fresh_cache && jobs == 1 {
            o.cache_dir = Some(dir.path().to_path_buf());
        }
        if let Some(ttl) = ttl {
            o.tag_ttl = ttl;
        }
        proxy.clear();
        let src = OciSource::new(&o);
        let t = Instant::now();
        let out = resolve_with(&src, &images, jobs).await;
        let wall = t.elapsed();
        assert_eq!(out.len(), N);
        for (k, v) in &out {
            let v = v.as_ref().unwrap_or_else(|e| panic!("{k}: {e}"));
            assert!(v.platforms.iter().all(|p| p.os_version.is_some()), "{k}");
            if label.starts_with("warm,") {
                assert_eq!(v.source, Source::Cache);
            }
        }
        let (total, head, mget, bget) = count(&proxy);
        if label.starts_with("warm") {
            assert_eq!(mget, 0, "warm runs send no manifest GET");
        }
        rows.push(format!(
            "{label:<36} {wall:>9.2?}  requests {total:>4} ({:.2}/ref: HEAD {head}, manifest GET {mget}, blob GET {bget}, auth {})",
            total as f64 / N as f64,
            src.stats().auth
        ));
    }

    // Baseline: skopeo, one process per reference.
    if std::process::Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok()
    {
        proxy.clear();
        let t = Instant::now();
        for (r, tag) in &refs {
            let out = std::process::Command::new("skopeo")
                .args([
                    "inspect",
                    "--raw",
                    "--tls-verify=false",
                    &format!("docker://{a}/{r}:{tag}"),
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let wall = t.elapsed();
        let (total, head, mget, bget) = count(&proxy);
        rows.push(format!(
            "{:<36} {wall:>9.2?}  requests {total:>4} ({:.2}/ref: HEAD {head}, manifest GET {mget}, blob GET {bget}; manifest only, no config)",
            "skopeo inspect --raw, one by one",
            total as f64 / N as f64
        ));
    }
    println!("\n{N} distinct references, +{LATENCY:?} per request:");
    for r in rows {
        println!("  {r}");
    }
}
