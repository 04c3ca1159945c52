//! The Windows knowledge winfit ships: the release table (`rules/windows-releases.toml`) and the
//! KB table (`rules/kb.toml`), embedded at build time and parsed once. Pure: no I/O.

use crate::judge::version::OsVersion;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

const RELEASES_TOML: &str = include_str!("../../rules/windows-releases.toml");
const KB_TOML: &str = include_str!("../../rules/kb.toml");

/// A calendar date (`YYYY-MM-DD`), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub const fn new(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("{text:?} is not a date (YYYY-MM-DD)");
        let mut it = text.split('-');
        let (y, m, d) = match (it.next(), it.next(), it.next(), it.next()) {
            (Some(y), Some(m), Some(d), None) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                (y, m, d)
            }
            _ => return Err(bad()),
        };
        let year = y.parse::<u16>().map_err(|_| bad())?;
        let month = m.parse::<u8>().map_err(|_| bad())?;
        let day = d.parse::<u8>().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Server releases have container base images; client releases only host containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseKind {
    Server,
    Client,
}

/// One Windows release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Stable short id: `ws2019`, `ws20h2`, `win11-24h2`.
    pub id: String,
    /// `Windows Server 2019`, `Windows 11, version 24H2`.
    pub name: String,
    /// The marketing version: `1809`, `21H2`, `24H2`.
    pub version_name: String,
    pub build: u32,
    pub kind: ReleaseKind,
    /// `LTSC`, `SAC`, `AC` (servers only).
    #[serde(default)]
    pub channel: Option<String>,
    pub release_date: Date,
    /// Whether Microsoft publishes container base images of this build.
    pub base_images: bool,
    /// Floating MCR tags that name this build (`ltsc2019`, `1809`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `mcr.microsoft.com/windows/<repo>` repositories with images of this build.
    #[serde(default)]
    pub repos: Vec<String>,
    #[serde(default)]
    pub eos_mainstream: Option<Date>,
    #[serde(default)]
    pub eos_extended: Option<Date>,
    #[serde(default)]
    pub eos_home_pro: Option<Date>,
    #[serde(default)]
    pub eos_enterprise: Option<Date>,
    #[serde(default)]
    pub eos_ltsc: Option<Date>,
    /// End of support of this release's Nano Server image, where it differs from the OS's
    /// (Nano Server 1607 was serviced on the Semi-Annual Channel).
    #[serde(default)]
    pub eos_nanoserver: Option<Date>,
}

impl Release {
    /// The last day any edition of this release is supported: extended support for servers
    /// (mainstream when there is none, as for SAC releases); the latest of the client editions.
    pub fn end_of_support(&self) -> Option<Date> {
        match self.kind {
            ReleaseKind::Server => self.eos_extended.or(self.eos_mainstream),
            ReleaseKind::Client => [self.eos_home_pro, self.eos_enterprise, self.eos_ltsc]
                .into_iter()
                .flatten()
                .max(),
        }
    }

    /// The release's support state on `today`.
    pub fn support_on(&self, today: Date) -> Support {
        match self.end_of_support() {
            None => Support::Unknown,
            Some(end) if today > end => Support::Ended { on: end },
            Some(end) => match self.eos_mainstream {
                Some(m) if self.kind == ReleaseKind::Server && today > m && m != end => {
                    Support::Extended {
                        mainstream_ended: m,
                        until: end,
                    }
                }
                _ => Support::Supported { until: end },
            },
        }
    }
}

/// Support state of a release on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// In mainstream (or the only) support until the date, inclusive.
    Supported { until: Date },
    /// Mainstream support has ended; security updates continue until `until`.
    Extended { mainstream_ended: Date, until: Date },
    /// No longer supported since the day after `on`.
    Ended { on: Date },
    /// No end date is known.
    Unknown,
}

/// Where a KB row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KbSource {
    /// A container-image release (some revisions/KBs exist only for container images).
    Container,
    /// The operating system's update history.
    Os,
}

/// One KB ↔ version pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbEntry {
    /// `KB4546852`.
    pub kb: String,
    pub build: u32,
    pub revision: u32,
    pub source: KbSource,
    /// `2020-02` for monthly releases verified against Microsoft's release-information page.
    pub month: Option<String>,
    /// `B` (Patch Tuesday), `OOB`, … where known.
    pub update_type: Option<String>,
}

impl KbEntry {
    pub fn version(&self) -> OsVersion {
        OsVersion::new(self.build, Some(self.revision))
    }
}

/// The February 2020 (2B) security baseline of one build.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feb2020Baseline {
    pub build: u32,
    /// The host OS revision of the 2B update: revisions `>= host` are on the new side.
    pub host: u32,
    /// The container image revision released with it.
    pub container: u32,
    pub container_kb: String,
}

/// The whole knowledge base.
#[derive(Debug)]
pub struct Knowledge {
    pub releases: Vec<Release>,
    pub kbs: Vec<KbEntry>,
    pub baselines: Vec<Feb2020Baseline>,
    /// (build, upper-cased KB) → indices into `kbs`, container rows first.
    by_build_kb: HashMap<(u32, String), Vec<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleasesFile {
    release: Vec<Release>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    feb2020_baseline: Vec<Feb2020Baseline>,
    container: Vec<KbRow>,
    os: Vec<KbRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbRow {
    kb: String,
    build: u32,
    revision: u32,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    update_type: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    r#ref: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

impl Knowledge {
    /// Parse the two tables. Panics only in `knowledge()` (the data is embedded and tested).
    pub fn from_toml(releases: &str, kb: &str) -> Result<Knowledge, String> {
        let r: ReleasesFile =
            toml::from_str(releases).map_err(|e| format!("windows-releases.toml: {e}"))?;
        let k: KbFile = toml::from_str(kb).map_err(|e| format!("kb.toml: {e}"))?;
        let mut kbs = Vec::with_capacity(k.container.len() + k.os.len());
        for (rows, source) in [(k.container, KbSource::Container), (k.os, KbSource::Os)] {
            for row in rows {
                kbs.push(KbEntry {
                    kb: row.kb.to_ascii_uppercase(),
                    build: row.build,
                    revision: row.revision,
                    source,
                    month: row.month,
                    update_type: row.update_type,
                });
            }
        }
        let mut by_build_kb: HashMap<(u32, String), Vec<usize>> = HashMap::new();
        for (i, e) in kbs.iter().enumerate() {
            by_build_kb
                .entry((e.build, e.kb.clone()))
                .or_default()
                .push(i);
        }
        Ok(Knowledge {
            releases: r.release,
            kbs,
            baselines: k.feb2020_baseline,
            by_build_kb,
        })
    }

    /// The release of a build. Where a server and a client release share the build (14393…19042,
    /// 26100), the server release (the one with base images) is returned.
    pub fn release_for_build(&self, build: u32) -> Option<&Release> {
        let mut all = self.releases.iter().filter(|r| r.build == build);
        let first = all.next()?;
        if first.kind == ReleaseKind::Server {
            return Some(first);
        }
        Some(all.find(|r| r.kind == ReleaseKind::Server).unwrap_or(first))
    }

    /// Every release with this build (server first, then client).
    pub fn releases_for_build(&self, build: u32) -> Vec<&Release> {
        let mut v: Vec<&Release> = self.releases.iter().filter(|r| r.build == build).collect();
        v.sort_by_key(|r| r.kind == ReleaseKind::Client);
        v
    }

    /// A release by id (`ws2019`, `win11-23h2`).
    pub fn release_by_id(&self, id: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// The server release whose floating MCR tag is `tag` (`ltsc2019`, `1809`, `20h2`; case-insensitive).
    pub fn release_for_tag(&self, tag: &str) -> Option<&Release> {
        self.releases.iter().find(|r| {
            r.kind == ReleaseKind::Server && r.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
        })
    }

    /// The version a KB names for a build. Container-image rows win over OS rows; when the OS
    /// table lists two revisions for the pair, the verified monthly row decides, else `None`.
    pub fn kb_version(&self, build: u32, kb: &str) -> Option<OsVersion> {
        let idx = self.by_build_kb.get(&(build, normalize_kb(kb)?))?;
        let rows: Vec<&KbEntry> = idx.iter().map(|&i| &self.kbs[i]).collect();
        let pick = |rows: &[&KbEntry]| -> Option<u32> {
            let first = rows.first()?.revision;
            rows.iter().all(|r| r.revision == first).then_some(first)
        };
        let container: Vec<&KbEntry> = rows
            .iter()
            .copied()
            .filter(|r| r.source == KbSource::Container)
            .collect();
        if let Some(rev) = pick(&container) {
            return Some(OsVersion::new(build, Some(rev)));
        }
        if let Some(rev) = pick(&rows) {
            return Some(OsVersion::new(build, Some(rev)));
        }
        let verified: Vec<&KbEntry> = rows.iter().copied().filter(|r| r.month.is_some()).collect();
        pick(&verified).map(|rev| OsVersion::new(build, Some(rev)))
    }

    /// Every KB known for exactly this build and revision, container rows first. Empty when the
    /// version has no revision.
    pub fn kbs_for_version(&self, v: OsVersion) -> Vec<&KbEntry> {
        let Some(rev) = v.revision else {
            return Vec::new();
        };
        if (v.major, v.minor) != (10, 0) {
            return Vec::new();
        }
        let mut out: Vec<&KbEntry> = Vec::new();
        for e in self
            .kbs
            .iter()
            .filter(|e| e.build == v.build && e.revision == rev)
        {
            if !out.iter().any(|o| o.kb == e.kb) {
                out.push(e);
            }
        }
        out
    }

    /// The newest monthly release of a build that the KB table lists as verified (a row with a
    /// month: B or OOB releases cross-checked against Microsoft's release-information page).
    /// Used to name exact pinned tags (`ltsc2019-KB5034127`, `10.0.17763.5329`).
    pub fn latest_verified(&self, build: u32) -> Option<&KbEntry> {
        self.kbs
            .iter()
            .filter(|e| e.build == build && e.source == KbSource::Os && e.month.is_some())
            .max_by_key(|e| e.revision)
    }

    /// The February 2020 baseline of a build, if the build has one.
    pub fn feb2020_baseline(&self, build: u32) -> Option<&Feb2020Baseline> {
        self.baselines.iter().find(|b| b.build == build)
    }

    /// The releases of these builds that are past their end of support on `today`.
    pub fn support_on(&self, build: u32, today: Date) -> Option<(&Release, Support)> {
        self.release_for_build(build)
            .map(|r| (r, r.support_on(today)))
    }
}

/// `kb5034127`, `KB5034127`, `5034127` → `KB5034127`.
pub fn normalize_kb(kb: &str) -> Option<String> {
    let t = kb.trim();
    let digits = if t.len() > 2 && t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("kb")) {
        &t[2..]
    } else {
        t
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("KB{digits}"))
}

static KNOWLEDGE: LazyLock<Knowledge> = LazyLock::new(|| {
    Knowledge::from_toml(RELEASES_TOML, KB_TOML).expect("embedded knowledge tables parse")
});

/// The embedded knowledge, parsed on first use.
pub fn knowledge() -> &'static Knowledge {
    &KNOWLEDGE
}

/// See [`Knowledge::release_for_build`].
pub fn release_for_build(build: u32) -> Option<&'static Release> {
    knowledge().release_for_build(build)
}

/// See [`Knowledge::kb_version`].
pub fn kb_version(build: u32, kb: &str) -> Option<OsVersion> {
    knowledge().kb_version(build, kb)
}

/// See [`Knowledge::kbs_for_version`].
pub fn kbs_for_version(v: OsVersion) -> Vec<&'static KbEntry> {
    knowledge().kbs_for_version(v)
}

/// The release of `v` (server preferred) with its KBs, for "the release name and KB of this
/// revision" in `inspect` output.
pub fn describe_version(v: OsVersion) -> (Option<&'static Release>, Vec<&'static KbEntry>) {
    let release = ((v.major, v.minor) == (10, 0))
        .then(|| release_for_build(v.build))
        .flatten();
    (release, kbs_for_version(v))
}

/// The release of `build` and whether it is past its end of support on `today`.
pub fn support_on(build: u32, today: Date) -> Option<(&'static Release, Support)> {
    knowledge().support_on(build, today)
}

/// True when the release of `build` is known and its support ended before `today`.
pub fn is_unsupported(build: u32, today: Date) -> bool {
    matches!(support_on(build, today), Some((_, Support::Ended { .. })))
}

/// Host kind of a build as the fleet file defines it: server when a server release has the
/// build, client when only a client release does, `None` for unknown builds.
pub fn kind_of_build(build: u32) -> Option<ReleaseKind> {
    release_for_build(build).map(|r| r.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(b: u32, r: u32) -> Option<OsVersion> {
        Some(OsVersion::new(b, Some(r)))
    }

    #[test]
    fn tables_load_and_cover_the_releases() {
        let k = knowledge();
        for b in [
            14393, 16299, 17134, 17763, 18362, 18363, 19041, 19042, 20348, 25398, 26100,
        ] {
            let r = k.release_for_build(b).unwrap_or_else(|| panic!("{b}"));
            assert_eq!(r.kind, ReleaseKind::Server, "{b}");
        }
        for b in [
            10240, 10586, 14393, 15063, 16299, 17134, 17763, 18362, 18363, 19041, 19042, 19043,
            19044, 19045, 22000, 22621, 22631, 26100, 26200, 28000,
        ] {
            assert!(
                k.releases_for_build(b)
                    .iter()
                    .any(|r| r.kind == ReleaseKind::Client),
                "client {b}"
            );
        }
        assert!(k.kbs.len() > 900);
        assert_eq!(k.baselines.len(), 5);
        // ids are unique
        let mut ids: Vec<&str> = k.releases.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), k.releases.len());
    }

    #[test]
    fn releases_by_build_tag_and_id() {
        let cases = [
            (14393, "ws2016", "Windows Server 2016", "1607"),
            (17763, "ws2019", "Windows Server 2019", "1809"),
            (19042, "ws20h2", "Windows Server, version 20H2", "20H2"),
            (20348, "ws2022", "Windows Server 2022", "21H2"),
            (26100, "ws2025", "Windows Server 2025", "24H2"),
            (19045, "win10-22h2", "Windows 10, version 22H2", "22H2"),
            (22631, "win11-23h2", "Windows 11, version 23H2", "23H2"),
            (26200, "win11-25h2", "Windows 11, version 25H2", "25H2"),
        ];
        for (build, id, name, vn) in cases {
            let r = release_for_build(build).unwrap();
            assert_eq!(
                (r.id.as_str(), r.name.as_str(), r.version_name.as_str()),
                (id, name, vn)
            );
        }
        assert_eq!(release_for_build(12345), None);
        assert_eq!(
            knowledge().release_by_id("WIN11-24H2").unwrap().build,
            26100
        );
        let tags = [
            ("ltsc2016", 14393),
            ("sac2016", 14393),
            ("1709", 16299),
            ("1803", 17134),
            ("ltsc2019", 17763),
            ("1809", 17763),
            ("1903", 18362),
            ("1909", 18363),
            ("2004", 19041),
            ("20h2", 19042),
            ("20H2", 19042),
            ("ltsc2022", 20348),
            ("ltsc2025", 26100),
        ];
        for (tag, build) in tags {
            assert_eq!(
                knowledge().release_for_tag(tag).map(|r| r.build),
                Some(build),
                "{tag}"
            );
        }
        assert!(knowledge().release_for_tag("23H2").is_none());
        assert!(knowledge().release_for_tag("latest").is_none());
    }

    #[test]
    fn kb_lookup_keyed_on_build_and_kb() {
        let cases: &[(u32, &str, Option<OsVersion>)] = &[
            (17763, "KB4493509", v(17763, 437)),
            (17763, "kb4534273", v(17763, 973)),
            (14393, "KB4041691", v(14393, 1770)),
            (14393, "KB4053579", v(14393, 1944)),
            (14393, "KB4051033", v(14393, 1914)),
            // container-only releases
            (14393, "KB4546850", v(14393, 3506)),
            (14393, "KB4551573", v(14393, 3568)),
            (17134, "KB4546851", v(17134, 1305)),
            (17763, "KB4546852", v(17763, 1040)),
            (18362, "KB4546853", v(18362, 658)),
            (18363, "KB4546853", v(18363, 658)),
            (16299, "KB4043961", v(16299, 19)),
            (16299, "KB4074588", v(16299, 248)),
            (19042, "KB5016616", v(19042, 1889)),
            (19042, "KB5008212", v(19042, 1415)),
            (20348, "KB5041160", v(20348, 2655)),
            (20348, "KB5033118", v(20348, 2159)),
            (26100, "KB5059087", v(26100, 3781)),
            (17763, "KB5059091", v(17763, 7249)),
            (17763, "KB5032196", v(17763, 5122)),
            // one KB, several builds
            (18362, "KB4528760", v(18362, 592)),
            (18363, "KB4528760", v(18363, 592)),
            // wrong build for the KB, unknown KB, garbage
            (20348, "KB4493509", None),
            (17763, "KB0000001", None),
            (17763, "KBxyz", None),
            (26100, "KB5122871", None),
        ];
        for (build, kb, want) in cases {
            assert_eq!(kb_version(*build, kb), *want, "{build} {kb}");
        }
    }

    #[test]
    fn kbs_for_a_revision() {
        let kbs: Vec<&str> = kbs_for_version(OsVersion::new(17763, Some(1040)))
            .iter()
            .map(|e| e.kb.as_str())
            .collect();
        assert_eq!(kbs, ["KB4546852"]);
        let kbs = kbs_for_version(OsVersion::new(17763, Some(437)));
        assert_eq!(kbs[0].kb, "KB4493509");
        assert!(kbs_for_version(OsVersion::new(17763, None)).is_empty());
        assert!(kbs_for_version(OsVersion::new(17763, Some(999_999))).is_empty());
        let (rel, kbs) = describe_version(OsVersion::new(20348, Some(2655)));
        assert_eq!(rel.unwrap().id, "ws2022");
        assert_eq!(kbs[0].kb, "KB5041160");
    }

    #[test]
    fn end_of_support() {
        let d = |s| Date::parse(s).unwrap();
        let cases = [
            (14393, "2026-01-01", false),
            (14393, "2027-01-12", false),
            (14393, "2027-01-13", true),
            (17134, "2019-11-12", false),
            (17134, "2019-11-13", true),
            (19042, "2024-01-01", true),
            (17763, "2026-12-04", false),
            (20348, "2026-12-04", false),
            (26100, "2030-01-01", false),
            (22000, "2026-12-04", true),
        ];
        for (build, today, ended) in cases {
            assert_eq!(is_unsupported(build, d(today)), ended, "{build} {today}");
        }
        assert_eq!(
            support_on(17763, d("2026-12-04")).unwrap().1,
            Support::Extended {
                mainstream_ended: d("2024-01-09"),
                until: d("2029-01-09")
            }
        );
        assert_eq!(
            support_on(26100, d("2026-12-04")).unwrap().1,
            Support::Supported {
                until: d("2034-11-14")
            }
        );
        assert_eq!(support_on(12345, d("2026-12-04")), None);
        assert!(!is_unsupported(12345, d("2026-12-04")));
    }

    #[test]
    fn dates_and_kbs_parse() {
        assert_eq!(Date::parse("2024-01-09"), Ok(Date::new(2024, 1, 9)));
        for bad in [
            "2024-1-09",
            "2024-13-01",
            "2024-01-32",
            "x",
            "2024-01-01-01",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Date::new(2024, 1, 9).to_string(), "2024-01-09");
        assert_eq!(normalize_kb("kb123").as_deref(), Some("KB123"));
        assert_eq!(normalize_kb("5034127").as_deref(), Some("KB5034127"));
        assert_eq!(normalize_kb("KB"), None);
        assert_eq!(normalize_kb("KB12a"), None);
    }

    #[test]
    fn latest_verified_release() {
        for b in [14393, 17763, 20348, 26100] {
            let e = knowledge()
                .latest_verified(b)
                .unwrap_or_else(|| panic!("{b}"));
            assert!(e.month.as_deref().unwrap() >= "2025-01", "{b}: {e:?}");
            assert_eq!(kb_version(b, &e.kb).map(|v| v.build), Some(b));
        }
        assert!(knowledge().latest_verified(22631).is_none());
    }

    #[test]
    fn feb2020_baselines() {
        let b = knowledge().feb2020_baseline(17763).unwrap();
        assert_eq!((b.host, b.container), (1039, 1040));
        assert!(knowledge().feb2020_baseline(20348).is_none());
    }
}
