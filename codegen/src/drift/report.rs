//! The plain-text report: a heading, the changes grouped by operation, schema and
//! generated type, the count of description-only changes, a summary line.

use super::diff::{Change, Findings, Subject};
use super::pages::Swap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// `path` relative to the repository when it is inside it.
fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

fn heading(swap: &Swap, root: &Path) -> String {
    format!(
        "Spec drift: {} replacing {} ({})\n",
        swap.new.display(),
        shown(&swap.replaced, root),
        swap.provider
    )
}

/// The report when the new page cannot be used: the pipeline's error is the finding.
pub fn unusable(swap: &Swap, error: &str, root: &Path) -> String {
    let error = error.replace(&format!("{}/", root.display()), "");
    format!(
        "{}\nBREAKING  the page set does not build with it:\n  {error}\n\nnot compared: fix the page or the overlay first\n",
        heading(swap, root)
    )
}

const SECTIONS: [&str; 3] = ["Operations", "Schemas", "Generated Rust types"];

fn section_of(subject: &Subject) -> &'static str {
    match subject {
        Subject::Operation(_) => SECTIONS[0],
        Subject::Schema(_) => SECTIONS[1],
        Subject::Generated => SECTIONS[2],
    }
}

/// One section per kind of subject, one block per subject, one line per change.
pub fn render(swap: &Swap, f: &Findings, root: &Path) -> String {
    let mut out = heading(swap, root);
    for title in SECTIONS {
        let changes: Vec<&Change> = f.changes.iter().filter(|c| section_of(&c.subject) == title).collect();
        if !changes.is_empty() {
            let _ = write!(out, "\n{title}\n");
            section(&mut out, &changes, f);
        }
    }
    affected(&mut out, f);
    if !f.derived.is_empty() {
        out.push_str("\nGenerated Rust types (following from the changes above; not counted)\n");
        section(&mut out, &f.derived.iter().collect::<Vec<_>>(), f);
    }
    if f.changes.is_empty() {
        out.push_str("\nNo change to operations, fields, constraints, auth or retry classes.\n");
    }
    if f.descriptive > 0 {
        let _ = writeln!(
            out,
            "\n{} description-only change(s) ignored (descriptions, summaries, titles, examples)",
            f.descriptive
        );
    }
    let _ = writeln!(out, "\n{} changes, {} breaking", f.changes.len(), f.breaking());
    out
}

/// Methods whose request or answer types changed, with the types.
fn affected(out: &mut String, f: &Findings) {
    let mut by_op: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &f.changes {
        if let Subject::Schema(name) = &c.subject {
            for op in f.users.get(&c.subject).into_iter().flatten() {
                by_op.entry(op).or_default().insert(name);
            }
        }
    }
    if by_op.is_empty() {
        return;
    }
    out.push_str("\nMethods whose types change (see Schemas)\n");
    for (op, types) in by_op {
        let types: Vec<&str> = types.into_iter().collect();
        let _ = writeln!(out, "  {op}: {}", types.join(", "));
    }
}

fn section(out: &mut String, changes: &[&Change], f: &Findings) {
    let mut subjects: Vec<&Subject> = changes.iter().map(|c| &c.subject).collect();
    subjects.sort();
    subjects.dedup();
    for subject in subjects {
        let name = match subject {
            Subject::Operation(id) => id.as_str(),
            Subject::Schema(name) => name.as_str(),
            Subject::Generated => "(derived types)",
        };
        let heading = f.headings.get(subject).map(String::as_str).unwrap_or_default();
        let _ = writeln!(out, "  {name}  {heading}");
        for c in changes.iter().filter(|c| &c.subject == subject) {
            let verdict = if c.breaking { "BREAKING  " } else { "compatible" };
            let _ = writeln!(out, "    {verdict}  {} — {}", c.what, c.reason);
        }
    }
}
