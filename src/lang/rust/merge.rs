//! What a merge of two Rust modules needs beyond a line merge (issue #12 point 7): the union
//! of two module files that only declare (`mod`, `use`, `extern crate`), and the audit that
//! a merged file still defines every item either side defined.

use std::collections::BTreeSet;

use crate::lang::python::definitions::{LostDefinition, Side};

/// The union of two module files (`dst`, `src`) when each holds nothing but `mod x;`, `use`
/// and `extern crate` items (attributes and comments allowed): DST as it is, then SRC's
/// items that DST does not already have, in SRC's order, after DST's last item. `None` when
/// either file holds anything else (a line merge decides then).
pub fn module_file_union(dst: &str, src: &str) -> Option<String> {
    let (dst_items, src_items) = (declarations(dst), declarations(src));
    proc_macro2::extra::invalidate_current_thread_spans();
    let (dst_items, src_items) = (dst_items?, src_items?);
    let have: BTreeSet<&String> = dst_items.iter().map(|(tokens, _)| tokens).collect();
    let mut out = dst.to_owned();
    for (tokens, text) in &src_items {
        if have.contains(tokens) {
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(text);
        out.push('\n');
    }
    Some(out)
}

/// Each top-level item of `text` as (its tokens, so that spacing and comments do not make
/// two copies differ; its source text, attributes and doc comments included), when every
/// item is a `mod x;`, a `use` or an `extern crate`.
fn declarations(text: &str) -> Option<Vec<(String, String)>> {
    use syn::spanned::Spanned;
    let source = super::source::Source::new(std::path::PathBuf::new(), text.to_owned());
    let file = syn::parse_file(&source.text).ok()?;
    file.items
        .iter()
        .map(|item| {
            let declares = match item {
                syn::Item::Mod(m) => m.content.is_none(),
                syn::Item::Use(_) | syn::Item::ExternCrate(_) => true,
                _ => false,
            };
            declares.then(|| {
                let text = source.slice(&source.span(item.span())).to_owned();
                (quote::quote!(#item).to_string(), text)
            })
        })
        .collect()
}

/// The item names either side defines that `merged` lacks: top-level items (`name`) and
/// the methods of inherent and trait impls (`Type::method`). `None` when `merged` does not
/// parse (it holds conflict markers: a human looks at it anyway).
pub fn lost_items(dst: &str, src: &str, merged: &str) -> Option<Vec<LostDefinition>> {
    let names = |text: &str| -> Option<Vec<(String, usize)>> {
        let file = syn::parse_file(text).ok()?;
        let mut out = Vec::new();
        collect(&file.items, "", &mut out);
        Some(out)
    };
    let result = names(merged).map(|m| m.into_iter().map(|(n, _)| n).collect::<BTreeSet<_>>());
    let dst_names = names(dst).unwrap_or_default();
    let src_names = names(src).unwrap_or_default();
    proc_macro2::extra::invalidate_current_thread_spans();
    let result = result?;
    let mut lost = Vec::new();
    for (side, found) in [(Side::Dst, dst_names), (Side::Src, src_names)] {
        for (name, line) in found {
            if !result.contains(&name) && !lost.iter().any(|l: &LostDefinition| l.name == name) {
                lost.push(LostDefinition {
                    name,
                    side,
                    line,
                    deleted_on_purpose: false,
                });
            }
        }
    }
    Some(lost)
}

fn collect(items: &[syn::Item], prefix: &str, out: &mut Vec<(String, usize)>) {
    use syn::spanned::Spanned;
    let mut push = |name: String, span: proc_macro2::Span| {
        out.push((format!("{prefix}{name}"), span.start().line));
    };
    for item in items {
        match item {
            syn::Item::Const(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Enum(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Fn(i) => push(i.sig.ident.to_string(), i.sig.ident.span()),
            syn::Item::Static(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Struct(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Trait(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Type(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Union(i) => push(i.ident.to_string(), i.ident.span()),
            syn::Item::Mod(i) => push(format!("mod {}", i.ident), i.ident.span()),
            syn::Item::Macro(m) => {
                if let Some(ident) = &m.ident {
                    push(format!("{ident}!"), ident.span());
                }
            }
            syn::Item::Impl(i) => {
                let ty = &i.self_ty;
                let owner = quote::quote!(#ty).to_string().replace(' ', "");
                for member in &i.items {
                    if let syn::ImplItem::Fn(f) = member {
                        push(format!("{owner}::{}", f.sig.ident), f.span());
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_files_of_declarations_are_united() {
        let dst = "//! Parsing.\npub mod expr;\nuse crate::lexer::Token;\n";
        let src = "pub mod stmt;\npub   mod expr;\n#[cfg(test)]\nmod tests;\n";
        assert_eq!(
            module_file_union(dst, src).as_deref(),
            Some(
                "//! Parsing.\npub mod expr;\nuse crate::lexer::Token;\npub mod stmt;\n#[cfg(test)]\nmod tests;\n"
            )
        );
        assert_eq!(module_file_union(dst, "pub fn f() {}\n"), None);
    }

    #[test]
    fn a_merge_that_drops_an_item_or_a_method_is_caught() {
        let dst = "pub fn parse() {}\nstruct P;\nimpl P { fn run(&self) {} }\n";
        let src = "pub fn parse() {}\npub fn tokens() {}\n";
        let merged = "pub fn parse() {}\nstruct P;\n";
        let lost = lost_items(dst, src, merged).unwrap();
        let names: Vec<(&str, Side)> = lost.iter().map(|l| (l.name.as_str(), l.side)).collect();
        assert_eq!(names, [("P::run", Side::Dst), ("tokens", Side::Src)]);
        assert!(lost_items(dst, src, "<<<<<<< DST\n").is_none());
    }
}
