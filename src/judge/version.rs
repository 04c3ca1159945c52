//! Windows OS versions: `10.0.<build>[.<revision>]`.

use serde::{Serialize, Serializer};
use std::fmt;

/// A Windows version as found in `os.version`, a fleet file or a tag. The revision is optional:
/// tags such as `ltsc2019` name a build but not its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OsVersion {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    pub revision: Option<u32>,
}

impl OsVersion {
    pub const fn new(build: u32, revision: Option<u32>) -> OsVersion {
        OsVersion { major: 10, minor: 0, build, revision }
    }

    /// Parse `10.0.17763` or `10.0.17763.5329`. Anything else is an error naming the text.
    pub fn parse(text: &str) -> Result<OsVersion, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(format!(
                "{text:?} is not a Windows version: expected 3 or 4 dot-separated numbers such as 10.0.17763.5329"
            ));
        }
        let mut nums = Vec::with_capacity(4);
        for p in &parts {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{text:?} is not a Windows version: {p:?} is not a number"));
            }
            nums.push(
                p.parse::<u32>()
                    .map_err(|_| format!("{text:?} is not a Windows version: {p:?} is too large"))?,
            );
        }
        Ok(OsVersion {
            major: nums[0],
            minor: nums[1],
            build: nums[2],
            revision: nums.get(3).copied(),
        })
    }
}

impl fmt::Display for OsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)?;
        if let Some(r) = self.revision {
            write!(f, ".{r}")?;
        }
        Ok(())
    }
}

impl Serialize for OsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let ok = [
            ("10.0.17763", OsVersion::new(17763, None)),
            ("10.0.17763.5329", OsVersion::new(17763, Some(5329))),
            (" 10.0.20348.2227 ", OsVersion::new(20348, Some(2227))),
        ];
        for (text, want) in ok {
            assert_eq!(OsVersion::parse(text), Ok(want), "{text}");
            assert_eq!(want.to_string(), text.trim());
        }
        for bad in ["", "10.0", "10.0.x", "10.0.1.2.3", "10..0.1", "10.0.99999999999", "-1.0.1"] {
            assert!(OsVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
