//! The allocator over an arena of pages: blocks never overlap, are aligned, are reused after
//! `dealloc`, and a long mixed workload stops taking pages once it reached its steady state.

use core::alloc::{GlobalAlloc, Layout};
use rotor_alloc::{Allocator, PAGE, Pages};
use std::cell::Cell;

/// `limit` pages of a PAGE-aligned arena, handed out in order like `memory.grow`.
struct Arena {
    base: usize,
    used: Cell<usize>,
    limit: usize,
}

impl Arena {
    fn new(limit: usize) -> Arena {
        let layout = Layout::from_size_align(limit * PAGE, PAGE).unwrap();
        // SAFETY: a non-zero size; the arena lives until the test process ends.
        let base = unsafe { std::alloc::alloc_zeroed(layout) } as usize;
        assert_ne!(base, 0);
        Arena {
            base,
            used: Cell::new(0),
            limit,
        }
    }
}

impl Pages for &Arena {
    fn grow(&self, count: usize) -> usize {
        let used = self.used.get();
        if used + count > self.limit {
            return usize::MAX;
        }
        self.used.set(used + count);
        self.base / PAGE + used
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    fill: u8,
}

fn check(block: &Block) {
    // SAFETY: a live block of `layout.size()` bytes written with `fill`.
    let bytes = unsafe { std::slice::from_raw_parts(block.ptr, block.layout.size()) };
    assert!(
        bytes.iter().all(|&b| b == block.fill),
        "a block was overwritten"
    );
}

fn fill(block: &Block) {
    // SAFETY: a live block of `layout.size()` bytes.
    unsafe { std::ptr::write_bytes(block.ptr, block.fill, block.layout.size()) };
}

/// Sizes like the module's: mostly short strings, some bodies, rarely a large input buffer.
fn size(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0 => 1 + rng.below(200_000) as usize,
        1..=10 => 1 + rng.below(4096) as usize,
        _ => 1 + rng.below(160) as usize,
    }
}

#[test]
fn blocks_are_aligned_disjoint_and_reused() {
    let arena = Arena::new(64);
    let a = Allocator::new(&arena);
    let l16 = Layout::from_size_align(24, 16).unwrap();
    let l8 = Layout::from_size_align(3, 1).unwrap();
    // SAFETY: valid layouts; every block is freed with its layout.
    unsafe {
        let x = a.alloc(l16);
        let y = a.alloc(l8);
        assert_eq!(x as usize % 16, 0);
        assert_eq!(y as usize % 8, 0);
        assert!((y as usize) >= x as usize + 32 || (x as usize) >= y as usize + 8);
        a.dealloc(x, l16);
        // The freed block is the next one of its class.
        assert_eq!(a.alloc(Layout::from_size_align(30, 8).unwrap()), x);
        // Growing within the class keeps the block; past it moves the bytes.
        *y = 7;
        assert_eq!(a.realloc(y, l8, 8), y);
        let z = a.realloc(y, Layout::from_size_align(8, 1).unwrap(), 100);
        assert_ne!(z, y);
        assert_eq!(*z, 7);
        // More alignment than 16 is refused, as is more memory than the arena has.
        assert!(a.alloc(Layout::from_size_align(64, 64).unwrap()).is_null());
        assert!(
            a.alloc(Layout::from_size_align(128 * PAGE, 8).unwrap())
                .is_null()
        );
    }
}

#[test]
fn a_long_mixed_workload_stops_growing() {
    let arena = Arena::new(256);
    let a = Allocator::new(&arena);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut live: Vec<Block> = Vec::new();
    let mut pages_at = Vec::new();
    for step in 0..200_000u32 {
        // At most 64 blocks live at once, freed in random order.
        if live.len() >= 64 || (!live.is_empty() && rng.below(2) == 0) {
            let block = live.swap_remove(rng.below(live.len() as u64) as usize);
            check(&block);
            // SAFETY: allocated by `a` with this layout, freed once.
            unsafe { a.dealloc(block.ptr, block.layout) };
        } else {
            let layout = Layout::from_size_align(size(&mut rng), 1 << rng.below(4)).unwrap();
            // SAFETY: a valid, non-zero layout.
            let ptr = unsafe { a.alloc(layout) };
            assert!(!ptr.is_null(), "out of pages at step {step}");
            assert_eq!(ptr as usize % layout.align(), 0);
            let block = Block {
                ptr,
                layout,
                fill: step as u8,
            };
            fill(&block);
            live.push(block);
        }
        if step % 20_000 == 19_999 {
            pages_at.push(arena.used.get());
        }
    }
    live.iter().for_each(check);
    // The heap reached its steady state in the first half and took no page after it.
    assert_eq!(pages_at[4], pages_at[9], "pages taken: {pages_at:?}");
    assert!(pages_at[9] < 256);
}
