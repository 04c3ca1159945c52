//! Judge: the compatibility engine (image os.version × host → verdict). Pure.

pub mod engine;
pub mod select;
pub mod version;

use engine::Judgement;
use select::Runtime;
use version::OsVersion;

/// Judge an image against a host the way the host's runtime will meet it. With several Windows
/// entries (a manifest list), the runtime's pull-time choice decides which entry runs; when the
/// runtime would pick none, the best any entry can do is reported. Without registry entries the
/// image's single known version (or none) is judged.
pub fn judge_on_host(
    entries: &[Option<OsVersion>],
    version: Option<OsVersion>,
    host: OsVersion,
    runtime: Option<Runtime>,
) -> Judgement {
    if entries.is_empty() {
        return match version {
            Some(v) => engine::judge(Some(v), host),
            None => Judgement::unknown(host),
        };
    }
    let runtime = runtime.unwrap_or(Runtime::Containerd);
    if let Some(i) = select::select_entry(runtime, entries, host)
        && let Some(entry) = entries.get(i)
    {
        return engine::judge(*entry, host);
    }
    entries
        .iter()
        .map(|e| engine::judge(*e, host))
        // Verdicts order from best (process) to worst (unknown).
        .min_by_key(|j| j.verdict)
        .unwrap_or_else(|| Judgement::unknown(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::Verdict;

    fn v(b: u32, r: u32) -> Option<OsVersion> {
        Some(OsVersion::new(b, Some(r)))
    }

    #[test]
    fn the_runtime_choice_decides_the_entry() {
        let list = [v(17763, 5329), v(20348, 2227), v(26100, 1742)];
        let host19 = OsVersion::new(17763, Some(6054));
        let host22 = OsVersion::new(20348, Some(2582));
        // A multi-Windows list runs process-isolated on each host: the runtime picks its entry.
        for host in [host19, host22] {
            for rt in [Runtime::Containerd, Runtime::Docker] {
                assert_eq!(
                    judge_on_host(&list, None, host, Some(rt)).verdict,
                    Verdict::Process,
                    "{host} {rt:?}"
                );
            }
        }
        // Only the 26100 entry: nothing runs it on WS2022.
        assert_eq!(
            judge_on_host(&[v(26100, 1742)], None, host22, None).verdict,
            Verdict::None
        );
        // No registry entries: the tag's version decides; no version at all is unknown.
        assert_eq!(
            judge_on_host(&[], v(17763, 1), host22, None).verdict,
            Verdict::HyperV
        );
        assert_eq!(
            judge_on_host(&[], None, host22, None).verdict,
            Verdict::Unknown
        );
    }
}
