//! Which vendored page a new file replaces, and the provider's page set read as
//! `build.rs` reads it, with and without the swap.

use crate::{PipelineError, load};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Each provider and its folder of vendored pages (relative to the repository).
pub const PROVIDERS: [(&str, &str); 2] = [("FunnelFox", "specs/funnelfox"), ("Closient", "specs/closient")];

/// A new page and the vendored page it takes the place of.
pub struct Swap {
    pub provider: &'static str,
    /// The provider's folder (absolute).
    pub dir: PathBuf,
    /// The vendored page replaced (absolute).
    pub replaced: PathBuf,
    /// The new page, as given.
    pub new: PathBuf,
}

/// One page set through the pipeline: its corrected document and the generated
/// types (the generator ran to the end, as the build would).
pub struct PageSet {
    pub doc: Value,
    pub types: String,
}

/// Find the page `new` replaces: `replaces`, else the vendored page with the same
/// file name, else the one declaring the most of the same paths.
pub fn find(new: &Path, replaces: Option<&Path>, root: &Path) -> Result<Swap, String> {
    if !new.is_file() {
        return Err(format!("{} is not a file", new.display()));
    }
    let vendored = vendored_pages(root)?;
    let chosen = match replaces {
        Some(r) => by_path(r, &vendored)?,
        None => by_name(new, &vendored)?
            .or_else(|| by_paths(new, &vendored))
            .ok_or_else(|| {
                format!(
                    "no vendored page has the name {} or one of its paths; say which with --replaces",
                    file_name(new)
                )
            })?,
    };
    let (provider, dir, replaced) = vendored[chosen].clone();
    Ok(Swap {
        provider,
        dir,
        replaced,
        new: new.to_path_buf(),
    })
}

/// The pipeline on the vendored pages.
pub fn vendored(swap: &Swap) -> Result<PageSet, PipelineError> {
    run(crate::read_pages(&[swap.dir.as_path()])?, &swap.dir)
}

/// The pipeline on the vendored pages with the replaced one swapped for the new
/// file (in its place, so the merge order is the build's).
pub fn swapped(swap: &Swap) -> Result<PageSet, PipelineError> {
    let mut pages = crate::read_pages(&[swap.dir.as_path()])?;
    let text = std::fs::read_to_string(&swap.new)
        .map_err(|e| PipelineError::new(&swap.new, "", format!("cannot read: {e}")))?;
    let doc = load::parse(&swap.new, &text)?;
    let slot = pages
        .iter_mut()
        .find(|p| same_file(&p.file, &swap.replaced))
        .ok_or_else(|| PipelineError::new(&swap.replaced, "", "not among the provider's pages"))?;
    *slot = load::Page {
        file: swap.new.clone(),
        doc,
    };
    run(pages, &swap.dir)
}

fn run(pages: Vec<load::Page>, dir: &Path) -> Result<PageSet, PipelineError> {
    let corrected = crate::correct(&pages, dir)?;
    let output = crate::generate(&pages, dir)?;
    Ok(PageSet {
        doc: corrected.doc,
        types: output.types,
    })
}

type Vendored = Vec<(&'static str, PathBuf, PathBuf)>;

/// Every vendored page: (provider, folder, file).
fn vendored_pages(root: &Path) -> Result<Vendored, String> {
    let mut out = Vec::new();
    for (provider, dir) in PROVIDERS {
        let dir = root.join(dir);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with(load::OVERLAY))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (provider, dir.clone(), f)));
    }
    Ok(out)
}

fn by_path(replaces: &Path, vendored: &Vendored) -> Result<usize, String> {
    vendored
        .iter()
        .position(|(_, _, f)| same_file(f, replaces))
        .ok_or_else(|| format!("{} is not a vendored page (specs/*/*.yaml)", replaces.display()))
}

fn by_name(new: &Path, vendored: &Vendored) -> Result<Option<usize>, String> {
    let same: Vec<usize> = (0..vendored.len())
        .filter(|&i| file_name(&vendored[i].2) == file_name(new))
        .collect();
    match same[..] {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(format!(
            "several providers have a page named {}; say which with --replaces",
            file_name(new)
        )),
    }
}

/// The vendored page sharing the most paths with `new` (at least one).
fn by_paths(new: &Path, vendored: &Vendored) -> Option<usize> {
    let wanted = paths_of(new);
    let shared = |i: usize| paths_of(&vendored[i].2).iter().filter(|p| wanted.contains(p)).count();
    (0..vendored.len())
        .filter(|&i| shared(i) > 0)
        .max_by_key(|&i| shared(i))
}

fn paths_of(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let doc = load::parse(file, &text).unwrap_or(Value::Null);
    doc.get("paths")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
