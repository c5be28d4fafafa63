//! typify checks a pattern in each constrained string's `FromStr` with a
//! `regress::Regex` built on first use (and `unwrap`ped). Those statics become
//! `crate::runtime::validate::Pattern`s, the validator's own matcher: the same
//! answers (its table for the common `^[class]{m,n}$` shape is tested against
//! regress), without running a regex engine in every builder setter, and a
//! pattern that does not compile rejects values instead of panicking.

use quote::ToTokens;

/// Rewrite every `static PATTERN: LazyLock<regress::Regex>` in `items`; the
/// code that calls `PATTERN.find(value)` is left as typify wrote it.
pub fn use_core_matcher(items: &mut [syn::Item]) -> Result<(), String> {
    for item in items {
        match item {
            syn::Item::Impl(imp) => {
                for member in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = member {
                        rewrite_block(&mut f.block)?;
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    use_core_matcher(inner)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn rewrite_block(block: &mut syn::Block) -> Result<(), String> {
    for stmt in &mut block.stmts {
        if let syn::Stmt::Item(syn::Item::Static(st)) = stmt
            && st.ident == "PATTERN"
        {
            let tokens = quote::quote!(#st).to_string();
            if !tokens.contains("regress") {
                continue;
            }
            let expr = &st.expr;
            let pattern = first_string(quote::quote!(#expr))
                .ok_or_else(|| format!("typify's pattern static has no pattern: {tokens}"))?;
            *st.ty = syn::parse_quote!(crate::runtime::validate::Pattern);
            *st.expr = syn::parse_quote!(crate::runtime::validate::Pattern::new(#pattern));
        }
    }
    Ok(())
}

/// The first string literal in `tokens` (the pattern given to `Regex::new`).
fn first_string(tokens: proc_macro2::TokenStream) -> Option<syn::LitStr> {
    tokens.into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Group(g) => first_string(g.stream()),
        proc_macro2::TokenTree::Literal(l) => syn::parse2::<syn::LitStr>(l.into_token_stream()).ok(),
        _ => None,
    })
}
