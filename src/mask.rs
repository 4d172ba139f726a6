//! Masking secret values in a child's output as it streams, also when a value is split
//! across reads (`sigil run`).

/// What a masked value becomes.
pub const MASK: &[u8] = b"<concealed by sigil>";

/// A streaming masker: feed it chunks, it returns what may be printed now. It holds back only
/// a tail that could be the start of a secret, so a prompt without a newline is not delayed.
pub struct Masker {
    secrets: Vec<Vec<u8>>,
    carry: Vec<u8>,
}

impl Masker {
    /// A masker for these values (empty ones are ignored; longer ones win).
    pub fn new(secrets: impl IntoIterator<Item = Vec<u8>>) -> Masker {
        let mut secrets: Vec<Vec<u8>> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker {
            secrets,
            carry: Vec::new(),
        }
    }

    /// Takes the next chunk of output; returns the bytes that are safe to write now.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        'scan: while i < buf.len() {
            let rest = &buf[i..];
            for s in &self.secrets {
                if rest.starts_with(s) {
                    out.extend_from_slice(MASK);
                    i += s.len();
                    continue 'scan;
                }
            }
            // The rest may be the beginning of a secret that the next read completes.
            if self
                .secrets
                .iter()
                .any(|s| s.len() > rest.len() && s.starts_with(rest))
            {
                self.carry = rest.to_vec();
                return out;
            }
            out.push(buf[i]);
            i += 1;
        }
        out
    }

    /// The end of the stream: what was held back is printed (it was not a secret).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&str], chunks: &[&str]) -> String {
        let mut m = Masker::new(secrets.iter().map(|s| s.as_bytes().to_vec()));
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.feed(c.as_bytes()));
        }
        out.extend(m.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn masks_whole_and_split_values() {
        assert_eq!(
            run(&["hunter2"], &["pw=hunter2\n"]),
            "pw=<concealed by sigil>\n"
        );
        assert_eq!(
            run(&["hunter2"], &["pw=hu", "n", "ter", "2!"]),
            "pw=<concealed by sigil>!"
        );
        let bytes: Vec<String> = "a hunter2 b".chars().map(String::from).collect();
        let chunks: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(run(&["hunter2"], &chunks), "a <concealed by sigil> b");
        assert_eq!(
            run(&["abc", "abcdef"], &["xabcdefy abc"]),
            "x<concealed by sigil>y <concealed by sigil>"
        );
        assert_eq!(run(&["hunter2"], &["hunt", "er3"]), "hunter3");
        assert_eq!(run(&["hunter2"], &["ends with hun"]), "ends with hun");
    }

    #[test]
    fn holds_back_only_possible_starts() {
        let mut m = Masker::new([b"secret".to_vec()]);
        assert_eq!(m.feed(b"Password: "), b"Password: ");
        assert_eq!(m.feed(b"xx se"), b"xx ");
        assert_eq!(m.feed(b"cret"), MASK);
    }
}
