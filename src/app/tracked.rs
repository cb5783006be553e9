//! Change stamps kept by the type system, so "does the screen need drawing" is derived from what
//! changed instead of a flag every handler must remember to set (64 of them once, and a missed
//! one is a screen that lies).
//!
//! A [`Tracked`] part of the state hands out `&mut` only through `DerefMut`, and every such
//! borrow takes a new stamp from one process-wide counter; reading costs nothing. The newest stamp
//! over all parts ([`crate::app::State::view_stamp`]) moves exactly when some part may have
//! changed. A borrow that ends up changing nothing costs one extra frame, never a missed one.
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

fn next_stamp() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Default)]
pub struct Tracked<T> {
    value: T,
    stamp: u64,
}

impl<T> Tracked<T> {
    pub fn new(value: T) -> Tracked<T> {
        Tracked {
            value,
            stamp: next_stamp(),
        }
    }

    /// When this part was last borrowed mutably (a process-wide, never repeated stamp).
    pub fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Changes the part without counting it as a change of what is shown: for bookkeeping the
    /// screen never reads (a relist's seen-set, a derived cache refreshed while drawing).
    pub fn quietly(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.stamp = next_stamp();
        &mut self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_keeps_the_stamp_and_borrowing_mutably_moves_it() {
        let mut part = Tracked::new(vec![1]);
        let before = part.stamp();
        assert_eq!(part.len(), 1);
        assert_eq!(part.stamp(), before);
        part.push(2);
        let after = part.stamp();
        assert!(after > before);
        part.quietly().push(3);
        assert_eq!(part.stamp(), after, "quiet changes are not shown changes");
        let other = Tracked::new(0u8);
        assert!(
            other.stamp() > after,
            "stamps are never repeated across parts"
        );
    }
}
