//! The request URL: the client's base URL, parsed once when it is built, and the
//! operation's path; an operation's fixed path is resolved once per client.

use crate::runtime::Core;
use crate::runtime::spec::Operation;
use std::borrow::Cow;

impl Core {
    /// The URL of a request for `op` at `path` (its template filled, query
    /// included). Setting a path on a URL re-reads it (more than a call's own
    /// work otherwise), so where `path` is the operation's fixed path the
    /// client keeps the URL made on its first call.
    pub(crate) fn request_url(
        &self,
        op: &'static Operation,
        path: Cow<'static, str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        let fixed = (*path == *op.path).then(|| self.fixed_url(op)).flatten();
        let Some(slot) = fixed else {
            return request_url(&self.base_url, &self.parsed_base, path);
        };
        if let Some(url) = slot.get() {
            return Ok(url.clone());
        }
        let url = request_url(&self.base_url, &self.parsed_base, path)?;
        Ok(slot.get_or_init(|| url).clone())
    }

    /// The slot of `op`'s fixed URL, when `op` is one of the spec's operations
    /// (found by its place in the table; the raw escape hatch's are not).
    fn fixed_url(&self, op: &'static Operation) -> Option<&std::sync::OnceLock<reqwest::Url>> {
        let operations = self.provider.spec.operations;
        let offset = (op as *const Operation as usize).wrapping_sub(operations.as_ptr() as usize);
        let i = offset / std::mem::size_of::<Operation>().max(1);
        operations
            .get(i)
            .filter(|candidate| std::ptr::eq(*candidate, op))
            .and(self.fixed_urls.get(i))
    }
}

/// `base` (a checked base URL: absolute, no query, no fragment, no trailing
/// slash; `parsed` is it parsed) followed by `path` (and its query), as
/// `Url::parse(base + path)` reads it. Parsing a whole URL (the host above all)
/// costs more than the rest of a call's own work, so a plain path (no dot
/// segment, nothing to escape) is set on a copy of the parsed base; any other
/// path is parsed whole.
pub(crate) fn request_url(
    base: &str,
    parsed: &reqwest::Url,
    path: Cow<'static, str>,
) -> Result<reqwest::Url, url::ParseError> {
    let path = &*path;
    let (only_path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let plain = only_path.starts_with('/')
        && !only_path.contains("/.")
        && only_path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b))
        && query.is_none_or(|q| {
            q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%*+=&".contains(&b))
        });
    if !plain {
        return reqwest::Url::parse(&[base, path].concat());
    }
    let mut url = parsed.clone();
    match url.path() {
        "/" => url.set_path(only_path),
        prefix => url.set_path(&[prefix, only_path].concat()),
    }
    url.set_query(query);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::request_url;
    use crate::runtime::{Api, Core, Provider};
    use std::borrow::Cow;
    use std::sync::Arc;

    struct Grab(Arc<Core>);

    impl Api for Grab {
        fn provider() -> &'static Provider {
            &crate::funnelfox::PROVIDER
        }
        fn from_core(core: Arc<Core>) -> Self {
            Grab(core)
        }
    }

    #[test]
    fn an_operations_fixed_url_is_made_once_and_only_for_its_fixed_path() {
        let Grab(core) = crate::funnelfox::builder::<Grab>("org_1").build().unwrap();
        for op in crate::funnelfox::SPEC.operations {
            let whole = reqwest::Url::parse(&format!("{}{}", core.base_url, op.path)).unwrap();
            for _ in 0..2 {
                assert_eq!(
                    core.request_url(op, Cow::Borrowed(op.path)).unwrap(),
                    whole,
                    "{}",
                    op.id
                );
            }
            assert_eq!(core.fixed_url(op).unwrap().get(), Some(&whole), "{}", op.id);
            let queried = format!("{}?limit=5", op.path);
            let url = core.request_url(op, Cow::Owned(queried.clone())).unwrap();
            assert_eq!(url.as_str(), format!("{whole}?limit=5"));
        }
        // Another spec's operation (as the raw escape hatch's) has no slot here.
        assert!(core.fixed_url(&crate::closient::SPEC.operations[0]).is_none());
    }

    #[test]
    fn request_urls_are_what_parsing_the_whole_url_gives() {
        let bases = [
            "https://billing.funnelfox.com/org_123/v1",
            "https://billing.funnelfox.com/a%2Fb%3Fc/v1",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/billing/api/v1",
            "https://www.closient.com/billing/api/v1",
            "http://[::1]:9/x",
        ];
        let paths = [
            "/checkout/create_client_session",
            "/billing/balance/2aBcDeFgHiJkLmNoPqRsTu",
            "/billing/balance/a%20b",
            "/x?limit=5&cursor=abc%2Bd",
            "/x?a=b+c&d=*",
            "/.well-known/x",
            "/a/../b",
            "/a b",
            "/x?a=%ZZ",
            "/x#frag",
            "/",
            "/x?",
        ];
        for base in bases {
            let parsed = reqwest::Url::parse(base).unwrap();
            for path in paths {
                let whole = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
                for path in [Cow::Borrowed(path), Cow::Owned(path.to_string())] {
                    assert_eq!(
                        request_url(base, &parsed, path.clone()).unwrap(),
                        whole,
                        "{base} {path}"
                    );
                    assert_eq!(
                        request_url(base, &parsed, path.clone()).unwrap().as_str(),
                        whole.as_str(),
                        "{base} {path}"
                    );
                }
            }
        }
    }
}
