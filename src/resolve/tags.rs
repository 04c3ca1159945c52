//! Tag rules: the Windows version an image's tag names, without asking a registry. Pure.
//!
//! Microsoft's base images (`mcr.microsoft.com/windows/{servercore,nanoserver,server}`,
//! `mcr.microsoft.com/windows`, and the legacy Docker Hub `microsoft/windowsservercore`,
//! `microsoft/nanoserver`) use these tags (`knowledge/windows-compat.md` §4):
//!
//! * floating release tags: `ltsc2016`, `sac2016`, `1709`, `1803`, `ltsc2019`, `1809`, `1903`,
//!   `1909`, `2004`, `20H2`, `ltsc2022`, `ltsc2025`;
//! * KB tags `<release>-KB<n>` (Docker Hub era: `<release>_KB<n>`), pinned;
//! * full-version tags `10.0.<build>.<revision>`, pinned;
//! * any of these with an `-amd64` suffix (a single-platform manifest).
//!
//! Derived images carry the release in a suffix: `4.8-windowsservercore-ltsc2019`,
//! `8.0-nanoserver-1809`, `windowsservercore-ltsc2022` (IIS), dated `4.8-20250909-windowsservercore-ltsc2022`.
//! A tag that names no Windows release (`node:20`, `python:3.12`, `latest`) is `Unknown`: never a guess.

use crate::extract::reference::ImageRef;
use crate::judge::version::OsVersion;
use crate::model::VersionSource;
use crate::resolve::knowledge::{self, normalize_kb};

/// What a tag says about the image's Windows version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagVersion {
    Known {
        /// The build, with the revision when the tag names one (a full-version tag, or a KB tag
        /// the KB table resolves).
        version: OsVersion,
        /// The KB the tag names (`KB5034127`), resolved or not.
        kb: Option<String>,
        /// True when the tag moves as Microsoft publishes updates (`ltsc2019`,
        /// `4.8-windowsservercore-ltsc2019`); false for KB, full-version, dated and digest references.
        floating: bool,
        /// `Tag` when the tag itself says the version, `Kb` when the revision came from the KB table.
        source: VersionSource,
    },
    /// The tag names no Windows version this crate knows how to read.
    Unknown,
}

impl TagVersion {
    pub fn version(&self) -> Option<OsVersion> {
        match self {
            TagVersion::Known { version, .. } => Some(*version),
            TagVersion::Unknown => None,
        }
    }

    pub fn is_floating(&self) -> bool {
        matches!(self, TagVersion::Known { floating: true, .. })
    }
}

/// Repositories whose images are Microsoft's Windows base images.
const MCR_BASE_REPOS: &[&str] = &[
    "windows/servercore",
    "windows/nanoserver",
    "windows/server",
    "windows",
    "windows/servercore/insider",
    "windows/nanoserver/insider",
    "windows/server/insider",
    "windows/insider",
    // The pre-2019 MCR layout, before the `windows/` namespace.
    "windowsservercore",
    "nanoserver",
    "windowsservercore-insider",
    "nanoserver-insider",
];
const HUB_BASE_REPOS: &[&str] = &["microsoft/windowsservercore", "microsoft/nanoserver"];

/// Tag segments after which a release token names the Windows base (`…-windowsservercore-ltsc2019`).
const VARIANT_WORDS: &[&str] = &[
    "windowsservercore",
    "servercore",
    "nanoserver",
    "windows",
    "server",
];

/// Whether the image is one of Microsoft's Windows base images (MCR or the legacy Docker Hub repos),
/// which publish no `latest` tag.
pub fn is_microsoft_base_repo(image: &ImageRef) -> bool {
    let repo = image.repository.to_ascii_lowercase();
    match image.registry.to_ascii_lowercase().as_str() {
        "mcr.microsoft.com" => MCR_BASE_REPOS.contains(&repo.as_str()),
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            HUB_BASE_REPOS.contains(&repo.as_str())
        }
        _ => false,
    }
}

/// The Windows version the image's tag names. See the module docs for the schemes understood.
pub fn version_from_tag(image: &ImageRef) -> TagVersion {
    let Some(tag) = image.tag.as_deref() else {
        return TagVersion::Unknown;
    };
    if image.implicit_tag {
        return TagVersion::Unknown;
    }
    let pinned_by_digest = image.digest.is_some();
    let base = is_microsoft_base_repo(image);
    let lower = tag.to_ascii_lowercase().replace("_kb", "-kb");
    let lower = lower
        .strip_suffix("-amd64")
        .or_else(|| lower.strip_suffix("_amd64"))
        .unwrap_or(&lower);
    let segs: Vec<&str> = lower.split('-').collect();

    let parsed = if base {
        parse_base(&segs)
    } else {
        parse_derived(&segs)
    };
    let Some(p) = parsed else {
        return TagVersion::Unknown;
    };
    let mut version = p.version;
    let mut source = VersionSource::Tag;
    if version.revision.is_none()
        && let Some(kb) = &p.kb
        && let Some(v) = knowledge::kb_version(version.build, kb)
    {
        version = v;
        source = VersionSource::Kb;
    }
    let floating = !(pinned_by_digest || p.kb.is_some() || version.revision.is_some() || p.dated);
    TagVersion::Known {
        version,
        kb: p.kb,
        floating,
        source,
    }
}

/// Exact pinned tags for a floating tag of a Microsoft base image, newest verified release first:
/// `<release>-KB<n>` and `10.0.<build>.<revision>` (e.g. for `servercore:ltsc2019`:
/// `ltsc2019-KB5034127`, `10.0.17763.5329`). Empty for other images or unknown builds: derived
/// images' pinned tags cannot be derived from the KB table.
pub fn pinned_tags(image: &ImageRef) -> Vec<String> {
    if !is_microsoft_base_repo(image) || !version_from_tag(image).is_floating() {
        return Vec::new();
    }
    let Some(tag) = image.tag.as_deref() else {
        return Vec::new();
    };
    let (token, arch) = match tag.strip_suffix("-amd64") {
        Some(t) => (t, "-amd64"),
        None => (tag, ""),
    };
    let Some(rel) = knowledge::knowledge().release_for_tag(token) else {
        return Vec::new();
    };
    let Some(latest) = knowledge::knowledge().latest_verified(rel.build) else {
        return Vec::new();
    };
    let sep = if image.registry == "mcr.microsoft.com" {
        "-"
    } else {
        "_"
    };
    vec![
        format!("{token}{sep}{}{arch}", latest.kb),
        format!("{}{arch}", latest.version()),
    ]
}

struct Parsed {
    version: OsVersion,
    kb: Option<String>,
    dated: bool,
}

/// A base-image tag: `<release>`, `<release>-KB<n>`, `10.0.B[.R]`.
fn parse_base(segs: &[&str]) -> Option<Parsed> {
    match segs {
        [one] => release_or_full_version(one, true).map(|version| Parsed {
            version,
            kb: None,
            dated: false,
        }),
        [rel, kb] => {
            let version = release_build(rel)?;
            let kb = kb_segment(kb)?;
            Some(Parsed {
                version,
                kb: Some(kb),
                dated: false,
            })
        }
        _ => None,
    }
}

/// A derived-image tag: a release token after a variant word (`windowsservercore-ltsc2019`,
/// `nanoserver-1809`), or an unmistakable `ltscYYYY` / `sac2016` / full-version segment anywhere,
/// optionally followed by a KB segment.
fn parse_derived(segs: &[&str]) -> Option<Parsed> {
    let dated = segs.iter().any(|s| is_date(s));
    for (i, seg) in segs.iter().enumerate() {
        let after_variant = i > 0 && VARIANT_WORDS.contains(&segs[i - 1]);
        let distinctive = seg.starts_with("ltsc") || *seg == "sac2016";
        let version = if after_variant || distinctive {
            release_or_full_version(seg, after_variant)
        } else {
            full_version(seg, false)
        };
        if let Some(version) = version {
            let kb = segs.get(i + 1).and_then(|s| kb_segment(s));
            return Some(Parsed { version, kb, dated });
        }
    }
    None
}

fn release_or_full_version(seg: &str, trust_any_build: bool) -> Option<OsVersion> {
    release_build(seg).or_else(|| full_version(seg, trust_any_build))
}

/// A floating release token → its build.
fn release_build(seg: &str) -> Option<OsVersion> {
    knowledge::knowledge()
        .release_for_tag(seg)
        .map(|r| OsVersion::new(r.build, None))
}

/// `10.0.B[.R]`. Outside base repos only builds of known server releases count, so an
/// unrelated dotted version is not taken for a Windows one.
fn full_version(seg: &str, trust_any_build: bool) -> Option<OsVersion> {
    if !seg.starts_with("10.0.") {
        return None;
    }
    let v = OsVersion::parse(seg).ok()?;
    let known = knowledge::kind_of_build(v.build) == Some(knowledge::ReleaseKind::Server);
    (trust_any_build || known).then_some(v)
}

fn kb_segment(seg: &str) -> Option<String> {
    if !seg.starts_with("kb") {
        return None;
    }
    normalize_kb(seg)
}

/// `20250909`: the .NET images' date stamps (fixed snapshots).
fn is_date(seg: &str) -> bool {
    seg.len() == 8
        && seg.bytes().all(|b| b.is_ascii_digit())
        && (seg.starts_with("19") || seg.starts_with("20"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::reference::parse;

    fn known(
        build: u32,
        rev: Option<u32>,
        kb: Option<&str>,
        floating: bool,
        source: VersionSource,
    ) -> TagVersion {
        TagVersion::Known {
            version: OsVersion::new(build, rev),
            kb: kb.map(str::to_string),
            floating,
            source,
        }
    }
    fn float(build: u32) -> TagVersion {
        known(build, None, None, true, VersionSource::Tag)
    }
    fn full(build: u32, rev: u32) -> TagVersion {
        known(build, Some(rev), None, false, VersionSource::Tag)
    }
    fn kb(build: u32, rev: Option<u32>, kb: &str) -> TagVersion {
        let source = if rev.is_some() {
            VersionSource::Kb
        } else {
            VersionSource::Tag
        };
        known(build, rev, Some(kb), false, source)
    }
    fn fixed(build: u32) -> TagVersion {
        known(build, None, None, false, VersionSource::Tag)
    }

    #[test]
    fn tag_table() {
        const D: &str = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let cases: Vec<(String, TagVersion)> = vec![
            // MCR base repos: floating release tags
            (
                "mcr.microsoft.com/windows/servercore:ltsc2016".into(),
                float(14393),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2019".into(),
                float(17763),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2022".into(),
                float(20348),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2025".into(),
                float(26100),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:sac2016".into(),
                float(14393),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:1709".into(),
                float(16299),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:1803".into(),
                float(17134),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:1809".into(),
                float(17763),
            ),
            ("mcr.microsoft.com/windows:1809".into(), float(17763)),
            ("mcr.microsoft.com/windows:ltsc2019".into(), float(17763)),
            (
                "mcr.microsoft.com/windows/servercore:1903".into(),
                float(18362),
            ),
            (
                "mcr.microsoft.com/windows/servercore:1909".into(),
                float(18363),
            ),
            (
                "mcr.microsoft.com/windows/servercore:2004".into(),
                float(19041),
            ),
            (
                "mcr.microsoft.com/windows/servercore:20H2".into(),
                float(19042),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:20h2".into(),
                float(19042),
            ),
            (
                "mcr.microsoft.com/windows/server:ltsc2022".into(),
                float(20348),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:ltsc2025-amd64".into(),
                float(26100),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2019-amd64".into(),
                float(17763),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:1809-amd64".into(),
                float(17763),
            ),
            // full-version tags
            (
                "mcr.microsoft.com/windows/servercore:10.0.17763.5329".into(),
                full(17763, 5329),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:10.0.20348.2655-amd64".into(),
                full(20348, 2655),
            ),
            (
                "mcr.microsoft.com/windows/servercore/insider:10.0.25314.1".into(),
                full(25314, 1),
            ),
            (
                "mcr.microsoft.com/windows/servercore:10.0.17763".into(),
                float(17763),
            ),
            // KB tags, resolved through the KB table (container rows first)
            (
                "mcr.microsoft.com/windows/nanoserver:1809-KB4493509".into(),
                kb(17763, Some(437), "KB4493509"),
            ),
            (
                "mcr.microsoft.com/windows/servercore:1809-KB4546852".into(),
                kb(17763, Some(1040), "KB4546852"),
            ),
            (
                "mcr.microsoft.com/windows/servercore:1809-KB5032196-amd64".into(),
                kb(17763, Some(5122), "KB5032196"),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2019-KB5034127".into(),
                kb(17763, Some(5329), "KB5034127"),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2022-KB5041160".into(),
                kb(20348, Some(2655), "KB5041160"),
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2025-KB5059087-amd64".into(),
                kb(26100, Some(3781), "KB5059087"),
            ),
            (
                "mcr.microsoft.com/windows/nanoserver:20H2-KB5016616".into(),
                kb(19042, Some(1889), "KB5016616"),
            ),
            // a KB the table does not know: build from the prefix, pinned, revision unknown
            (
                "mcr.microsoft.com/windows/servercore:ltsc2025-KB5122871-amd64".into(),
                kb(26100, None, "KB5122871"),
            ),
            // legacy Docker Hub
            (
                "microsoft/windowsservercore:10.0.14393.1884".into(),
                full(14393, 1884),
            ),
            ("microsoft/windowsservercore:ltsc2016".into(), float(14393)),
            ("microsoft/nanoserver:sac2016".into(), float(14393)),
            (
                "microsoft/nanoserver:1709_KB4043961".into(),
                kb(16299, Some(19), "KB4043961"),
            ),
            (
                "microsoft/windowsservercore:1709_KB4074588".into(),
                kb(16299, Some(248), "KB4074588"),
            ),
            (
                "docker.io/microsoft/windowsservercore:1803".into(),
                float(17134),
            ),
            // derived images
            (
                "mcr.microsoft.com/dotnet/framework/runtime:4.8-windowsservercore-ltsc2019".into(),
                float(17763),
            ),
            (
                "mcr.microsoft.com/dotnet/framework/sdk:4.8.1-windowsservercore-ltsc2022".into(),
                float(20348),
            ),
            (
                "mcr.microsoft.com/dotnet/framework/aspnet:4.8-20250909-windowsservercore-ltsc2022"
                    .into(),
                fixed(20348),
            ),
            (
                "mcr.microsoft.com/dotnet/framework/runtime:4.8-windowsservercore-ltsc2016".into(),
                float(14393),
            ),
            (
                "mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-1809".into(),
                float(17763),
            ),
            (
                "mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022".into(),
                float(20348),
            ),
            (
                "mcr.microsoft.com/dotnet/runtime:9.0-nanoserver-ltsc2025".into(),
                float(26100),
            ),
            (
                "mcr.microsoft.com/dotnet/aspnet:8.0-windowsservercore-ltsc2025-amd64".into(),
                float(26100),
            ),
            (
                "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019".into(),
                float(17763),
            ),
            (
                "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022".into(),
                float(20348),
            ),
            (
                "microsoft/iis:windowsservercore-ltsc2016".into(),
                float(14393),
            ),
            (
                "microsoft/aspnet:4.7.2-windowsservercore-1803".into(),
                float(17134),
            ),
            (
                "python:3.12-windowsservercore-ltsc2022".into(),
                float(20348),
            ),
            ("golang:1.22-nanoserver-1809".into(), float(17763)),
            ("mongo:7.0-windowsservercore-1809".into(), float(17763)),
            (
                "mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022".into(),
                float(20348),
            ),
            (
                "mcr.microsoft.com/oss/kubernetes/pause:3.9-windows-ltsc2022-amd64".into(),
                float(20348),
            ),
            (
                "registry.example.com/team/app:1.4.2-ltsc2019".into(),
                float(17763),
            ),
            (
                "registry.example.com/team/app:1.4.2-10.0.17763.5329".into(),
                full(17763, 5329),
            ),
            (
                "registry.example.com/team/app:windowsservercore-1809-KB5032196".into(),
                kb(17763, Some(5122), "KB5032196"),
            ),
            // pinned by digest
            (
                format!("mcr.microsoft.com/windows/servercore:ltsc2019{D}"),
                fixed(17763),
            ),
            (
                format!("mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022{D}"),
                fixed(20348),
            ),
            (
                format!("mcr.microsoft.com/windows/servercore{D}"),
                TagVersion::Unknown,
            ),
            // no Windows release in the tag: Unknown, never a guess
            ("node:20".into(), TagVersion::Unknown),
            ("python:3.12".into(), TagVersion::Unknown),
            (
                "mcr.microsoft.com/windows/servercore:latest".into(),
                TagVersion::Unknown,
            ),
            (
                "mcr.microsoft.com/windows/servercore".into(),
                TagVersion::Unknown,
            ),
            ("microsoft/windowsservercore".into(), TagVersion::Unknown),
            (
                "mcr.microsoft.com/dotnet/framework/runtime:4.8".into(),
                TagVersion::Unknown,
            ),
            (
                "mcr.microsoft.com/windows/servercore:23H2".into(),
                TagVersion::Unknown,
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2019-foo".into(),
                TagVersion::Unknown,
            ),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2030".into(),
                TagVersion::Unknown,
            ),
            ("registry.example.com/app:1809".into(), TagVersion::Unknown),
            ("registry.example.com/app:2004".into(), TagVersion::Unknown),
            (
                "registry.example.com/app:1.0-10.0.99999.1".into(),
                TagVersion::Unknown,
            ),
            (
                "registry.example.com/app:10.0.17763.1".into(),
                full(17763, 1),
            ),
            ("alpine:3.20".into(), TagVersion::Unknown),
        ];
        for (text, want) in cases {
            let image = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(version_from_tag(&image), want, "{text}");
        }
    }

    #[test]
    fn base_repos() {
        let cases = [
            ("mcr.microsoft.com/windows/servercore:ltsc2019", true),
            ("mcr.microsoft.com/windows/nanoserver", true),
            ("mcr.microsoft.com/windows:1809", true),
            ("mcr.microsoft.com/windows/server:ltsc2022", true),
            ("microsoft/windowsservercore", true),
            ("microsoft/nanoserver:sac2016", true),
            ("docker.io/microsoft/nanoserver", true),
            ("mcr.microsoft.com/windows/servercore/iis", false),
            ("mcr.microsoft.com/dotnet/framework/sdk:4.8", false),
            ("microsoft/iis", false),
            ("example.com/windows/servercore", false),
            ("windows/servercore", false),
        ];
        for (text, want) in cases {
            assert_eq!(
                is_microsoft_base_repo(&parse(text).unwrap()),
                want,
                "{text}"
            );
        }
    }

    #[test]
    fn pinned_alternatives() {
        let k = knowledge::knowledge();
        let l19 = k.latest_verified(17763).unwrap();
        let got = pinned_tags(&parse("mcr.microsoft.com/windows/servercore:ltsc2019").unwrap());
        assert_eq!(
            got,
            [format!("ltsc2019-{}", l19.kb), l19.version().to_string()]
        );
        let got = pinned_tags(&parse("mcr.microsoft.com/windows/nanoserver:1809-amd64").unwrap());
        assert_eq!(
            got,
            [
                format!("1809-{}-amd64", l19.kb),
                format!("{}-amd64", l19.version())
            ]
        );
        for pinned in [
            "mcr.microsoft.com/windows/servercore:ltsc2019-KB5034127",
            "mcr.microsoft.com/windows/servercore:10.0.17763.5329",
            "mcr.microsoft.com/dotnet/framework/runtime:4.8-windowsservercore-ltsc2019",
            "mcr.microsoft.com/windows/servercore:latest",
        ] {
            assert!(pinned_tags(&parse(pinned).unwrap()).is_empty(), "{pinned}");
        }
    }

    #[test]
    fn accessors() {
        let t = version_from_tag(&parse("mcr.microsoft.com/windows/servercore:ltsc2019").unwrap());
        assert!(t.is_floating());
        assert_eq!(t.version(), Some(OsVersion::new(17763, None)));
        assert!(!TagVersion::Unknown.is_floating());
        assert_eq!(TagVersion::Unknown.version(), None);
    }
}
