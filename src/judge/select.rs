//! Pull-time selection: which Windows entry of a manifest list a runtime pulls on a host.
//! Pure. Sources: `knowledge/windows-compat.md` §1.1 (containerd/platforms' Windows matcher and
//! ordering), §1.3 (dockerd's graphdriver pull path).
//!
//! The caller passes only the Windows entries of the right architecture, in list order, as their
//! `os.version` (`None` when an entry has none).

use crate::judge::version::OsVersion;
use std::cmp::Ordering;

/// The runtime that pulls the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// containerd (and Kubernetes on containerd, and dockerd with the containerd image store):
    /// the newest process-compatible entry, per current containerd/platforms.
    Containerd,
    /// dockerd with its default graphdriver store: the exact build first, else the first entry
    /// in list order that is not newer than the host.
    Docker,
}

/// Which containerd/platforms (or hcsshim) generation decides the match on hosts ≥ 20348.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformsVersion {
    /// v0.2.1 – v1.0.0-rc.1, hcsshim ≤ v0.12: floor 20348; ordering by numeric revision.
    Legacy,
    /// v1.0.0-rc.2 – rc.4, hcsshim ≥ v0.13: floor = last LTSC strictly below the host, so hosts
    /// above 26100 reject WS2022 images (moby#53397); ordering by `os.version` string.
    Rc2ToRc4,
    /// v1.0.0-rc.5 and later: floor 20348 for every host ≥ 20348; ordering by string.
    Rc5,
}

/// LTSC builds with the stable ABI, ascending (containerd/platforms `compatLTSCReleases`).
const COMPAT_LTSC: [u32; 2] = [20348, 26100];

/// containerd/platforms `checkWindowsHostAndContainerCompat`: may an image of `ctr` be pulled and
/// run process-isolated on `host`? Revisions are ignored, as containerd ignores them.
pub fn containerd_compatible(pv: PlatformsVersion, host: OsVersion, ctr: OsVersion) -> bool {
    if (host.major, host.minor) != (ctr.major, ctr.minor) {
        return false;
    }
    if host.build < COMPAT_LTSC[0] {
        return host.build == ctr.build;
    }
    let floor = match pv {
        PlatformsVersion::Legacy | PlatformsVersion::Rc5 => COMPAT_LTSC[0],
        PlatformsVersion::Rc2ToRc4 => COMPAT_LTSC
            .iter()
            .copied()
            .rfind(|&l| l < host.build)
            .unwrap_or(host.build),
    };
    floor <= ctr.build && ctr.build <= host.build
}

/// True when containerd/platforms rc.2–rc.4 (and hcsshim's `CheckHostAndContainerCompat`)
/// would reject an image that current containerd accepts on this host.
pub fn affected_by_ltsc_floor_bug(host: OsVersion, ctr: OsVersion) -> bool {
    containerd_compatible(PlatformsVersion::Rc5, host, ctr)
        && !containerd_compatible(PlatformsVersion::Rc2ToRc4, host, ctr)
}

/// The entry a runtime pulls on `host`, as an index into `entries`, or `None` when it refuses
/// them all ("no matching manifest"). containerd uses current containerd/platforms (rc.5).
pub fn select_entry(
    runtime: Runtime,
    entries: &[Option<OsVersion>],
    host: OsVersion,
) -> Option<usize> {
    match runtime {
        Runtime::Containerd => select_containerd(PlatformsVersion::Rc5, entries, host),
        Runtime::Docker => select_docker(entries, host),
    }
}

/// containerd's choice with a given containerd/platforms generation: entries that match come
/// first (an empty `os.version` matches every host); among them the greatest `os.version` string
/// (rc.2+) or revision (legacy) wins; ties keep list order (a stable sort).
pub fn select_containerd(
    pv: PlatformsVersion,
    entries: &[Option<OsVersion>],
    host: OsVersion,
) -> Option<usize> {
    let matches = |e: &Option<OsVersion>| match e {
        None => true,
        Some(v) => containerd_compatible(pv, host, *v),
    };
    let mut best: Option<usize> = None;
    for (i, e) in entries.iter().enumerate() {
        if !matches(e) {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => containerd_less(pv, e, &entries[b]),
        };
        if better {
            best = Some(i);
        }
    }
    best
}

/// containerd's `Less`: does `a` sort before `b` (both matching)?
fn containerd_less(pv: PlatformsVersion, a: &Option<OsVersion>, b: &Option<OsVersion>) -> bool {
    match pv {
        PlatformsVersion::Legacy => {
            let rev = |v: &Option<OsVersion>| v.and_then(|v| v.revision).unwrap_or(0);
            rev(a) > rev(b)
        }
        PlatformsVersion::Rc2ToRc4 | PlatformsVersion::Rc5 => {
            let s = |v: &Option<OsVersion>| v.map(|v| v.to_string()).unwrap_or_default();
            s(a).cmp(&s(b)) == Ordering::Greater
        }
    }
}

/// dockerd (graphdriver): drop entries whose build is newer than the host's, stable-sort the ones
/// whose `os.version` starts with `<host major.minor.build>.` first, pull the first.
pub fn select_docker(entries: &[Option<OsVersion>], host: OsVersion) -> Option<usize> {
    let prefix = format!("{}.{}.{}.", host.major, host.minor, host.build);
    let allowed = |e: &Option<OsVersion>| e.is_none_or(|v| v.build <= host.build);
    let exact = entries
        .iter()
        .position(|e| allowed(e) && e.is_some_and(|v| v.to_string().starts_with(&prefix)));
    exact.or_else(|| entries.iter().position(allowed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlatformsVersion::*;

    fn b(build: u32) -> OsVersion {
        OsVersion::new(build, None)
    }
    fn v(s: &str) -> Option<OsVersion> {
        Some(OsVersion::parse(s).unwrap())
    }

    // §1.1: the code-derived matrix (legacy / rc.2–rc.4 / rc.5).
    #[test]
    fn containerd_matrix() {
        let images = [14393, 17763, 20348, 26100];
        let rows: &[(u32, [&str; 4])] = &[
            (14393, ["YYY", "---", "---", "---"]),
            (17763, ["---", "YYY", "---", "---"]),
            (20348, ["---", "---", "YYY", "---"]),
            (22000, ["---", "---", "YYY", "---"]),
            (22621, ["---", "---", "YYY", "---"]),
            (22631, ["---", "---", "YYY", "---"]),
            (25398, ["---", "---", "YYY", "---"]),
            (26100, ["---", "---", "YYY", "YYY"]),
            (26200, ["---", "---", "Y-Y", "YYY"]),
            (28000, ["---", "---", "Y-Y", "YYY"]),
        ];
        for (host, cells) in rows {
            for (img, cell) in images.iter().zip(cells) {
                for (pv, c) in [Legacy, Rc2ToRc4, Rc5].into_iter().zip(cell.chars()) {
                    assert_eq!(
                        containerd_compatible(pv, b(*host), b(*img)),
                        c == 'Y',
                        "{pv:?} host {host} image {img}"
                    );
                }
            }
        }
    }

    // containerd/platforms and hcsshim test vectors quoted in §1.1.
    #[test]
    fn containerd_test_vectors() {
        for pv in [Legacy, Rc2ToRc4, Rc5] {
            assert!(containerd_compatible(pv, b(22621), b(20348)));
            assert!(!containerd_compatible(pv, b(20348), b(22621)));
            assert!(containerd_compatible(pv, b(26100), b(22621)));
            assert!(containerd_compatible(
                pv,
                b(17763),
                v("10.0.17763.9999").unwrap()
            ));
            assert!(!containerd_compatible(pv, b(17763), b(17134)));
            assert!(!containerd_compatible(
                pv,
                OsVersion {
                    major: 6,
                    ..b(17763)
                },
                b(17763)
            ));
        }
        // Test_PlatformCompat (rs5 = 17763, v21H2Server = 20348, v22H2Win11 = 22621).
        let compat = [
            (17763, 17763, true),
            (17763, 20348, false),
            (20348, 17763, false),
            (20348, 20348, true),
            (22621, 17763, false),
            (22621, 20348, true),
        ];
        for pv in [Legacy, Rc2ToRc4, Rc5] {
            for (host, ctr, want) in compat {
                assert_eq!(
                    containerd_compatible(pv, b(host), b(ctr)),
                    want,
                    "{pv:?} {host} {ctr}"
                );
            }
        }
        // Test_PlatformOrder (the Linux entry is filtered out by the caller).
        let (ws2022, ws2025, ws2025r3000) = (
            v("10.0.20348.3091"),
            v("10.0.26100.2894"),
            v("10.0.26100.3000"),
        );
        let order = [
            (ws2022.unwrap(), [ws2022, ws2025], Some(0)),
            (ws2025.unwrap(), [ws2022, ws2025], Some(1)),
            (ws2025.unwrap(), [ws2022, ws2025r3000], Some(1)),
        ];
        for (host, list, want) in order {
            assert_eq!(
                select_entry(Runtime::Containerd, &list, host),
                want,
                "{host}"
            );
        }
        assert!(affected_by_ltsc_floor_bug(b(26200), b(20348)));
        assert!(!affected_by_ltsc_floor_bug(b(26100), b(20348)));
        assert!(!affected_by_ltsc_floor_bug(b(26200), b(26100)));
        // Test_PlatformOrder: a WS2025 host picks 26100 over 20348.
        let list = [v("10.0.20348.1"), v("10.0.26100.1")];
        assert_eq!(select_entry(Runtime::Containerd, &list, b(26100)), Some(1));
        assert_eq!(select_entry(Runtime::Containerd, &list, b(20348)), Some(0));
    }

    #[test]
    fn containerd_selection() {
        let py = [v("10.0.17763.7314"), v("10.0.20348.3692")];
        type Case<'a> = (
            PlatformsVersion,
            &'a [Option<OsVersion>],
            u32,
            Option<usize>,
        );
        let cases: &[Case] = &[
            (Rc5, &py, 17763, Some(0)),
            (Rc5, &py, 20348, Some(1)),
            (Rc5, &py, 26100, Some(1)),
            (Rc5, &py, 26200, Some(1)),
            (Rc2ToRc4, &py, 26200, None), // moby#53397
            (Rc5, &py, 19045, None),
            (Rc5, &py, 14393, None),
            // empty os.version matches everything, but a real match sorts first
            (Rc5, &[None, v("10.0.17763.1")], 17763, Some(1)),
            (Rc5, &[None, v("10.0.17763.1")], 14393, Some(0)),
            // lexicographic: ".999" sorts above ".1000"
            (
                Rc5,
                &[v("10.0.17763.1000"), v("10.0.17763.999")],
                17763,
                Some(1),
            ),
            (
                Legacy,
                &[v("10.0.17763.999"), v("10.0.17763.1000")],
                17763,
                Some(1),
            ),
            // ties keep list order
            (Rc5, &[v("10.0.17763.5"), v("10.0.17763.5")], 17763, Some(0)),
            (Rc5, &[], 17763, None),
        ];
        for (pv, entries, host, want) in cases {
            assert_eq!(
                select_containerd(*pv, entries, b(*host)),
                *want,
                "{pv:?} {entries:?} on {host}"
            );
        }
    }

    #[test]
    fn docker_selection() {
        type Case<'a> = (&'a [Option<OsVersion>], &'a str, Option<usize>);
        let cases: &[Case] = &[
            // exact build first, wherever it sits
            (
                &[v("10.0.14393.1"), v("10.0.17763.1")],
                "10.0.17763.2",
                Some(1),
            ),
            // no exact build: the first entry not newer, in list order (§1.3 example)
            (
                &[v("10.0.17763.1"), v("10.0.20348.1")],
                "10.0.26100.1",
                Some(0),
            ),
            (
                &[v("10.0.20348.1"), v("10.0.17763.1")],
                "10.0.26100.1",
                Some(0),
            ),
            (
                &[v("10.0.26100.1"), v("10.0.17763.1")],
                "10.0.20348.1",
                Some(1),
            ),
            // all newer: "no matching manifest"
            (
                &[v("10.0.20348.1"), v("10.0.26100.1")],
                "10.0.17763.1",
                None,
            ),
            // an empty os.version is never rejected
            (&[v("10.0.26100.1"), None], "10.0.17763.1", Some(1)),
            // a 3-part entry does not carry the "<build>." prefix
            (&[v("10.0.14393.1"), v("10.0.17763")], "10.0.17763", Some(0)),
            (&[], "10.0.17763", None),
        ];
        for (entries, host, want) in cases {
            let host = OsVersion::parse(host).unwrap();
            assert_eq!(
                select_entry(Runtime::Docker, entries, host),
                *want,
                "{entries:?} on {host}"
            );
        }
    }
}
