//! The fast paths of docs/scoring.md#similarity, as [`Scorer`](super::Scorer) counts
//! it: counting positions over a span 64 bytes at a time, and quote tokens interned as
//! dense ids (with a table of short tokens of its own) so that multiset intersections
//! count in an array. The definitions are in `similarity`; the tests check these
//! against the oracle's plain versions in `reference`.

use super::similarity::{nfkc_casefold, position_counts};
use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// The number of counting positions (see [`position_counts`]) in `text[range]`, zero
/// if that is not a piece of `text`. Non-ASCII bytes are never ASCII alphanumeric, so
/// one pass over the bytes counts the ASCII positions and tells whether any other
/// character needs decoding.
///
/// The pass goes 64 bytes at a time, branch-free, which the compiler turns into vector
/// code. The last, partial block is read whole from the text past the range (a quote
/// is seldom at the very end of its article) with the bytes beyond the range masked
/// out: a span is most often shorter than two blocks, and a byte-wise tail would cost
/// as much as the rest.
pub fn count_positions(text: &str, range: std::ops::Range<usize>) -> u64 {
    let Some(piece) = text.get(range.clone()) else {
        return 0;
    };
    let bytes = text.as_bytes();
    let mut ascii = 0u64;
    let mut high = 0u8;
    let mut at = range.start;
    let block_at = |at: usize| bytes.get(at..).and_then(<[u8]>::first_chunk::<64>);
    while range.end - at >= 64 {
        let Some(block) = block_at(at) else { break };
        let (count, or) = count_block(block, &[0xff; 64]);
        ascii += count;
        high |= or;
        at += 64;
    }
    let rest = range.end - at;
    if rest > 0 {
        // `MASK[64 - rest..]` begins with `rest` bytes 0xff, then zeros.
        let mask = MASK[64 - rest..].first_chunk::<64>().unwrap_or(&[0; 64]);
        let (count, or) = match block_at(at) {
            Some(block) => count_block(block, mask),
            None => {
                let mut padded = [0u8; 64];
                padded[..rest].copy_from_slice(&bytes[at..range.end]);
                count_block(&padded, mask)
            }
        };
        ascii += count;
        high |= or;
    }
    let other = if high < 0x80 {
        0
    } else {
        piece
            .chars()
            .filter(|&c| !c.is_ascii() && position_counts(c))
            .count() as u64
    };
    ascii + other
}

/// 64 bytes 0xff, then 64 zeros: any window of 64 masks a prefix of a block.
static MASK: [u8; 128] = {
    let mut mask = [0u8; 128];
    let mut i = 0;
    while i < 64 {
        mask[i] = 0xff;
        i += 1;
    }
    mask
};

/// The ASCII alphanumeric bytes of a 64-byte block under `mask`, and the OR of the
/// masked bytes (its top bit tells whether any is not ASCII). A count fits a `u8`.
#[inline]
fn count_block(block: &[u8; 64], mask: &[u8; 64]) -> (u64, u8) {
    let (mut count, mut or) = (0u8, 0u8);
    for (&b, &m) in block.iter().zip(mask) {
        let b = b & m;
        count = count.wrapping_add(is_ascii_alnum(b) as u8);
        or |= b;
    }
    (count as u64, or)
}

/// `b.is_ascii_alphanumeric()` without branches: `| 0x20` lowercases exactly the ASCII
/// capitals into the range of the small letters.
fn is_ascii_alnum(b: u8) -> bool {
    (b | 0x20).wrapping_sub(b'a') < 26 || b.wrapping_sub(b'0') < 10
}

/// Quote tokens (docs/scoring.md#similarity) of one article as dense integer ids, so that a
/// multiset intersection counts in an array ([`common`](TokenInterner::common)), with no sorted
/// token lists to build. A token of at most 16 bytes is looked up by its bytes packed into a `u128`
/// (most words are that short), a longer one by its text. Ids are only comparable within one
/// interner between two [`clear`](TokenInterner::clear)s.
#[derive(Debug, Default)]
pub struct TokenInterner {
    /// Tokens of at most 16 bytes as their packed bytes (see [`pack`]), and their ids.
    short: ShortTokens,
    /// Longer tokens as their byte range in `arena`, and their ids.
    long: HashTable<(usize, usize, u32)>,
    /// The texts of long tokens, back to back.
    arena: String,
    /// A normalized quote or token, kept to reuse its allocation.
    buffer: String,
    /// Bitmap of the alphanumeric bytes of an ASCII quote, 64 bytes a word.
    bits: Vec<u64>,
    /// An ASCII quote followed by 16 zero bytes.
    padded: Vec<u8>,
    /// One counter per id, zero between calls of [`common`](TokenInterner::common)
    /// except for a [held](TokenInterner::hold) multiset.
    counts: Vec<u32>,
    /// The held multiset, one count per id, to restore `counts` from.
    held: Vec<u32>,
}

/// Takes each token of `a` out of `counts` where it has one left; returns how many it
/// took: the size of the multiset intersection of `a` with what `counts` held.
#[inline]
fn take_shared(counts: &mut [u32], a: &[u32]) -> u64 {
    let mut common = 0;
    for &t in a {
        let count = &mut counts[t as usize];
        let shared = *count > 0;
        common += shared as u64;
        *count -= shared as u32;
    }
    common
}

impl TokenInterner {
    pub fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
        self.arena.clear();
        self.counts.clear();
        self.held.clear();
    }

    /// Size of the multiset intersection of two token lists of this interner.
    pub fn common(&mut self, a: &[u32], b: &[u32]) -> u64 {
        let counts = &mut self.counts;
        for &t in b {
            counts[t as usize] += 1;
        }
        let common = take_shared(counts, a);
        for &t in b {
            counts[t as usize] = 0;
        }
        common
    }

    /// Holds the multiset `b` for [`common_with_held`](TokenInterner::common_with_held)
    /// until [`release`](TokenInterner::release): a prediction without offsets meets
    /// every gold row, and counting its tokens once, not once per row, saves two of
    /// the three passes of [`common`](TokenInterner::common).
    pub fn hold(&mut self, b: &[u32]) {
        for &t in b {
            self.counts[t as usize] += 1;
            self.held[t as usize] += 1;
        }
    }

    /// Ends [`hold`](TokenInterner::hold) of the same `b`.
    pub fn release(&mut self, b: &[u32]) {
        for &t in b {
            self.counts[t as usize] = 0;
            self.held[t as usize] = 0;
        }
    }

    /// Size of the multiset intersection of `a` with the held multiset.
    pub fn common_with_held(&mut self, a: &[u32]) -> u64 {
        let counts = &mut self.counts;
        let common = take_shared(counts, a);
        for &t in a {
            counts[t as usize] = self.held[t as usize];
        }
        common
    }

    /// Appends the ids of the tokens of `quote` to `out`, in no particular order.
    pub fn tokenize(&mut self, quote: &str, out: &mut Vec<u32>) {
        if !self.tokenize_ascii(quote.as_bytes(), out) {
            let mut buffer = std::mem::take(&mut self.buffer);
            buffer.clear();
            buffer.push_str(&nfkc_casefold(quote));
            for token in buffer
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
            {
                let id = match pack(token.as_bytes()) {
                    Some(packed) => self.short_id(packed),
                    None => self.long_id(token),
                };
                out.push(id);
            }
            self.buffer = buffer;
        }
    }

    /// The tokens of an ASCII quote, for which NFKC is the identity and case folding is
    /// lowercasing; `false` (and nothing appended) if the quote is not ASCII.
    ///
    /// Tokens are the runs of set bits in a bitmap of the alphanumeric bytes, built 8
    /// bytes at a time without branches. Each word of the bitmap gives where runs start
    /// and end as two more words, which are walked with `trailing_zeros`, taking a
    /// start and an end in turn: a byte-at-a-time scan spends most of its time on
    /// mispredicted branches at token boundaries.
    fn tokenize_ascii(&mut self, bytes: &[u8], out: &mut Vec<u32>) -> bool {
        let mut bits = std::mem::take(&mut self.bits);
        bits.clear();
        let mut ascii = true;
        for chunk in bytes.chunks(64) {
            let (word, chunk_ascii) = alnum_bits(chunk);
            bits.push(word);
            ascii &= chunk_ascii;
        }
        if ascii {
            // The quote and 16 zero bytes: a token's 16 bytes load from where it starts.
            let mut padded = std::mem::take(&mut self.padded);
            padded.clear();
            padded.extend_from_slice(bytes);
            padded.extend_from_slice(&[0; 16]);
            // A token and a separator take two bytes at least.
            let most = bytes.len() / 2 + 1;
            out.reserve(most);
            const NONE: usize = usize::MAX;
            let mut open = NONE;
            // Whether the last byte of the previous word was alphanumeric.
            let mut carry = 0;
            for (i, &word) in bits.iter().enumerate() {
                let previous = (word << 1) | carry;
                carry = word >> 63;
                let mut starts = word & !previous;
                let mut ends = !word & previous;
                loop {
                    if open == NONE {
                        if starts == 0 {
                            break;
                        }
                        open = i * 64 + starts.trailing_zeros() as usize;
                        starts &= starts - 1;
                    } else {
                        if ends == 0 {
                            break;
                        }
                        let end = i * 64 + ends.trailing_zeros() as usize;
                        ends &= ends - 1;
                        out.push(self.ascii_token_id(&padded, open, end));
                        open = NONE;
                    }
                }
            }
            // A run to the end of a quote of whole words ends with no clear bit after it.
            if open != NONE {
                out.push(self.ascii_token_id(&padded, open, bytes.len()));
            }
            self.padded = padded;
        }
        self.bits = bits;
        ascii
    }

    /// The id of the ASCII alphanumeric token `padded[start..end]`, where `padded` has
    /// 16 bytes at least past `end`.
    #[inline(always)]
    fn ascii_token_id(&mut self, padded: &[u8], start: usize, end: usize) -> u32 {
        let len = end - start;
        let window = padded.get(start..).and_then(<[u8]>::first_chunk::<16>);
        match window {
            Some(window) if len <= 16 => {
                // `b | 0x20` lowercases an ASCII letter and leaves a digit as it is
                // (digits have that bit set already).
                let packed = (u128::from_le_bytes(*window)
                    | 0x2020_2020_2020_2020_2020_2020_2020_2020)
                    & PREFIX_MASKS[len];
                self.short_id(packed)
            }
            _ => {
                let mut buffer = std::mem::take(&mut self.buffer);
                buffer.clear();
                // ASCII bytes: every range is a valid str.
                let token = padded.get(start..end).unwrap_or_default();
                buffer.push_str(std::str::from_utf8(token).unwrap_or(""));
                buffer.make_ascii_lowercase();
                let id = self.long_id(&buffer);
                self.buffer = buffer;
                id
            }
        }
    }

    fn next_id(&mut self) -> u32 {
        self.counts.push(0);
        self.held.push(0);
        (self.counts.len() - 1) as u32
    }

    #[inline(always)]
    fn short_id(&mut self, packed: u128) -> u32 {
        let next = self.counts.len() as u32;
        let (id, inserted) = self.short.id(packed, next);
        if inserted {
            self.next_id();
        }
        id
    }

    fn long_id(&mut self, token: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(token);
        let arena = &self.arena;
        let text = |&(start, end, _): &(usize, usize, u32)| &arena[start..end];
        let next = self.counts.len() as u32;
        match self.long.entry(
            hash,
            |entry| text(entry) == token,
            |entry| FxBuildHasher.hash_one(text(entry)),
        ) {
            Entry::Occupied(entry) => entry.get().2,
            Entry::Vacant(entry) => {
                let start = self.arena.len();
                self.arena.push_str(token);
                entry.insert((start, self.arena.len(), next));
                self.next_id()
            }
        }
    }
}

/// The ids of the short tokens of one article: an open-addressing table with linear
/// probing over packed tokens, which every token of every quote is looked up in.
/// A general hash table spends more per lookup on its probing groups and tags than
/// this one spends in all: one multiply and, mostly, one slot. Emptied in O(1) by
/// moving to a new generation (a slot of an older one counts as free), since an
/// article's handful of distinct words would otherwise pay for clearing every slot.
#[derive(Debug, Default)]
struct ShortTokens {
    /// A power of two in length (or empty), at most half full.
    slots: Vec<ShortSlot>,
    generation: u32,
    len: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct ShortSlot {
    /// The packed token's low and high 64 bits (two `u64`s, not a `u128`, keep the slot
    /// at 24 bytes rather than 32).
    key: [u64; 2],
    id: u32,
    /// In use when equal to the table's generation.
    generation: u32,
}

impl ShortTokens {
    fn clear(&mut self) {
        self.len = 0;
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Once in 2^32 articles: slots of the generation about to recur must go.
            self.slots.fill(ShortSlot::default());
            self.generation = 1;
        }
    }

    /// The id of `packed`, or `next` (and `true`) if it is new.
    #[inline(always)]
    fn id(&mut self, packed: u128, next: u32) -> (u32, bool) {
        // Room for one more, so that a free slot ends every probe. (Growing by the
        // distinct tokens seen, not by a quote's length, keeps a huge quote of few
        // words from leaving a huge table behind.)
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let key = [packed as u64, (packed >> 64) as u64];
        let at = self.probe(key);
        let generation = self.generation;
        let slot = &mut self.slots[at];
        if slot.generation == generation {
            return (slot.id, false);
        }
        *slot = ShortSlot {
            key,
            id: next,
            generation,
        };
        self.len += 1;
        (next, true)
    }

    /// The slot holding `key`, or else the free slot where it would go.
    #[inline(always)]
    fn probe(&self, key: [u64; 2]) -> usize {
        let mask = self.slots.len() - 1;
        let packed = key[0] as u128 | (key[1] as u128) << 64;
        let mut at = short_hash(packed) as usize & mask;
        loop {
            let slot = &self.slots[at];
            if slot.generation != self.generation || slot.key == key {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table (256 slots at first). Its slots all go to generation 1; the
    /// generation is never 0 while there are slots, since a slot at 0 is a free one.
    #[cold]
    fn grow(&mut self) {
        let generation = self.generation;
        let live: Vec<ShortSlot> = self
            .slots
            .iter()
            .filter(|slot| slot.generation == generation)
            .copied()
            .collect();
        let size = (self.slots.len() * 2).max(256);
        self.slots.clear();
        self.slots.resize(size, ShortSlot::default());
        self.generation = 1;
        for slot in live {
            let at = self.probe(slot.key);
            self.slots[at] = ShortSlot {
                generation: 1,
                ..slot
            };
        }
    }
}

/// A hash of a packed token for [`ShortTokens`], which takes its slot from the low
/// bits: a folded multiply mixes every input bit into them.
fn short_hash(packed: u128) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let x = (packed as u64) ^ ((packed >> 64) as u64).wrapping_mul(K);
    let wide = x as u128 * K as u128;
    (wide as u64) ^ ((wide >> 64) as u64)
}

/// The alphanumeric bytes of a chunk of at most 64 bytes as bits, and whether the chunk
/// is all ASCII.
fn alnum_bits(chunk: &[u8]) -> (u64, bool) {
    let mut word = 0u64;
    let mut or = 0u64;
    let mut eights = chunk.chunks_exact(8);
    for (k, eight) in eights.by_ref().enumerate() {
        let x = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
        word |= alnum_bits8(x) << (8 * k);
        or |= x;
    }
    let rest = eights.remainder();
    if !rest.is_empty() {
        let mut padded = [0u8; 8];
        padded[..rest.len()].copy_from_slice(rest);
        let x = u64::from_le_bytes(padded);
        word |= alnum_bits8(x) << (8 * (chunk.len() / 8));
        or |= x;
    }
    (word, or & HIGH_BITS == 0)
}

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// One bit per byte of `x` (bit `i` for byte `i`, little-endian) set when the byte is
/// ASCII alphanumeric, eight bytes at once (SWAR). Meaningful only when every byte is
/// ASCII: then no byte sum below carries into the next byte (other input wraps, and the
/// caller discards the result).
fn alnum_bits8(x: u64) -> u64 {
    let ones = 0x0101_0101_0101_0101u64;
    // High bit of each byte: `b ≥ lo` from `b + (0x80 − lo)`, `b > hi` from
    // `b + (0x7f − hi)`.
    let in_range = |b: u64, lo: u8, hi: u8| {
        let at_least_lo = b.wrapping_add(ones * (0x80 - lo) as u64);
        let above_hi = b.wrapping_add(ones * (0x7f - hi) as u64);
        at_least_lo & !above_hi & HIGH_BITS
    };
    let flags = in_range(x, b'0', b'9') | in_range(x | (ones * 0x20), b'a', b'z');
    // Moves the flag of byte i (bit 8i + 7) to bit 56 + i; the other products land on
    // distinct bits below 56 or above 63, so nothing carries into the result.
    ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// `PREFIX_MASKS[n]` keeps the low `n` bytes of a `u128`.
static PREFIX_MASKS: [u128; 17] = {
    let mut masks = [0u128; 17];
    let mut n = 1;
    while n <= 16 {
        masks[n] = u128::MAX >> (8 * (16 - n));
        n += 1;
    }
    masks
};

/// A token of at most 16 bytes as one integer, zero-padded: tokens are alphanumeric, so
/// hold no NUL byte, and two distinct tokens never pack alike.
fn pack(token: &[u8]) -> Option<u128> {
    let mut packed = [0u8; 16];
    packed.get_mut(..token.len())?.copy_from_slice(token);
    Some(u128::from_le_bytes(packed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_byte_flags_equal_the_byte_test() {
        for b in 0u8..0x80 {
            for lane in 0..8 {
                // The byte in each lane, its neighbours the extremes of ASCII.
                let mut bytes = [if lane % 2 == 0 { 0x7f } else { 0 }; 8];
                bytes[lane] = b;
                let flags = alnum_bits8(u64::from_le_bytes(bytes));
                for (k, &c) in bytes.iter().enumerate() {
                    assert_eq!(flags >> k & 1 == 1, c.is_ascii_alphanumeric(), "{b} {lane}");
                }
                assert_eq!(flags >> 8, 0);
            }
        }
    }

    /// Ids stay dense and one per distinct token when the short-token table grows
    /// (hundreds of distinct words) and across articles (a cleared interner forgets
    /// the last article's words, whatever their slots held).
    #[test]
    fn interner_ids_survive_growth_and_clearing() {
        let mut interner = TokenInterner::default();
        for article in 0..3 {
            interner.clear();
            let words: Vec<String> = (0..700).map(|i| format!("w{article}x{i}")).collect();
            let quote = words.join(" ");
            let mut ids = Vec::new();
            interner.tokenize(&quote, &mut ids);
            assert_eq!(ids, (0..700).collect::<Vec<u32>>());
            // Again, capitalized: the same words, so the same ids and no new ones.
            let mut again = Vec::new();
            interner.tokenize(&quote.to_uppercase(), &mut again);
            assert_eq!(again, ids);
            let mut fresh = Vec::new();
            interner.tokenize("brand new", &mut fresh);
            assert_eq!(fresh, vec![700, 701]);
        }
    }
}
