//! `castle build`: a manifest's cluster as a board's bitstream, with its report and its
//! provenance statement (`castle_fpga::build`, `castle_fpga::provenance`).
//!
//! The build folder (`-o DIR`, default `build/BOARD`) is written whole or not at all: every
//! file is made in a fresh folder beside it, which then replaces it. It holds:
//! `castle.v` (what was synthesized), the bitstream (`castle.bin` / `castle.bit`),
//! `report.json`, `boot.hex` (the boot ROM, one 16-bit word per line), the constraints file,
//! the tools' logs and `provenance.json`. When timing is not met the folder gets the report and
//! the logs but no bitstream.
use crate::progress;
use anyhow::{bail, Context, Result};
use castle_fpga::board::{self, Board};
use castle_fpga::build::{self as flow, BuildError, Built, Stage};
use castle_fpga::provenance::{self, Edge, Facts, Input};
use castle_rtl::board::program::BOARD_PROFILE;
use castle_rtl::manifest::{wasm_bytes, Manifest};
use castle_rtl::tools::project_root;
use std::path::{Path, PathBuf};

/// What `castle build` was asked for.
pub struct Request<'a> {
    pub board: &'a str,
    pub manifest: Option<&'a Path>,
    pub output: Option<&'a Path>,
    pub seed: u64,
    pub seeds: u32,
    /// An ed25519 private key (PKCS#8 PEM) to sign the statement with.
    pub sign: Option<&'a Path>,
    /// Swap the boot ROM of the build in `output` instead of a full build.
    pub images_only: bool,
    pub json: bool,
}

/// The default manifest of `board`: `apps/boards/BOARD.toml`.
pub fn default_manifest(board: &Board) -> PathBuf {
    project_root()
        .join("apps/boards")
        .join(format!("{}.toml", board.name))
}

/// Everything a build is made from, before the tools run.
pub struct Prepared {
    pub board: &'static Board,
    /// The board top's Verilog.
    pub top: String,
    /// The boot ROM's words.
    pub rom: Vec<u16>,
    /// Every input but the synthesized Verilog, by name and digest.
    pub inputs: Vec<Input>,
    pub capabilities: Vec<Edge>,
}

/// `path` relative to the project's root when it is inside it (so a statement does not depend
/// on where the clone is), else absolute.
fn project_name(path: &Path) -> String {
    let root = project_root();
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, r) = (abs(path), abs(&root));
    p.strip_prefix(&r)
        .map(|rel| rel.display().to_string())
        .unwrap_or_else(|_| p.display().to_string())
}

/// Loads the manifest, builds every image for the board profile and exports the board top.
pub fn prepare(board: &'static Board, manifest: &Path) -> Result<Prepared> {
    let m = Manifest::load(manifest)?;
    if m.profile != "sim" && m.profile != BOARD_PROFILE.name {
        bail!(
            "{}: profile `{}`: board clusters use profile `{}` (leave `profile` out)",
            manifest.display(),
            m.profile,
            BOARD_PROFILE.name
        );
    }
    let specs = castle_testbench::sim::specs_for(&m, &BOARD_PROFILE)?;
    let (top, rom) = castle_rtl::board::verilog(&specs, m.columns, m.rows, board.uart_divisor())
        .with_context(|| format!("{}: cannot make the board top", manifest.display()))?;
    let manifest_bytes =
        std::fs::read(manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut inputs = vec![Input::of(project_name(manifest), &manifest_bytes)];
    let mut capabilities = Vec::new();
    for e in &m.enclaves {
        let src = std::fs::read(&e.source)
            .with_context(|| format!("cannot read {}", e.source.display()))?;
        inputs.push(Input::of(project_name(&e.source), &src));
        let wasm = wasm_bytes(&m, e)?;
        if wasm != src {
            inputs.push(Input::of(format!("wasm:{}", e.name), &wasm));
        }
        for (slot, c) in e.caps.iter().enumerate() {
            capabilities.push(Edge {
                from: e.name.clone(),
                slot,
                to: c.to.clone(),
                send: c.send,
                grant: c.grant,
                badge: c.badge,
            });
        }
    }
    for d in &m.devices {
        // The UART gateway's: what the host can send to.
        for (slot, c) in d.caps.iter().enumerate() {
            capabilities.push(Edge {
                from: d.name.clone(),
                slot,
                to: c.to.clone(),
                send: c.send,
                grant: c.grant,
                badge: c.badge,
            });
        }
    }
    inputs.push(Input::of(
        format!("fpga/boards/{}", board.constraints.0),
        board.constraints.1.as_bytes(),
    ));
    Ok(Prepared {
        board,
        top,
        rom,
        inputs,
        capabilities,
    })
}

/// Castle's source commit, `-dirty` when the work tree has changes; None outside a clone.
pub fn source_commit() -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(project_root())
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let head = git(&["rev-parse", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(format!("{head}{}", if dirty { "-dirty" } else { "" }))
}

/// Runs the flow on `p` with a spinner per stage.
pub fn run_flow(p: &Prepared, seed: u64, seeds: u32) -> Result<Built, BuildError> {
    let pb = progress::spinner("exporting");
    let started = std::time::Instant::now();
    let result = flow::build(
        &flow::Request {
            board: p.board,
            top: &p.top,
            seed,
            seeds,
        },
        &mut |stage: Stage| {
            pb.set_message(format!("{}: {stage}", p.board.name));
        },
    );
    pb.finish_and_clear();
    if result.is_ok() {
        eprintln!(
            "castle: {} built in {:.0} s",
            p.board.name,
            started.elapsed().as_secs_f64()
        );
    }
    result
}

/// The provenance statement of a finished build.
pub fn facts(p: &Prepared, built: &Built, seeds: u32) -> Facts {
    let mut inputs = p.inputs.clone();
    inputs.push(Input::of("castle.v", built.verilog.as_bytes()));
    Facts {
        board: p.board.name.to_string(),
        manifest: p.inputs[0].name.clone(),
        seed: built.report.seed,
        seeds,
        capabilities: p.capabilities.clone(),
        inputs,
        commit: source_commit(),
        tools: built.report.tools.clone(),
        bitstream: Input::of(p.board.bitstream, &built.bitstream),
        images_into: None,
    }
}

/// Runs the request; returns the exit status.
pub fn run(req: &Request) -> Result<i32> {
    let b = board::board(req.board)?;
    let manifest = match req.manifest {
        Some(m) => m.to_path_buf(),
        None => default_manifest(b),
    };
    if !manifest.is_file() {
        bail!("{}: no such manifest", manifest.display());
    }
    if req.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    // Read the key first: a bad key is found before a long build, not after.
    let key = match req.sign {
        Some(k) => Some(
            std::fs::read_to_string(k)
                .with_context(|| format!("{}: cannot read the key", k.display()))?,
        ),
        None => None,
    };
    if let (Some(k), Some(path)) = (&key, req.sign) {
        provenance::sign(b"", k, &path.display().to_string())?;
    }
    let out = req
        .output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("build").join(b.name));
    if req.images_only {
        return swap_images(b, &manifest, &out, req, key.as_deref());
    }
    check_output(&out)?;
    let p = prepare(b, &manifest)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            b.constraints.0.to_string(),
            b.constraints.1.as_bytes().to_vec(),
        ),
        ("boot.hex".to_string(), boot_hex(&p.rom).into_bytes()),
    ];
    match run_flow(&p, req.seed, req.seeds) {
        Ok(built) => {
            let facts = facts(&p, &built, req.seeds);
            let report = serde_json::to_string_pretty(&built.report)?;
            files.push(("castle.v".into(), built.verilog.clone().into_bytes()));
            files.push((b.placed().into(), built.placed.clone()));
            files.push((b.bitstream.into(), built.bitstream.clone()));
            files.push(("report.json".into(), format!("{report}\n").into_bytes()));
            let st = serde_json::to_string_pretty(&provenance::statement(&facts))?;
            let st = format!("{st}\n");
            if let (Some(k), Some(path)) = (&key, req.sign) {
                let (envelope, public) =
                    provenance::sign(st.as_bytes(), k, &path.display().to_string())?;
                let env = serde_json::to_string_pretty(&envelope)?;
                files.push((SIGNED.into(), format!("{env}\n").into_bytes()));
                files.push((SIGNER.into(), public.into_bytes()));
            }
            files.push(("provenance.json".into(), st.into_bytes()));
            files.extend(built.logs.into_iter().map(|(k, v)| (k, v.into_bytes())));
            write_folder(&out, &files)?;
            if req.json {
                println!("{}", serde_json::to_string(&built.report)?);
            } else {
                println!("{}", built.report.summary());
                println!(
                    "{}: {} and provenance.json (bitstream sha256 {})",
                    out.display(),
                    b.bitstream,
                    facts.bitstream.sha256
                );
            }
            Ok(0)
        }
        Err(BuildError::Timing {
            report,
            logs,
            board,
            clock_mhz,
        }) => {
            let summary = report.summary();
            let e = BuildError::Timing {
                report: report.clone(),
                logs: Default::default(),
                board,
                clock_mhz,
            };
            files.push((
                "report.json".into(),
                format!("{}\n", serde_json::to_string_pretty(&report)?).into_bytes(),
            ));
            files.extend(logs.into_iter().map(|(k, v)| (k, v.into_bytes())));
            write_folder(&out, &files)?;
            if req.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{summary}");
            }
            bail!("{e}; report and logs in {} (no bitstream)", out.display())
        }
        Err(e) => Err(e.into()),
    }
}

/// What `castle verify` found.
#[derive(serde::Serialize)]
struct Verdict {
    board: String,
    bitstream: String,
    recorded_sha256: String,
    rebuilt_sha256: String,
    matches: bool,
    /// Inputs whose digest differs from the recorded one (or that are new or gone).
    changed_inputs: Vec<String>,
    /// Tools whose version differs from the recorded one.
    changed_tools: Vec<String>,
    /// What the signature check found (None: the build is not signed).
    signature: Option<String>,
}

/// `castle verify DIR`: checks the folder's bitstream against its statement, rebuilds from
/// the recorded inputs (the manifest, relative to the project's root) with the recorded seed
/// and compares the bitstreams. Exit 0 when they match, 1 otherwise.
pub fn verify(dir: &Path, key: Option<&Path>, json: bool) -> Result<i32> {
    let path = dir.join("provenance.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: cannot read (is {} a build folder?)",
            path.display(),
            dir.display()
        )
    })?;
    let st: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let recorded = provenance::read(&st).with_context(|| path.display().to_string())?;
    let signature = check_signature(dir, &text, key)?;
    let b = board::board(&recorded.board)?;
    let bit_path = dir.join(&recorded.bitstream.name);
    let bits = std::fs::read(&bit_path)
        .with_context(|| format!("{}: cannot read the bitstream", bit_path.display()))?;
    if provenance::sha256_hex(&bits) != recorded.bitstream.sha256 {
        bail!(
            "{}: its SHA-256 {} is not the one the statement records ({})",
            bit_path.display(),
            provenance::sha256_hex(&bits),
            recorded.bitstream.sha256
        );
    }
    let manifest = project_root().join(&recorded.manifest);
    let p = prepare(b, &manifest)?;
    let built = run_flow(&p, recorded.seed, 1)?;
    let now = facts(&p, &built, recorded.seeds);
    let digests = |f: &Facts| -> std::collections::BTreeMap<String, String> {
        f.inputs
            .iter()
            .map(|i| (i.name.clone(), i.sha256.clone()))
            .collect()
    };
    let (was, is) = (digests(&recorded), digests(&now));
    let changed_inputs: Vec<String> = was
        .keys()
        .chain(is.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| was.get(*k) != is.get(*k))
        .cloned()
        .collect();
    let changed_tools: Vec<String> = recorded
        .tools
        .iter()
        .filter(|t| !now.tools.contains(t))
        .map(|t| format!("{t} (now: {})", now.tools.join(", ")))
        .collect();
    let v = Verdict {
        board: b.name.to_string(),
        bitstream: bit_path.display().to_string(),
        matches: now.bitstream.sha256 == recorded.bitstream.sha256,
        recorded_sha256: recorded.bitstream.sha256,
        rebuilt_sha256: now.bitstream.sha256,
        changed_inputs,
        changed_tools,
        signature,
    };
    if json {
        println!("{}", serde_json::to_string(&v)?);
    } else {
        println!(
            "{}",
            v.signature
                .as_deref()
                .unwrap_or("signature: none (built without --sign)")
        );
        for i in &v.changed_inputs {
            println!("input changed since the build: {i}");
        }
        for t in &v.changed_tools {
            println!("tool changed since the build: {t}");
        }
        if v.matches {
            println!(
                "verified: the rebuild of {} gives the same bitstream (sha256 {})",
                dir.display(),
                v.rebuilt_sha256
            );
        } else {
            println!(
                "MISMATCH: {} has sha256 {}, the rebuild {}",
                v.bitstream, v.recorded_sha256, v.rebuilt_sha256
            );
        }
    }
    Ok(if v.matches { 0 } else { 1 })
}

/// The signed statement: a DSSE envelope whose payload is `provenance.json`'s bytes.
const SIGNED: &str = "provenance.dsse.json";
/// The signer's public key (PEM).
const SIGNER: &str = "signer.pub.pem";

/// Checks the folder's signature, if it has one, with `key` or the public key it carries;
/// returns what to say about it.
fn check_signature(dir: &Path, statement: &str, key: Option<&Path>) -> Result<Option<String>> {
    let env_path = dir.join(SIGNED);
    if !env_path.is_file() {
        if let Some(k) = key {
            bail!(
                "{}: the build is not signed (no {SIGNED}), so it cannot be checked against {}",
                dir.display(),
                k.display()
            );
        }
        return Ok(None);
    }
    let envelope: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&env_path)
            .with_context(|| format!("{}: cannot read", env_path.display()))?,
    )
    .with_context(|| format!("{}: not JSON", env_path.display()))?;
    let key_path = key.map_or_else(|| dir.join(SIGNER), Path::to_path_buf);
    let public = std::fs::read_to_string(&key_path)
        .with_context(|| format!("{}: cannot read the public key", key_path.display()))?;
    let (payload, keyid) = provenance::check(&envelope, &public, &key_path.display().to_string())
        .with_context(|| env_path.display().to_string())?;
    if payload != statement.as_bytes() {
        bail!(
            "{}: signed, but its payload is not provenance.json: the statement was changed after signing",
            env_path.display()
        );
    }
    Ok(Some(match key {
        Some(k) => format!("signature: good, by the key of {} (key id {keyid})", k.display()),
        None => format!(
            "signature: good, by the key in {SIGNER} (key id {keyid}); pass --key to check whose it is"
        ),
    }))
}

/// `castle build --images-only`: puts `manifest`'s images and c-lists into the boot ROM of
/// the build in `out` (same board, same cluster shape) without synthesis or place and route.
fn swap_images(
    b: &'static Board,
    manifest: &Path,
    out: &Path,
    req: &Request,
    key: Option<&str>,
) -> Result<i32> {
    let started = std::time::Instant::now();
    let read = |name: &str| {
        let path = out.join(name);
        std::fs::read(&path).with_context(|| {
            format!(
                "{}: cannot read ({} must be a full build of the same board: `castle build --board {} -o {}` first)",
                path.display(),
                out.display(),
                b.name,
                out.display()
            )
        })
    };
    let st: serde_json::Value = serde_json::from_slice(&read("provenance.json")?)
        .with_context(|| format!("{}: not JSON", out.join("provenance.json").display()))?;
    let old = provenance::read(&st)?;
    if old.board != b.name {
        bail!(
            "{}: a build for {}, not {}: --images-only swaps images within one board's build",
            out.display(),
            old.board,
            b.name
        );
    }
    let old_v = String::from_utf8_lossy(&read("castle.v")?).into_owned();
    let old_rom = parse_hex(&String::from_utf8_lossy(&read("boot.hex")?))
        .with_context(|| format!("{}", out.join("boot.hex").display()))?;
    let placed = read(b.placed())?;
    let p = prepare(b, manifest)?;
    let new_v = flow::synthesized(b, &p.top);
    if p.rom.len() != old_rom.len() {
        bail!(
            "{}: its boot program needs a {}-word ROM, the build in {} has {} words: this change needs a full build (leave out --images-only)",
            manifest.display(),
            p.rom.len(),
            out.display(),
            old_rom.len()
        );
    }
    if flow::without_rom(&new_v) != flow::without_rom(&old_v) {
        bail!(
            "{}: its cluster differs from the build in {} in more than the boot ROM (mesh, devices or node kinds): this change needs a full build (leave out --images-only)",
            manifest.display(),
            out.display()
        );
    }
    let pb = progress::spinner(&format!("{}: swapping the boot ROM (icebram)", b.name));
    let swapped = flow::swap_rom(b, &placed, &old_rom, &p.rom);
    pb.finish_and_clear();
    let (placed, bitstream) = swapped?;
    let mut inputs = p.inputs.clone();
    inputs.push(Input::of("castle.v", new_v.as_bytes()));
    let facts = Facts {
        board: b.name.to_string(),
        manifest: p.inputs[0].name.clone(),
        seed: old.seed,
        seeds: old.seeds,
        capabilities: p.capabilities.clone(),
        inputs,
        commit: source_commit(),
        tools: old.tools.clone(),
        bitstream: Input::of(b.bitstream, &bitstream),
        images_into: Some(old.bitstream.sha256.clone()),
    };
    // Everything of the old folder but what changes (a signature of the old statement would
    // not match the new one: it goes).
    let replaced = [
        "castle.v",
        "boot.hex",
        "provenance.json",
        SIGNED,
        SIGNER,
        b.placed(),
        b.bitstream,
    ];
    let mut files = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| out.display().to_string())? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && !replaced.contains(&name.as_str()) {
            files.push((name.clone(), std::fs::read(entry.path())?));
        }
    }
    files.push(("castle.v".into(), new_v.into_bytes()));
    files.push(("boot.hex".into(), boot_hex(&p.rom).into_bytes()));
    files.push((b.placed().into(), placed));
    files.push((b.bitstream.into(), bitstream));
    let st = format!(
        "{}\n",
        serde_json::to_string_pretty(&provenance::statement(&facts))?
    );
    if let (Some(k), Some(path)) = (key, req.sign) {
        let (envelope, public) = provenance::sign(st.as_bytes(), k, &path.display().to_string())?;
        let env = serde_json::to_string_pretty(&envelope)?;
        files.push((SIGNED.into(), format!("{env}\n").into_bytes()));
        files.push((SIGNER.into(), public.into_bytes()));
    } else if out.join(SIGNED).is_file() {
        eprintln!("castle: the earlier signature no longer matches and was removed (sign again with --sign KEY)");
    }
    files.push(("provenance.json".into(), st.into_bytes()));
    write_folder(out, &files)?;
    let secs = started.elapsed().as_secs_f64();
    if req.json {
        println!(
            "{}",
            serde_json::json!({"board": b.name, "images_only": true, "seconds": secs,
                "bitstream_sha256": facts.bitstream.sha256, "into": old.bitstream.sha256})
        );
    } else {
        println!(
            "{}: boot ROM swapped in {secs:.1} s, no synthesis or place and route (bitstream sha256 {})",
            out.display(),
            facts.bitstream.sha256
        );
    }
    Ok(0)
}

/// Words of a `boot.hex`.
fn parse_hex(text: &str) -> Result<Vec<u16>> {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            u16::from_str_radix(l.trim(), 16)
                .with_context(|| format!("line {}: not a 16-bit hex word: {l:?}", i + 1))
        })
        .collect()
}

/// The boot ROM as text: one 4-digit hex word per line.
fn boot_hex(rom: &[u16]) -> String {
    flow::rom_hex(rom)
}

/// Marks a folder as a build folder, so that a later build may replace it.
const MARK: &str = "report.json";

/// Writes `files` as the whole content of folder `out`: into a new folder beside it, which
/// then replaces `out` (only a previous build folder, or an empty one, is replaced).
pub fn write_folder(out: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    check_output(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot make {}", parent.display()))?;
    let stage = tempfile::Builder::new()
        .prefix(".castle-build-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    for (name, bytes) in files {
        std::fs::write(stage.path().join(name), bytes)
            .with_context(|| format!("writing {name}"))?;
    }
    let staged = stage.keep();
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("replacing {}", out.display()))?;
    }
    std::fs::rename(&staged, out).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

/// `out` may become a build folder: it does not exist, is empty, or is a previous build's.
fn check_output(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("{}: not a folder", out.display()))?
            .next()
            .is_none();
        if !empty && !out.join(MARK).is_file() {
            bail!(
                "{}: exists and is not a build folder (no {MARK}); name another with -o",
                out.display()
            );
        }
    }
    Ok(())
}
