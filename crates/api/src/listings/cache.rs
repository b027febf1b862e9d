//! Listing search answers kept per process, for the supply version they were made at
//! (`provider_hub_store::supply`). A search reads the version (from the process's reader
//! of versions, `super::version`, in a read begun after it asked); an answer kept for it
//! is the answer, since any committed change to what a search reads moves the version on.
//! An answer made afresh is kept only when the version read after it is the one read
//! before: nothing that a search reads changed in between, so every statement of the
//! search saw the supply as it was at that version. Each process keeps its own answers
//! and every process reads the same version, so several processes never disagree for
//! longer than a commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use provider_hub_market::listings::{ListingView, Supply};
use provider_hub_store::cursor::Page;
use provider_hub_store::db::HubConnectionManager;

use super::version::Versions;
use super::ListingPage;
use crate::error::ApiError;
use crate::pagination::PageBody;
use crate::paging;

/// Answers kept at most, and their bytes at most (a page of 500 listings is about 300 KB);
/// past either, the answers kept are all dropped at once and keeping starts again.
const MOST_ANSWERS: usize = 4_096;
const MOST_BYTES: usize = 64 * 1024 * 1024;

/// A search's answer: the page as JSON, and its `next` as given out (for `crate::paging`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: Bytes,
    pub next: Option<String>,
}

impl Answer {
    /// A page of listings as the search at `path` answers it, its `next` as given out
    /// (`crate::paging::outward`), so the page is passed on as it is kept.
    pub fn of(page: Page<ListingView>, path: &str) -> Result<Self, ApiError> {
        let page = PageBody::from_page(page, |l| l);
        let next = page.next.map(|cursor| paging::outward(path, &cursor));
        let body = serde_json::to_vec(&ListingPage {
            items: page.items,
            next: next.clone(),
            eligibility: None,
        })
        .map_err(|e| {
            tracing::error!(error = %e, "a listing page could not be written as JSON");
            ApiError::internal()
        })?;
        Ok(Answer {
            body: Bytes::from(body),
            next,
        })
    }
}

/// A process's kept answers: those of one version, keyed by what the search asked; and
/// the supply new answers are made from (`provider_hub_market::listings::Supply`), read
/// once a version.
#[derive(Debug)]
pub struct SearchCache {
    kept: Mutex<Kept>,
    versions: Versions,
    /// The supply last read. Held across its reading, so that searches needing a newer
    /// one wait for one reading rather than each making its own.
    supply: tokio::sync::Mutex<Option<Arc<Supply>>>,
    /// How long a search waits for another's reading of the supply.
    patience: std::time::Duration,
}

#[derive(Debug, Default)]
struct Kept {
    version: i64,
    answers: HashMap<String, Answer>,
    /// The bodies' bytes, summed.
    bytes: usize,
}

impl SearchCache {
    /// An empty cache, whose reader of versions connects by `opener` (a connection
    /// beside the pool's); a search waits `patience` at most for the version.
    pub fn new(opener: HubConnectionManager, patience: std::time::Duration) -> Self {
        SearchCache {
            kept: Mutex::default(),
            versions: Versions::new(opener, patience),
            supply: tokio::sync::Mutex::default(),
            patience,
        }
    }

    /// The supply at `version` or a later one: the one held, or one read by `read` when
    /// that is older (by one search at a time; those arriving meanwhile use its reading,
    /// or are told the service is unavailable after waiting `patience` for it, as for a
    /// pooled connection, so a database that does not answer does not queue them all).
    pub async fn supply<F, R>(&self, version: i64, read: F) -> Result<Arc<Supply>, ApiError>
    where
        F: FnOnce() -> R,
        R: std::future::Future<Output = Result<Supply, ApiError>>,
    {
        let mut held = actix_web::rt::time::timeout(self.patience, self.supply.lock())
            .await
            .map_err(|_| ApiError::unavailable())?;
        if let Some(supply) = held.as_ref().filter(|s| s.version() >= version) {
            return Ok(supply.clone());
        }
        let supply = Arc::new(read().await?);
        *held = Some(supply.clone());
        Ok(supply)
    }

    /// The supply version, read after this call (`version`); `None` when the database
    /// could not be read.
    pub async fn version(&self) -> Option<i64> {
        self.versions.current().await
    }

    /// The answer kept for `key` at `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<Answer> {
        let kept = self.kept.lock().ok()?;
        (kept.version == version)
            .then(|| kept.answers.get(key).cloned())
            .flatten()
    }

    /// Keeps an answer made at `version`; answers of an older version are dropped, and an
    /// answer older than those kept is not kept.
    pub fn put(&self, version: i64, key: String, answer: Answer) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if version < kept.version {
            return;
        }
        let size = answer.body.len();
        if version > kept.version
            || kept.answers.len() >= MOST_ANSWERS
            || kept.bytes + size > MOST_BYTES
        {
            kept.answers.clear();
            kept.bytes = 0;
            kept.version = version;
        }
        if size > MOST_BYTES {
            return;
        }
        kept.bytes += size;
        if let Some(replaced) = kept.answers.insert(key, answer) {
            kept.bytes -= replaced.body.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache whose versions are never read here (the reader starts on the first).
    fn unread() -> SearchCache {
        SearchCache::new(
            HubConnectionManager::new(
                provider_hub_store::DatabaseTarget::Sqlite("unread.db".into()),
                std::time::Duration::from_secs(1),
            ),
            std::time::Duration::from_secs(1),
        )
    }

    fn answer(body: &'static str) -> Answer {
        Answer {
            body: Bytes::from_static(body.as_bytes()),
            next: None,
        }
    }

    #[test]
    fn an_answer_is_kept_for_its_version_only() {
        let cache = unread();
        cache.put(3, "k".into(), answer("three"));
        assert_eq!(cache.get(3, "k"), Some(answer("three")));
        assert_eq!(cache.get(4, "k"), None, "a newer version has no answer yet");
        assert_eq!(cache.get(3, "other"), None);
        cache.put(2, "k".into(), answer("two"));
        assert_eq!(
            cache.get(3, "k"),
            Some(answer("three")),
            "an older answer replaces nothing"
        );
        cache.put(5, "j".into(), answer("five"));
        assert_eq!(
            cache.get(3, "k"),
            None,
            "a newer version drops the older answers"
        );
        assert_eq!(cache.get(5, "j"), Some(answer("five")));
    }

    #[test]
    fn answers_are_kept_up_to_a_number_of_bytes() {
        let cache = unread();
        let big = |fill: u8| Answer {
            body: Bytes::from(vec![fill; MOST_BYTES / 2]),
            next: None,
        };
        cache.put(1, "a".into(), big(b'a'));
        cache.put(1, "a".into(), big(b'a'));
        assert!(
            cache.get(1, "a").is_some(),
            "the same answer again takes no more room"
        );
        cache.put(1, "b".into(), big(b'b'));
        assert!(cache.get(1, "a").is_some() && cache.get(1, "b").is_some());
        cache.put(1, "c".into(), big(b'c'));
        assert!(cache.get(1, "a").is_none(), "over the bytes: started again");
        assert!(cache.get(1, "c").is_some());
    }

    #[test]
    fn a_full_cache_starts_again() {
        let cache = unread();
        for i in 0..MOST_ANSWERS {
            cache.put(1, i.to_string(), answer("x"));
        }
        assert!(cache.get(1, "0").is_some());
        cache.put(1, "last".into(), answer("y"));
        assert!(cache.get(1, "0").is_none());
        assert!(cache.get(1, "last").is_some());
    }
}
