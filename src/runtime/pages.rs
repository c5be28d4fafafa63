//! [`Pages`]: every item of an operation that answers a page at a time, for the
//! operations whose spec declares how (`x-billing-paging` in the overlay):
//!
//! - by cursor: the next request carries the last item's `cursor-from` value in
//!   `cursor` (FunnelFox's transaction report pages by the last transaction's
//!   date). Items that share that value with the last one may come again on the
//!   next page: they are recognised by their `id` and not repeated.
//! - by page number: `page` counts up from the request's (or 1).
//!
//! The request's filters are kept for every page; the walk ends on a page shorter
//! than `limit` (or an empty one).

use super::spec::Operation;
use super::{Call, Core, decode};
use crate::error::{Error, InvalidInput};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// How an operation pages, as its spec declares it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Paging {
    /// The answer's field holding the page's items.
    pub items: &'static str,
    /// The request's page-size field.
    pub limit: Option<&'static str>,
    /// How the next page is asked for.
    pub next: Next,
}

/// How the next page is asked for.
#[derive(Debug)]
pub enum Next {
    /// The request field `cursor` gets the last item's `from` field; `id` tells
    /// items apart where several share a cursor value.
    Cursor {
        /// Request field.
        cursor: &'static str,
        /// Item field.
        from: &'static str,
        /// Item field identifying an item.
        id: Option<&'static str>,
    },
    /// The request field `page` counts up.
    Page {
        /// Request field.
        page: &'static str,
    },
}

/// Every item of a paged operation, a page at a time: `while let Some(item) =
/// pages.next().await { let item = item?; ... }`, or [`Pages::all`].
#[must_use = "pages are fetched when asked for"]
pub struct Pages<'a, T> {
    core: &'a Arc<Core>,
    op: &'static Operation,
    paging: &'static Paging,
    body: Result<Value, InvalidInput>,
    buffered: VecDeque<T>,
    /// Ids of the items already yielded that share the cursor value now sent.
    at_cursor: HashSet<String>,
    done: bool,
}

impl<T> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("operation", &self.op.id)
            .finish_non_exhaustive()
    }
}

impl<'a, T: DeserializeOwned> Pages<'a, T> {
    #[doc(hidden)]
    pub fn new<B: serde::Serialize, I: crate::IntoBody<B>>(
        core: &'a Arc<Core>,
        op: &'static Operation,
        paging: &'static Paging,
        body: I,
    ) -> Self {
        let body = super::call::body_json(op, body);
        Self {
            core,
            op,
            paging,
            body,
            buffered: VecDeque::new(),
            at_cursor: HashSet::new(),
            done: false,
        }
    }

    /// The next item, fetching the next page when this one is used up; `None`
    /// after the last. An error ends the walk.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        loop {
            if let Some(item) = self.buffered.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch().await {
                self.done = true;
                return Some(Err(e));
            }
        }
    }

    /// Every remaining item.
    pub async fn all(mut self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    async fn fetch(&mut self) -> Result<(), Error> {
        let body = self.body.clone()?;
        let (core, op) = (self.core, self.op);
        let mut call = Call::new(core, op, decode::bytes);
        call = call.body::<Value, _>(body.clone());
        let done = call.send_done().await?;
        // Errors about this answer carry its status and the attempts it took.
        let bad = |why: String| core.decode_error_of(op, &done, why);
        let mut page: Value = serde_json::from_slice(&done.data).map_err(|e| bad(format!("not JSON: {e}")))?;
        let items = match page.get_mut(self.paging.items).map(Value::take) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(bad(format!("`{}` is not a list", self.paging.items))),
        };
        let field = self.paging.items;
        let item = |i: usize, v: &Value| decode::value::<T>(v).map_err(|why| bad(format!("`{field}[{i}]` {why}")));
        let limit = self.paging.limit.and_then(|l| body.get(l)).and_then(Value::as_u64);
        let full = !items.is_empty() && limit.is_none_or(|l| items.len() as u64 >= l);
        let mut next = body;
        let mut fresh = 0;
        match &self.paging.next {
            Next::Cursor { cursor, from, id } => {
                let last = items.last().and_then(|i| i.get(*from)).cloned();
                let mut at_last = HashSet::new();
                for (i, v) in items.iter().enumerate() {
                    let key = id.and_then(|id| v.get(id)).map(Value::to_string);
                    if key.as_ref().is_some_and(|k| self.at_cursor.contains(k)) {
                        continue; // yielded on the page before: same cursor value
                    }
                    if let (Some(k), true) = (&key, v.get(*from) == last.as_ref()) {
                        at_last.insert(k.clone());
                    }
                    self.buffered.push_back(item(i, v)?);
                    fresh += 1;
                }
                if full && fresh == 0 {
                    return Err(bad(format!(
                        "a whole page shares one `{from}`: the walk cannot go past it without losing items"
                    )));
                }
                // Several pages may share the last value: keep what was yielded at it.
                if last.as_ref() == next.get(*cursor) {
                    self.at_cursor.extend(at_last);
                } else {
                    self.at_cursor = at_last;
                }
                next[*cursor] = last.unwrap_or(Value::Null);
            }
            Next::Page { page } => {
                for (i, v) in items.iter().enumerate() {
                    self.buffered.push_back(item(i, v)?);
                }
                let current = next.get(*page).and_then(Value::as_u64).unwrap_or(1);
                next[*page] = Value::from(current + 1);
            }
        }
        self.done = !full;
        self.body = Ok(next);
        Ok(())
    }
}
