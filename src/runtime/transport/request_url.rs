//! The request URL: the client's base URL, parsed once when it is built, and the
//! operation's path.

use std::borrow::Cow;

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
