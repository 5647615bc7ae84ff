//! HMAC-SHA-256 (RFC 2104, FIPS 180-4) for HS256 keys, on sha2's SHA-256 compression: the
//! states after the key's inner and outer pads are computed once per key, so a tag costs the
//! message's blocks plus one outer block, with no hasher to clone or buffer per call.
//! Checked against the `hmac` crate (tests below).

use sha2::digest::generic_array::GenericArray;

/// FIPS 180-4 §5.3.3: the initial hash value.
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const BLOCK: usize = 64;

/// One SHA-256 compression (FIPS 180-4 §6.2.2) of a 64-byte block into `state`.
fn compress(state: &mut [u32; 8], block: &[u8]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// `state` after the rest of a message: `data`, which starts `done` bytes (a multiple of 64)
/// into the message, and the padding of FIPS 180-4 §5.1.1.
fn finish(mut state: [u32; 8], done: usize, data: &[u8]) -> [u8; 32] {
    let mut blocks = data.chunks_exact(BLOCK);
    for block in &mut blocks {
        compress(&mut state, block);
    }
    let rest = blocks.remainder();
    let mut last = [0u8; 2 * BLOCK];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] = 0x80;
    let end = if rest.len() < BLOCK - 8 {
        BLOCK
    } else {
        2 * BLOCK
    };
    let bits = ((done + data.len()) as u64) * 8;
    last[end - 8..end].copy_from_slice(&bits.to_be_bytes());
    for block in last[..end].chunks_exact(BLOCK) {
        compress(&mut state, block);
    }
    last.fill(0);
    let mut out = [0u8; 32];
    for (o, s) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&s.to_be_bytes());
    }
    out
}

/// An HMAC-SHA-256 key schedule (RFC 2104 §2): the SHA-256 states after its padded key XOR
/// `ipad` and XOR `opad`.
#[derive(Clone)]
pub(crate) struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    /// The schedule of `key`, of any length (one longer than a block is hashed first).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; BLOCK];
        if key.len() > BLOCK {
            padded[..32].copy_from_slice(&finish(H0, 0, key));
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let state = |pad: u8| {
            let mut block = padded.map(|b| b ^ pad);
            let mut state = H0;
            compress(&mut state, &block);
            block.fill(0);
            state
        };
        let key = HmacKey {
            inner: state(0x36),
            outer: state(0x5c),
        };
        padded.fill(0);
        key
    }

    /// HMAC-SHA-256 of `data` (RFC 2104 §2).
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; 32] {
        finish(self.outer, BLOCK, &finish(self.inner, BLOCK, data))
    }

    /// [`HmacKey::mac`] of `data` whose first `public` bytes are not secret (a JWS header),
    /// with the inner state after the first block taken from `cache` when it holds that very
    /// block for this key (`key_id`; a verifier's tokens share their header), else computed
    /// and kept there.
    pub(crate) fn mac_cached(
        &self,
        data: &[u8],
        public: usize,
        cache: &mut BlockCache,
        key_id: usize,
    ) -> [u8; 32] {
        let (Some(block), true) = (data.get(..BLOCK), public >= BLOCK) else {
            return self.mac(data);
        };
        let state = match &cache.0 {
            // A plain comparison: the block is public (the timing says only whether this
            // token's header starts as the last one's did).
            Some((id, cached, state)) if *id == key_id && same_bytes(cached, block) => *state,
            _ => {
                let mut state = self.inner;
                compress(&mut state, block);
                let mut kept = [0u8; BLOCK];
                kept.copy_from_slice(block);
                cache.0 = Some((key_id, kept, state));
                state
            }
        };
        finish(self.outer, BLOCK, &finish(state, 2 * BLOCK, &data[BLOCK..]))
    }
}

/// `a == b`, eight bytes at a time (a slice comparison is a byte loop in wasm32's `memcmp`);
/// not constant-time: for public bytes only.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("eight bytes"));
    let (x, y) = (a.chunks_exact(8), b.chunks_exact(8));
    a.len() == b.len()
        && x.remainder() == y.remainder()
        && x.zip(y).all(|(x, y)| word(x) == word(y))
}

/// The inner HMAC state after one public 64-byte block for one key of a set: what
/// [`verify_json_into`](super::verify_json_into) keeps between the tokens of one verifier.
#[derive(Default)]
pub(crate) struct BlockCache(Option<(usize, [u8; BLOCK], [u32; 8])>);

#[cfg(test)]
mod tests {
    use super::HmacKey;
    use hmac::{Hmac, Mac};

    /// `same_bytes` is `==` for every pair of lengths up to 20 and a difference at any position.
    #[test]
    fn same_bytes_is_equality() {
        let a: Vec<u8> = (0..20u8).collect();
        for i in 0..=20 {
            for j in 0..=20 {
                assert_eq!(super::same_bytes(&a[..i], &a[..j]), i == j);
            }
            for at in 0..i {
                let mut b = a[..i].to_vec();
                b[at] ^= 0x40;
                assert!(!super::same_bytes(&a[..i], &b));
            }
        }
    }

    /// Every message length across the padding's one- and two-block cases, keys shorter than,
    /// equal to and longer than a block (RFC 2104 §2: hashed first), against the `hmac` crate.
    #[test]
    fn matches_the_hmac_crate() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 31 + 7) as u8).collect();
        for key_len in [32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 13 + 1) as u8).collect();
            let ours = HmacKey::new(&key);
            let mut cache = super::BlockCache::default();
            for len in 0..data.len() {
                for public in [0, 63, 64, 100] {
                    let cached = ours.mac_cached(&data[..len], public, &mut cache, 1);
                    let again = ours.mac_cached(&data[..len], public, &mut cache, 1);
                    assert_eq!(cached, again);
                    assert_eq!(cached, ours.mac(&data[..len]), "key {key_len}, data {len}");
                }
                let mut theirs = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
                theirs.update(&data[..len]);
                let expected: [u8; 32] = theirs.finalize().into_bytes().into();
                assert_eq!(
                    ours.mac(&data[..len]),
                    expected,
                    "key {key_len}, data {len}"
                );
            }
        }
    }
}
