//! The browser module's global allocator (`gen/rotor_bg.wasm`): power-of-two size classes
//! with one free list each, carved from pages that `memory.grow` adds.
//!
//! Why not the standard library's `dlmalloc`: it measured 5.6 KB of the module before gzip
//! (malloc, free, realloc and their helpers); this one is a few hundred bytes. The module
//! allocates small, short-lived strings and vectors (a body, a token set), so the classes
//! cost little memory and every operation is O(1): no search, no coalescing.
//!
//! **Bounded memory.** A freed block goes back to its class's free list and is the next one
//! that class hands out; pages are added only when the class's list is empty. So the heap
//! never holds more than, per class, the most blocks that were ever live at once (rounded up
//! to a power of two) plus the unused rest of the last page: a page that runs for days with
//! a steady workload stops growing after its first calls (`tests` below runs 200,000 mixed
//! operations and checks that).
//!
//! Alignment: blocks of 16 bytes and more are 16-aligned, 8-byte blocks 8-aligned; a layout
//! asking for more than 16 gets a null pointer (the allocation error), which no type of rotor
//! asks for. Single-threaded: wasm32 without the `atomics` target feature has one thread.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

#[cfg(target_feature = "atomics")]
compile_error!("rotor-alloc is single-threaded: build without the atomics target feature");

/// The size of a wasm page.
pub const PAGE: usize = 65536;
/// The largest alignment the allocator gives.
pub const MAX_ALIGN: usize = 16;

/// Where pages come from: `memory.grow` in wasm, an arena in tests.
pub trait Pages {
    /// Adds `count` pages and returns the index of the first (the old size in pages), or
    /// `usize::MAX` when the memory cannot grow.
    fn grow(&self, count: usize) -> usize;
}

/// The wasm module's memory.
#[cfg(target_arch = "wasm32")]
pub struct Memory;

#[cfg(target_arch = "wasm32")]
impl Pages for Memory {
    fn grow(&self, count: usize) -> usize {
        core::arch::wasm32::memory_grow(0, count)
    }
}

struct State {
    /// The first free block of each class (`1 << class` bytes); each free block holds the
    /// address of the next.
    free: [usize; usize::BITS as usize],
    /// The next unused byte of the pages taken so far, and their end.
    top: usize,
    end: usize,
}

/// The allocator: `#[global_allocator] static A: Allocator<Memory> = Allocator::new(Memory);`.
pub struct Allocator<P> {
    state: UnsafeCell<State>,
    pages: P,
}

// SAFETY: wasm32 without `atomics` has one thread (checked above); tests use it from one.
unsafe impl<P> Sync for Allocator<P> {}

impl<P: Pages> Allocator<P> {
    /// An allocator that takes its pages from `pages`.
    pub const fn new(pages: P) -> Self {
        Allocator {
            state: UnsafeCell::new(State {
                free: [0; usize::BITS as usize],
                top: 0,
                end: 0,
            }),
            pages,
        }
    }
}

/// The class of `layout`: `log2` of the block size, at least 8 bytes.
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

unsafe impl<P: Pages> GlobalAlloc for Allocator<P> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class(&layout);
        if layout.align() > MAX_ALIGN || class >= usize::BITS as usize - 1 {
            return null_mut();
        }
        // SAFETY: single-threaded (see `Sync`), and nothing here calls back into the allocator.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[class];
        if head != 0 {
            // SAFETY: `head` is a free block of this class, which holds the next one's address.
            state.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << class;
        let align = size.min(MAX_ALIGN);
        let mut at = (state.top + align - 1) & !(align - 1);
        if state.end < at || state.end - at < size {
            let count = (size + align).div_ceil(PAGE);
            let first = self.pages.grow(count);
            if first == usize::MAX {
                return null_mut();
            }
            if first * PAGE != state.end {
                // Not after the pages taken so far (the first call, or memory grown by
                // someone else): start over at the new pages.
                state.top = first * PAGE;
            }
            state.end = (first + count) * PAGE;
            at = (state.top + align - 1) & !(align - 1);
        }
        state.top = at + size;
        at as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let class = class(&layout);
        // SAFETY: single-threaded (see `Sync`).
        let state = unsafe { &mut *self.state.get() };
        // SAFETY: `ptr` is a block of this class that is no longer used: it holds the link.
        unsafe { *(ptr as *mut usize) = state.free[class] };
        state.free[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract (`GlobalAlloc::realloc`): `layout.align()` is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(&new_layout) == class(&layout) {
            return ptr;
        }
        // SAFETY: as `GlobalAlloc::realloc`'s default: a new block, the bytes, the old freed.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
