//! typify's conversions check and say what failed in words: a constrained
//! string's `FromStr` returns `"longer than 256 characters"`, a builder keeps a
//! setter's failure as `"error converting supplied value for x: ..."`. The
//! crate has one validator, which checks every body as it is written against
//! every rule of the spec and names the field and the rule; so these edits
//! take typify's second copy of the string rules out and leave its conversions
//! to say what they still can as data:
//!
//! - `types::error::ConversionError` becomes the runtime's
//!   (`crate::runtime::validate::ConversionError`): a field path and what failed;
//! - a constrained string's `FromStr` no longer checks `maxLength`, `minLength`
//!   or `pattern` (the validator does, before sending; an answer is read as
//!   sent);
//! - a builder's fields hold that error, a setter names its field, an unset
//!   required field is `ConversionError::unset("x")` (no text is written until
//!   someone prints it) and a builder starts with no unknown fields.

use quote::ToTokens;

/// Apply the edits to the items of `mod types`.
pub(super) fn structured(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Mod(m) if m.ident == "error" => {
                m.content = Some((
                    Default::default(),
                    vec![syn::parse_quote!(
                        pub use crate::runtime::validate::ConversionError;
                    )],
                ));
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                if let Some((_, inner)) = &mut m.content {
                    builders(inner);
                }
            }
            syn::Item::Impl(imp) if trait_name(imp).as_deref() == Some("FromStr") => {
                for member in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = member {
                        without_string_checks(&mut f.block);
                    }
                }
            }
            _ => {}
        }
    }
}

fn trait_name(imp: &syn::ItemImpl) -> Option<String> {
    let (path, _) = imp.trait_.as_ref()?;
    Some(path.segments.last()?.ident.to_string())
}

/// Remove typify's checks of `maxLength`, `minLength` and `pattern` (and the
/// pattern's static) from a constrained string's `FromStr`; a check of
/// another shape stays, and its words reach the caller as they are.
fn without_string_checks(block: &mut syn::Block) {
    block.stmts.retain(|stmt| match stmt {
        syn::Stmt::Expr(syn::Expr::If(check), _) => !is_string_check(&check.cond),
        syn::Stmt::Item(syn::Item::Static(st)) => st.ident != "PATTERN",
        _ => true,
    });
}

/// Whether `cond` is one of typify's string checks, by the check's own code.
fn is_string_check(cond: &syn::Expr) -> bool {
    let text = |e: &syn::Expr| e.to_token_stream().to_string().replace(' ', "");
    match cond {
        syn::Expr::Binary(b) => {
            text(&b.left) == "value.chars().count()" && matches!(b.op, syn::BinOp::Gt(_) | syn::BinOp::Lt(_))
        }
        c => text(c) == "PATTERN.find(value).is_none()",
    }
}

/// The builders' fields hold `ConversionError`s with their field's name.
fn builders(items: &mut [syn::Item]) {
    let error: syn::Type = syn::parse_quote!(super::error::ConversionError);
    for item in items {
        match item {
            syn::Item::Struct(st) => {
                for field in st.fields.iter_mut() {
                    if let Some(slot) = result_error(&mut field.ty) {
                        *slot = error.clone();
                    }
                }
            }
            syn::Item::Impl(imp) => {
                let kind = trait_name(imp);
                for member in &mut imp.items {
                    let syn::ImplItem::Fn(f) = member else { continue };
                    match kind.as_deref() {
                        None => setter(f),
                        Some(kind @ ("Default" | "TryFrom")) => initialisers(kind, f),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// The `E` of a field typed `Result<T, E>`.
fn result_error(ty: &mut syn::Type) -> Option<&mut syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last_mut()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return None;
    };
    match args.args.iter_mut().nth(1)? {
        syn::GenericArgument::Type(e) => Some(e),
        _ => None,
    }
}

/// `self.x = value.try_into().map_err(|e| format!(..x..))` → the error names
/// `x` and keeps what the conversion said (a rule, when it was ours); the
/// conversion's error must be `'static` for that.
fn setter(f: &mut syn::ImplItemFn) {
    let Some(syn::Stmt::Expr(syn::Expr::Assign(assign), _)) = f.block.stmts.first_mut() else {
        return;
    };
    let syn::Expr::Field(target) = &*assign.left else {
        return;
    };
    let syn::Member::Named(field) = &target.member else {
        return;
    };
    let name = field.to_string();
    *assign.right = syn::parse_quote!(value.try_into().map_err(|e| super::error::ConversionError::in_field(#name, e)));
    if let Some(clause) = &mut f.sig.generics.where_clause {
        for predicate in clause.predicates.iter_mut() {
            if let syn::WherePredicate::Type(p) = predicate
                && p.bounded_ty.to_token_stream().to_string().replace(' ', "") == "T::Error"
            {
                p.bounds.push(syn::parse_quote!('static));
            }
        }
    }
}

/// A builder's `Default` (required fields unset, no unknown fields) and its
/// conversion into the type (each field's error as it is).
fn initialisers(kind: &str, f: &mut syn::ImplItemFn) {
    let fields = match f.block.stmts.last_mut() {
        Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) if kind == "Default" => &mut init.fields,
        Some(syn::Stmt::Expr(syn::Expr::Call(ok), None)) if kind == "TryFrom" => match ok.args.first_mut() {
            Some(syn::Expr::Struct(init)) => &mut init.fields,
            _ => return,
        },
        _ => return,
    };
    for field in fields.iter_mut() {
        let syn::Member::Named(ident) = &field.member else {
            continue;
        };
        let name = ident.to_string();
        if kind == "Default" && name == "extra" {
            field.expr = syn::parse_quote!(Ok(Default::default()));
        } else if kind == "Default"
            && matches!(&field.expr, syn::Expr::Call(c) if c.func.to_token_stream().to_string() == "Err")
        {
            field.expr = syn::parse_quote!(Err(super::error::ConversionError::unset(#name)));
        } else if kind == "TryFrom" {
            field.expr = syn::parse_quote!(value.#ident?);
        }
    }
}
