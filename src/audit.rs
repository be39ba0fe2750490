//! `castle audit`: the capability graph and least-privilege report of a manifest (the work is
//! in `castle_rtl::audit`).
use anyhow::{Context, Result};
use castle_enclave::image::Profile;
use castle_rtl::audit;
use castle_rtl::manifest::Manifest;
use std::path::Path;

/// What `castle audit` was asked for.
pub struct Request<'a> {
    pub manifest: &'a Path,
    pub dot: Option<&'a Path>,
    pub svg: Option<&'a Path>,
    pub json: bool,
}

/// Audits the manifest, writes the requested graph files, prints the report.
pub fn run(req: &Request<'_>) -> Result<()> {
    let m = Manifest::load(req.manifest)?;
    let profile = Profile::by_name(&m.profile)
        .with_context(|| format!("{}: no image profile `{}`", m.file.display(), m.profile))?;
    let report = audit::audit_manifest(&m, &profile)?;
    let dot = report.dot();
    if let Some(f) = req.dot {
        audit::write_dot(&dot, f)?;
        eprintln!("castle: wrote {}", f.display());
    }
    if let Some(f) = req.svg {
        audit::write_svg(&dot, f)?;
        eprintln!("castle: wrote {}", f.display());
    }
    if req.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(())
}
