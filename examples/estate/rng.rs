//! A small deterministic random number generator (splitmix64): the same seed gives the same
//! estate on every machine, with integer arithmetic only (no floating point, whose last bits may
//! differ between C libraries).

/// splitmix64 (Steele, Lea and Flood, 2014): 64 bits of state, passes BigCrush, fast.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one independent stream of the estate: the seed, a name (`"aws"`) and an
    /// index (an account's number), so that each unit can be generated on its own.
    pub fn stream(seed: u64, name: &str, index: u64) -> Rng {
        // FNV-1a of the name, then mixed with the seed and the index.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut r = Rng(seed ^ h.rotate_left(17) ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One item of a list (the list must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index into a list of `n` items, skewed towards its start (the popular items come
    /// first): the smaller of two draws.
    pub fn skewed(&mut self, n: u64) -> u64 {
        self.below(n).min(self.below(n))
    }

    /// A count with a long tail: mostly small, sometimes a few times the mean. Its mean is
    /// close to `mean` (within a few percent for means of 5 and more).
    pub fn around(&mut self, mean: u64) -> u64 {
        let mean = mean.max(1);
        match self.below(100) {
            0..68 => self.range(1, mean),
            68..94 => self.range(mean, 2 * mean),
            _ => self.range(2 * mean, 6 * mean),
        }
    }

    /// A size of a unit (an account, a project, a cluster) between `lo` and about `64 × lo`,
    /// spread evenly over powers of two as real estates are (many small, few large).
    pub fn unit_size(&mut self, lo: u64) -> u64 {
        let base = lo.max(1) << self.below(6);
        base + self.below(base)
    }

    /// `n` lowercase hexadecimal digits.
    pub fn hex(&mut self, n: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| DIGITS[self.below(16) as usize] as char)
            .collect()
    }

    /// `n` characters of `alphabet`.
    pub fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// A random (version 4 shaped) UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::stream(1, "aws", 0).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(1, "aws", 0).next_u64(),
            Rng::stream(1, "aws", 1).next_u64()
        );
        assert_ne!(
            Rng::stream(1, "aws", 0).next_u64(),
            Rng::stream(2, "aws", 0).next_u64()
        );
    }
}
