//! Image references: parse and normalise with oci-client's `Reference` (Docker Hub defaults).

use oci_client::Reference;

/// The parts of a normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// True when neither a tag nor a digest was written (implicit `latest`).
    pub implicit_tag: bool,
}

impl ImageRef {
    /// `registry/repository[:tag][@digest]`, with the implicit `latest` left implicit.
    pub fn normalized(&self) -> String {
        let mut s = format!("{}/{}", self.registry, self.repository);
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// The repository as users write it for Docker Hub official images (`library/` dropped).
    pub fn display_repository(&self) -> &str {
        if self.registry == "docker.io" {
            self.repository.strip_prefix("library/").unwrap_or(&self.repository)
        } else {
            &self.repository
        }
    }
}

/// Parse an image reference as Docker does. Errors say what is wrong with the text.
pub fn parse(text: &str) -> Result<ImageRef, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty image reference".to_string());
    }
    if trimmed != text {
        return Err(format!("image reference {text:?} has surrounding whitespace"));
    }
    let r = Reference::try_from(trimmed)
        .map_err(|e| format!("invalid image reference {trimmed:?}: {e}"))?;
    let implicit_tag = !has_explicit_tag(trimmed) && r.digest().is_none();
    let tag = if implicit_tag { None } else { r.tag().map(str::to_string) };
    Ok(ImageRef {
        registry: r.registry().to_string(),
        repository: r.repository().to_string(),
        tag,
        digest: r.digest().map(str::to_string),
        implicit_tag,
    })
}

/// Whether the text carries a `:tag` after its last path component.
fn has_explicit_tag(text: &str) -> bool {
    let name = text.split('@').next().unwrap_or(text);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_docker() {
        let cases = [
            ("alpine", "docker.io/library/alpine", true),
            ("alpine:3.20", "docker.io/library/alpine:3.20", false),
            ("microsoft/nanoserver:sac2016", "docker.io/microsoft/nanoserver:sac2016", false),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2019",
                "mcr.microsoft.com/windows/servercore:ltsc2019",
                false,
            ),
            ("localhost:5000/app", "localhost:5000/app", true),
            (
                "mcr.microsoft.com/windows/nanoserver@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "mcr.microsoft.com/windows/nanoserver@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                false,
            ),
        ];
        for (input, want, implicit) in cases {
            let r = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.normalized(), want, "{input}");
            assert_eq!(r.implicit_tag, implicit, "{input}");
        }
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "library/Alpine", "a b", "img:", " alpine", "img@sha256:zz"] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
