//! The ETag caches of the GitHub REST clients (the PR poller's detail requests, the auditor's PR
//! files): a conditional request answered 304 costs no rate limit and returns the cached body.
//! Bounded, least recently used first out (`lru`), so a cockpit left running for weeks over
//! thousands of PRs keeps a fixed number of bodies, not one per URL it ever fetched. An evicted
//! entry only costs one unconditional request.
use lru::LruCache;
use std::num::NonZeroUsize;

pub struct EtagCache<T> {
    entries: LruCache<String, (String, T)>,
}

impl<T: Clone> EtagCache<T> {
    /// Holds at most `capacity` responses (at least one).
    pub fn new(capacity: usize) -> EtagCache<T> {
        EtagCache {
            entries: LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
        }
    }

    /// The ETag to send for `path` (`If-None-Match`), if its response is cached.
    pub fn etag(&mut self, path: &str) -> Option<&str> {
        self.entries.get(path).map(|(etag, _)| etag.as_str())
    }

    /// The cached response for `path` (after a 304).
    pub fn cached(&mut self, path: &str) -> Option<T> {
        self.entries.get(path).map(|(_, body)| body.clone())
    }

    /// Remembers the response to `path` and its ETag; the least recently used entry goes when
    /// full.
    pub fn store(&mut self, path: &str, etag: &str, body: T) {
        self.entries.put(path.to_owned(), (etag.to_owned(), body));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded_and_evicts_the_least_recently_used() {
        let mut c: EtagCache<u32> = EtagCache::new(2);
        c.store("/a", "\"ea\"", 1);
        c.store("/b", "\"eb\"", 2);
        // Asking for /a's ETag (a request went out for it) makes /b the oldest.
        assert_eq!(c.etag("/a"), Some("\"ea\""));
        c.store("/c", "\"ec\"", 3);
        assert_eq!(c.len(), 2);
        assert_eq!(c.etag("/b"), None, "evicted");
        assert_eq!(c.cached("/a"), Some(1));
        assert_eq!(c.cached("/c"), Some(3));
        // A new ETag for a path replaces its entry.
        c.store("/a", "\"ea2\"", 10);
        assert_eq!(c.etag("/a"), Some("\"ea2\""));
        assert_eq!(c.cached("/a"), Some(10));
        assert_eq!(c.len(), 2);
        // Thousands of URLs later, still two.
        for i in 0..5000 {
            c.store(&format!("/pulls/{i}"), "e", i);
        }
        assert_eq!(c.len(), 2);
        assert!(!c.is_empty());
        assert_eq!(EtagCache::<u32>::new(0).entries.cap().get(), 1);
    }
}
