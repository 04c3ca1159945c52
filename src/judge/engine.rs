//! The compatibility engine: can an image of one Windows version run on a host of another?
//! Pure. The rules and their sources are in `knowledge/windows-compat.md` (§0, §2):
//!
//! * major.minor must be equal;
//! * an image newer than its host never runs, in either isolation mode;
//! * host build < 20348: process isolation needs the same build (WS2016 also the same revision;
//!   14393…18363 also the same side of the February 2020 baseline); older images run under Hyper-V;
//! * host build ≥ 20348: images from 20348 up to the host build run process-isolated (the WS2022
//!   stable ABI); older images run under Hyper-V.
//!
//! The verdict is the best the pair can do whatever isolation modes the host offers.

use crate::judge::version::OsVersion;
use crate::resolve::knowledge::{self, ReleaseKind};
use serde::Serialize;

/// The first build with the stable ABI (Windows Server 2022, `ltsc2022`).
pub const STABLE_ABI_BUILD: u32 = 20348;
/// Windows Server 2016 / Windows 10 1607: process isolation also needs equal revisions.
pub const WS2016_BUILD: u32 = 14393;

/// The best isolation mode an (image, host) pair allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Runs process-isolated (and under Hyper-V).
    Process,
    /// Runs only under Hyper-V isolation.
    #[serde(rename = "hyperv")]
    HyperV,
    /// Cannot run.
    None,
    /// The image's version is unknown.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Process => "process",
            Verdict::HyperV => "hyperv",
            Verdict::None => "none",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Why the engine decided as it did. Rules map codes to findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// Same build (and, where it matters, compatible revisions).
    Match,
    /// A WS2022-or-later image on a newer host with the stable ABI (≥ 20348).
    StableAbi,
    /// WS2016 image and host revisions differ: Hyper-V only.
    Ws2016RevisionMismatch,
    /// WS2016 image or host revision is unknown, so the revision rule could not be checked.
    Ws2016RevisionUnknown,
    /// Image and host lie on different sides of the February 2020 baseline: Hyper-V only.
    Feb2020Baseline,
    /// The image's build is newer than the host's: nothing runs it.
    ImageNewerThanHost,
    /// A WS2022 (or later) image on Windows 10: nothing runs it.
    Win10CannotRunWs2022,
    /// An older image on a newer host without a shared ABI: Hyper-V only.
    HyperVOnly,
    /// The image's major.minor differs from the host's.
    MajorMinorMismatch,
    /// The image carries no `os.version`: runtimes treat it as matching every host.
    NoOsVersion,
    /// The image's version could not be determined.
    VersionUnknown,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Match => "match",
            Code::StableAbi => "stable-abi",
            Code::Ws2016RevisionMismatch => "ws2016-revision-mismatch",
            Code::Ws2016RevisionUnknown => "ws2016-revision-unknown",
            Code::Feb2020Baseline => "feb2020-baseline",
            Code::ImageNewerThanHost => "image-newer-than-host",
            Code::Win10CannotRunWs2022 => "win10-cannot-run-ws2022",
            Code::HyperVOnly => "hyperv-only",
            Code::MajorMinorMismatch => "major-minor-mismatch",
            Code::NoOsVersion => "no-os-version",
            Code::VersionUnknown => "version-unknown",
        }
    }
}

/// The engine's answer for one (image, host) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub code: Code,
    /// One sentence for humans, naming both versions.
    pub reason: String,
}

impl Judgement {
    fn new(verdict: Verdict, code: Code, reason: String) -> Judgement {
        Judgement {
            verdict,
            code,
            reason,
        }
    }

    /// The judgement for an image whose version could not be determined at all (unresolved tag,
    /// unreachable registry). Distinct from an image that has no `os.version` (see [`judge`]).
    pub fn unknown(host: OsVersion) -> Judgement {
        Judgement::new(
            Verdict::Unknown,
            Code::VersionUnknown,
            format!(
                "the image's Windows version is unknown, so it cannot be judged against host {host}"
            ),
        )
    }
}

/// Judge an image against a host.
///
/// `image` is the image's `os.version`; `None` means the image (manifest entry or config)
/// carries none. containerd treats an empty `os.version` as matching every host, so the verdict is
/// `process` with [`Code::NoOsVersion`] for rules to report. For an image whose version is simply
/// unknown use [`Judgement::unknown`].
pub fn judge(image: Option<OsVersion>, host: OsVersion) -> Judgement {
    let Some(img) = image else {
        return Judgement::new(
            Verdict::Process,
            Code::NoOsVersion,
            format!(
                "the image has no os.version; runtimes let it run on any host, including {host}, but its Windows build is unchecked"
            ),
        );
    };
    if (img.major, img.minor) != (host.major, host.minor) {
        return Judgement::new(
            Verdict::None,
            Code::MajorMinorMismatch,
            format!("image {img} and host {host} are different Windows major/minor versions"),
        );
    }
    let (ib, hb) = (img.build, host.build);
    if ib > hb {
        if ib >= STABLE_ABI_BUILD && is_windows10_client(hb) {
            return Judgement::new(
                Verdict::None,
                Code::Win10CannotRunWs2022,
                format!(
                    "image {img} ({}) is newer than Windows 10 host {host}: Windows 10 cannot run Windows Server 2022 or later images in any isolation mode",
                    release_name(ib)
                ),
            );
        }
        return Judgement::new(
            Verdict::None,
            Code::ImageNewerThanHost,
            format!(
                "image {img} ({}) is newer than host {host} ({}): no isolation mode runs a newer image",
                release_name(ib),
                release_name(hb)
            ),
        );
    }
    if hb >= STABLE_ABI_BUILD {
        if ib == hb {
            return Judgement::new(
                Verdict::Process,
                Code::Match,
                format!("image {img} and host {host} have the same build"),
            );
        }
        if ib >= STABLE_ABI_BUILD {
            return Judgement::new(
                Verdict::Process,
                Code::StableAbi,
                format!(
                    "image {img} ({}) runs process-isolated on the newer host {host} ({}): builds from 20348 on share a stable ABI",
                    release_name(ib),
                    release_name(hb)
                ),
            );
        }
        return hyperv_only(img, host);
    }
    if ib != hb {
        return hyperv_only(img, host);
    }
    // Same build below 20348: revisions may matter.
    if hb == WS2016_BUILD {
        return match (img.revision, host.revision) {
            (Some(ir), Some(hr)) if ir == hr => Judgement::new(
                Verdict::Process,
                Code::Match,
                format!("image {img} and host {host} have the same build and revision"),
            ),
            (Some(_), Some(_)) => Judgement::new(
                Verdict::HyperV,
                Code::Ws2016RevisionMismatch,
                format!(
                    "Windows Server 2016 image {img} and host {host} have different revisions: process isolation needs them equal, so only Hyper-V isolation runs it"
                ),
            ),
            _ => Judgement::new(
                Verdict::Process,
                Code::Ws2016RevisionUnknown,
                format!(
                    "Windows Server 2016 image {img} and host {host} share the build, but process isolation also needs equal revisions and one of them is unknown"
                ),
            ),
        };
    }
    if let (Some(ir), Some(hr), Some(base)) = (
        img.revision,
        host.revision,
        knowledge::knowledge().feb2020_baseline(hb),
    ) && (ir >= base.host) != (hr >= base.host)
    {
        let side = |r: u32| if r >= base.host { "after" } else { "before" };
        return Judgement::new(
            Verdict::HyperV,
            Code::Feb2020Baseline,
            format!(
                "image {img} is from {} and host {host} from {} the February 2020 baseline (10.0.{hb}.{}): process isolation fails, Hyper-V isolation works",
                side(ir),
                side(hr),
                base.host
            ),
        );
    }
    Judgement::new(
        Verdict::Process,
        Code::Match,
        format!("image {img} and host {host} have the same build"),
    )
}

fn hyperv_only(img: OsVersion, host: OsVersion) -> Judgement {
    Judgement::new(
        Verdict::HyperV,
        Code::HyperVOnly,
        format!(
            "image {img} ({}) is older than host {host} ({}): it runs only under Hyper-V isolation",
            release_name(img.build),
            release_name(host.build)
        ),
    )
}

/// A Windows 10 client build (no server release shares it, below Windows 11).
fn is_windows10_client(build: u32) -> bool {
    build < 22000 && knowledge::kind_of_build(build) == Some(ReleaseKind::Client)
}

fn release_name(build: u32) -> String {
    match knowledge::release_for_build(build) {
        Some(r) => r.name.clone(),
        None => format!("build {build}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Code::*;
    use Verdict as V;

    fn ver(s: &str) -> OsVersion {
        OsVersion::parse(s).unwrap()
    }

    fn check(cases: &[(&str, &str, Verdict, Code)]) {
        for (img, host, verdict, code) in cases {
            let j = judge(Some(ver(img)), ver(host));
            assert_eq!(
                (j.verdict, j.code),
                (*verdict, *code),
                "image {img} on host {host}: {}",
                j.reason
            );
            assert!(j.reason.contains(host), "{}", j.reason);
        }
    }

    // Microsoft's server matrix (windows-compat.md §2.1): host ↓ × image → (HV / process).
    #[test]
    fn microsoft_server_matrix() {
        let ws2025 = "10.0.26100.4061";
        let ws2022 = "10.0.20348.3692";
        let ws2019 = "10.0.17763.7314";
        let ws2016 = "10.0.14393.8066";
        check(&[
            // WS2025 host: 2025 ✅/✅, 2022 ✅/✅, 2019 ✅/❌, 2016 ✅/❌
            ("10.0.26100.3781", ws2025, V::Process, Match),
            ("10.0.20348.2655", ws2025, V::Process, StableAbi),
            ("10.0.17763.5122", ws2025, V::HyperV, HyperVOnly),
            ("10.0.14393.3506", ws2025, V::HyperV, HyperVOnly),
            // WS2022 host: 2025 not listed (newer → ❌), 2022 ✅/✅, 2019 ✅/❌, 2016 ✅/❌
            ("10.0.26100.3781", ws2022, V::None, ImageNewerThanHost),
            ("10.0.20348.2655", ws2022, V::Process, Match),
            ("10.0.17763.5122", ws2022, V::HyperV, HyperVOnly),
            ("10.0.14393.3506", ws2022, V::HyperV, HyperVOnly),
            // WS2019 host: 2022 ❌/❌, 2019 ✅/✅, 2016 ✅/❌
            ("10.0.26100.3781", ws2019, V::None, ImageNewerThanHost),
            ("10.0.20348.2655", ws2019, V::None, ImageNewerThanHost),
            ("10.0.17763.5122", ws2019, V::Process, Match),
            ("10.0.14393.3506", ws2019, V::HyperV, HyperVOnly),
            // WS2016 host: 2022 ❌/❌, 2019 ❌/❌, 2016 ✅/✅ (same revision)
            ("10.0.26100.3781", ws2016, V::None, ImageNewerThanHost),
            ("10.0.20348.2655", ws2016, V::None, ImageNewerThanHost),
            ("10.0.17763.5122", ws2016, V::None, ImageNewerThanHost),
            ("10.0.14393.8066", ws2016, V::Process, Match),
        ]);
    }

    // Microsoft's client matrix (§2.2).
    #[test]
    fn microsoft_client_matrix() {
        let ws2025 = "10.0.26100.3781";
        let ws2022 = "10.0.20348.2655";
        let ws2019 = "10.0.17763.5122";
        let ws2016 = "10.0.14393.3506";
        let mut cases = Vec::new();
        // Windows 11: WS2025 ✅/✅ from 24H2 (26100) on; WS2022 ✅/✅; WS2019 ✅/❌; WS2016 ✅/❌.
        for host in [
            "10.0.22000.2538",
            "10.0.22621.4317",
            "10.0.22631.5335",
            "10.0.26100.4061",
            "10.0.26200.6584",
            "10.0.28000.1",
        ] {
            let b = ver(host).build;
            if b >= 26100 {
                cases.push((
                    ws2025,
                    host,
                    V::Process,
                    if b == 26100 { Match } else { StableAbi },
                ));
            } else {
                cases.push((ws2025, host, V::None, ImageNewerThanHost));
            }
            cases.push((ws2022, host, V::Process, StableAbi));
            cases.push((ws2019, host, V::HyperV, HyperVOnly));
            cases.push((ws2016, host, V::HyperV, HyperVOnly));
        }
        // Windows 10 (2004…22H2): WS2022 ❌/❌; WS2019 ✅/❌; WS2016 ✅/❌.
        for host in ["10.0.19043.2364", "10.0.19044.5131", "10.0.19045.6456"] {
            cases.push((ws2025, host, V::None, Win10CannotRunWs2022));
            cases.push((ws2022, host, V::None, Win10CannotRunWs2022));
            cases.push((ws2019, host, V::HyperV, HyperVOnly));
            cases.push((ws2016, host, V::HyperV, HyperVOnly));
        }
        // 19041/19042 are also server builds (WS 2004 / 20H2): WS2022 is simply newer.
        cases.push((ws2022, "10.0.19041.1415", V::None, ImageNewerThanHost));
        check(&cases);
    }

    #[test]
    fn historical_sac_hosts() {
        // §2.3: each SAC host runs its own build process-isolated, older ones under Hyper-V,
        // newer ones not at all.
        let builds = [
            14393u32, 16299, 17134, 17763, 18362, 18363, 19041, 19042, 20348,
        ];
        for (hi, &h) in builds.iter().enumerate() {
            for (ii, &i) in builds.iter().enumerate() {
                let j = judge(Some(OsVersion::new(i, None)), OsVersion::new(h, None));
                let want = match ii.cmp(&hi) {
                    std::cmp::Ordering::Equal => V::Process,
                    std::cmp::Ordering::Less => V::HyperV,
                    std::cmp::Ordering::Greater => V::None,
                };
                assert_eq!(j.verdict, want, "image {i} host {h}");
            }
        }
    }

    #[test]
    fn ws2016_revisions() {
        check(&[
            // version-compatibility.md: host KB4051033 (.1914) vs image KB4053579 (.1944)
            (
                "10.0.14393.1944",
                "10.0.14393.1914",
                V::HyperV,
                Ws2016RevisionMismatch,
            ),
            ("10.0.14393.1770", "10.0.14393.1770", V::Process, Match),
            (
                "10.0.14393.3506",
                "10.0.14393.3504",
                V::HyperV,
                Ws2016RevisionMismatch,
            ),
            (
                "10.0.14393",
                "10.0.14393.1770",
                V::Process,
                Ws2016RevisionUnknown,
            ),
            (
                "10.0.14393.1770",
                "10.0.14393",
                V::Process,
                Ws2016RevisionUnknown,
            ),
            // Newer revision, same build: still only a revision mismatch, not "newer".
            (
                "10.0.14393.9999",
                "10.0.14393.1770",
                V::HyperV,
                Ws2016RevisionMismatch,
            ),
        ]);
    }

    #[test]
    fn feb_2020_baseline() {
        check(&[
            // 17763: host 2B = .1039, container 2B = .1040
            (
                "10.0.17763.973",
                "10.0.17763.1039",
                V::HyperV,
                Feb2020Baseline,
            ),
            ("10.0.17763.1040", "10.0.17763.1039", V::Process, Match),
            (
                "10.0.17763.1040",
                "10.0.17763.1012",
                V::HyperV,
                Feb2020Baseline,
            ),
            (
                "10.0.17763.5122",
                "10.0.17763.973",
                V::HyperV,
                Feb2020Baseline,
            ),
            ("10.0.17763.973", "10.0.17763.1012", V::Process, Match),
            ("10.0.17763.5122", "10.0.17763.1098", V::Process, Match),
            // version-compatibility example 2: a host with KB4534273 (.973) runs any pre-baseline 17763 image
            ("10.0.17763.437", "10.0.17763.973", V::Process, Match),
            // 17134 (.1304/.1305), 18362/18363 (.657/.658)
            (
                "10.0.17134.1246",
                "10.0.17134.1305",
                V::HyperV,
                Feb2020Baseline,
            ),
            ("10.0.17134.1305", "10.0.17134.1304", V::Process, Match),
            (
                "10.0.18362.592",
                "10.0.18362.658",
                V::HyperV,
                Feb2020Baseline,
            ),
            ("10.0.18363.658", "10.0.18363.657", V::Process, Match),
            (
                "10.0.18363.592",
                "10.0.18363.720",
                V::HyperV,
                Feb2020Baseline,
            ),
            // Unknown revision on one side: the baseline cannot be checked; assumed fine.
            ("10.0.17763", "10.0.17763.973", V::Process, Match),
            // Builds without a 2020 baseline ignore revisions.
            ("10.0.19041.1", "10.0.19041.9999", V::Process, Match),
            ("10.0.20348.1", "10.0.20348.9999", V::Process, Match),
        ]);
    }

    #[test]
    fn stable_abi_hosts() {
        check(&[
            ("10.0.20348.2655", "10.0.25398.1", V::Process, StableAbi), // WS 23H2 runs WS2022
            ("10.0.17763.1", "10.0.25398.1", V::HyperV, HyperVOnly),
            ("10.0.26100.1", "10.0.25398.1", V::None, ImageNewerThanHost),
            ("10.0.22621.1", "10.0.26100.1", V::Process, StableAbi),
            ("10.0.22621.1", "10.0.20348.1", V::None, ImageNewerThanHost),
            ("10.0.20348.1", "10.0.22621.1", V::Process, StableAbi),
            ("10.0.19041.1", "10.0.22621.1", V::HyperV, HyperVOnly),
            ("10.0.26100.9999", "10.0.26100.1", V::Process, Match),
        ]);
    }

    #[test]
    fn missing_and_odd_versions() {
        let host = ver("10.0.17763.5329");
        let j = judge(None, host);
        assert_eq!((j.verdict, j.code), (V::Process, NoOsVersion));
        let j = Judgement::unknown(host);
        assert_eq!((j.verdict, j.code), (V::Unknown, VersionUnknown));
        let j = judge(Some(ver("6.3.9600")), host);
        assert_eq!((j.verdict, j.code), (V::None, MajorMinorMismatch));
        assert_eq!(serde_json::to_string(&V::HyperV).unwrap(), "\"hyperv\"");
        assert_eq!(
            serde_json::to_string(&Feb2020Baseline).unwrap(),
            "\"feb2020-baseline\""
        );
        assert_eq!(Feb2020Baseline.as_str(), "feb2020-baseline");
    }

    #[test]
    fn reasons_name_releases() {
        let j = judge(Some(ver("10.0.17763.1")), ver("10.0.20348.1"));
        assert!(
            j.reason.contains("Windows Server 2019") && j.reason.contains("Windows Server 2022"),
            "{}",
            j.reason
        );
    }
}
