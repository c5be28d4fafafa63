//! The request URL: the base URL and the operation's path, with per-thread caches of parsed URLs.

use std::borrow::Cow;

/// `base` (a checked base URL: absolute, no query, no fragment, no trailing
/// slash) followed by `path` (and its query), as `Url::parse(base + path)` reads
/// it. Parsing a whole URL (the host above all) costs more than the rest of a
/// call's own work, so each thread keeps a few: the URLs of operations whose
/// path is the spec's template itself (`Cow::Borrowed`: no parameter in it),
/// and bases, on a copy of which a plain path is set; any other path is parsed
/// whole.
pub(crate) fn request_url(base: &str, path: Cow<'static, str>) -> Result<reqwest::Url, url::ParseError> {
    use std::cell::RefCell;
    const KEPT: usize = 8;
    type Fixed = Vec<(Box<str>, &'static str, reqwest::Url)>;
    thread_local! {
        static BASES: RefCell<Vec<(Box<str>, reqwest::Url)>> = const { RefCell::new(Vec::new()) };
        static FIXED: RefCell<Fixed> = const { RefCell::new(Vec::new()) };
    }
    if let Cow::Borrowed(fixed) = path {
        let same = |(b, p, _): &&(Box<str>, &'static str, reqwest::Url)| std::ptr::eq(*p, fixed) && &**b == base;
        if let Some(url) = FIXED.with_borrow(|all| all.iter().find(same).map(|(_, _, u)| u.clone())) {
            return Ok(url);
        }
        let url = request_url(base, Cow::Owned(fixed.to_string()))?;
        FIXED.with_borrow_mut(|all| {
            if all.len() == 4 * KEPT {
                all.remove(0);
            }
            all.push((base.into(), fixed, url.clone()));
        });
        return Ok(url);
    }
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
    let cached = BASES.with_borrow(|bases| bases.iter().find(|(b, _)| &**b == base).map(|(_, u)| u.clone()));
    let mut url = match cached {
        Some(url) => url,
        None => {
            let url = reqwest::Url::parse(base)?;
            BASES.with_borrow_mut(|bases| {
                if bases.len() == KEPT {
                    bases.remove(0);
                }
                bases.push((base.into(), url.clone()));
            });
            url
        }
    };
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
    use std::borrow::Cow;

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
        for _ in 0..2 {
            for base in bases {
                for path in paths {
                    let whole = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
                    for path in [Cow::Borrowed(path), Cow::Owned(path.to_string())] {
                        assert_eq!(request_url(base, path.clone()).unwrap(), whole, "{base} {path}");
                        assert_eq!(
                            request_url(base, path.clone()).unwrap().as_str(),
                            whole.as_str(),
                            "{base} {path}"
                        );
                    }
                }
            }
        }
    }
}
