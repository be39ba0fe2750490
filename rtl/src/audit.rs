//! Capability audit of a cluster manifest: who can send to whom, how capabilities can spread by
//! grant, and what each enclave holds but can never use (`castle audit`).
//!
//! The input is the manifest and each enclave's image, of which only the imports from module
//! `castle` matter: an enclave that does not import `send` never sends data, one that does not
//! import `grant` never passes a capability on. Receiving a granted capability needs no import:
//! the receiving network interface installs it in the c-list by itself.
//!
//! Spreading: an enclave E that imports `grant` and holds a capability with the grant right to
//! another enclave T can give T any capability E holds, with its badge and rights ANDed down.
//! [`audit`] computes the fixed point of what every enclave can ever hold, as maximal
//! `(target, rights, badge)` triples (anything with fewer rights is reachable too). It is an
//! upper bound: it ignores the order of events and the 16 slots of a c-list.
use crate::manifest::{self, Manifest, ManifestError};
use crate::tools::{MissingTool, Tool};
use castle_enclave::image::{FuncKind, Image, ImportKind, Profile};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The rights of a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rights {
    /// Data may be sent through it.
    pub send: bool,
    /// Capabilities may be granted through it.
    pub grant: bool,
}

impl Rights {
    /// Whether every right of `other` is in `self`.
    pub fn covers(self, other: Rights) -> bool {
        (self.send || !other.send) && (self.grant || !other.grant)
    }

    /// No right at all.
    pub fn is_empty(self) -> bool {
        !self.send && !self.grant
    }

    /// The rights' names, as in a manifest.
    pub fn names(self) -> Vec<&'static str> {
        [(self.send, "send"), (self.grant, "grant")]
            .into_iter()
            .filter_map(|(has, name)| has.then_some(name))
            .collect()
    }

    /// `send+grant`, `send`, `grant` or `no rights`.
    pub fn label(self) -> String {
        if self.is_empty() {
            "no rights".into()
        } else {
            self.names().join("+")
        }
    }
}

impl Serialize for Rights {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

/// The capability calls a module imports, by name (`send`, `recv`, `try_recv`, `grant`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Imports(pub Vec<&'static str>);

impl Imports {
    /// The `castle` imports of `image`, in the order of [`ImportKind`], each once.
    pub fn of(image: &Image) -> Imports {
        let mut kinds: Vec<ImportKind> = Vec::new();
        for f in &image.functions {
            if let FuncKind::Import(kind) = f.kind {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
        }
        let mut names: Vec<&'static str> = kinds.into_iter().map(ImportKind::name).collect();
        let order = ["send", "recv", "try_recv", "grant"];
        names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(order.len()));
        Imports(names)
    }

    /// Whether `castle.NAME` is imported.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    fn send(&self) -> bool {
        self.has(ImportKind::Send.name())
    }

    fn grant(&self) -> bool {
        self.has(ImportKind::Grant.name())
    }
}

/// One capability of a manifest c-list: an edge of the capability graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The holding enclave.
    pub from: String,
    /// Its c-list slot.
    pub slot: usize,
    /// The target enclave or device.
    pub to: String,
    /// Whether the target is a device.
    pub device: bool,
    /// The capability's rights.
    pub rights: Rights,
    /// The capability's badge.
    pub badge: u16,
}

/// A capability an enclave can hold: from its manifest c-list, or obtainable by grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    /// The target enclave or device.
    pub to: String,
    /// Whether the target is a device.
    pub device: bool,
    /// The most rights it can have.
    pub rights: Rights,
    /// Its badge.
    pub badge: u16,
    /// The c-list slot, for a capability of the manifest.
    pub slot: Option<usize>,
    /// For a capability obtained by grant: an enclave that can give it.
    pub from: Option<String>,
}

/// A capability that can reach an enclave by grant (one entry per holder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    /// The enclave that can obtain it.
    pub holder: String,
    /// Its target.
    pub to: String,
    /// Whether the target is a device.
    pub device: bool,
    /// The most rights it can have.
    pub rights: Rights,
    /// Its badge.
    pub badge: u16,
    /// An enclave that can give it.
    pub from: String,
}

/// A device an enclave can send to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// The device.
    pub device: String,
    /// Through a capability of its manifest c-list (otherwise only after a grant).
    pub direct: bool,
}

/// What the audit found out about one enclave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnclaveAudit {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: usize,
    /// Its mesh column.
    pub x: u8,
    /// Its mesh row.
    pub y: u8,
    /// Its module's capability imports.
    pub imports: Imports,
    /// Everything it can ever hold: its c-list, then what it can obtain by grant.
    pub can_hold: Vec<Held>,
    /// The devices it can send to, directly or after grants.
    pub devices: Vec<Reach>,
}

/// A device of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceAudit {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: &'static str,
    /// Its node.
    pub node: usize,
    /// Its mesh column.
    pub x: u8,
    /// Its mesh row.
    pub y: u8,
}

/// The kinds of least-privilege findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The module imports neither `send` nor `grant`: none of its capabilities can be used.
    CapsNeverUsed,
    /// This capability can never be used (no usable right, and it cannot be passed on).
    Unusable,
    /// This capability's grant right can never be used.
    GrantRightUnused,
    /// The enclave holds, or can obtain, the grant right.
    HoldsGrant,
    /// No other enclave can ever hold a capability to this enclave or device.
    Unreachable,
}

/// One least-privilege finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of finding.
    pub kind: FindingKind,
    /// The enclave it is about (the unreachable enclave or device, for `unreachable`).
    pub enclave: String,
    /// The c-list slot it is about, if one.
    pub slot: Option<usize>,
    /// The finding in words.
    pub message: String,
}

/// The audit of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// The manifest file.
    pub manifest: String,
    /// SHA-256 of the manifest, in hex.
    pub sha256: String,
    /// Columns and rows.
    pub mesh: [usize; 2],
    /// Memory profile.
    pub profile: String,
    /// Every enclave, in node order.
    pub enclaves: Vec<EnclaveAudit>,
    /// Every device, in node order.
    pub devices: Vec<DeviceAudit>,
    /// The capability graph: one edge per capability of the manifest.
    pub edges: Vec<Edge>,
    /// Capabilities that can spread by grant, and to whom.
    pub spread: Vec<Spread>,
    /// Least-privilege findings.
    pub findings: Vec<Finding>,
    /// Enclaves and devices that no other enclave can ever reach.
    pub unreachable: Vec<String>,
}

/// Why an audit or its outputs could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The manifest, a module or an image is bad.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Graphviz is not installed.
    #[error(transparent)]
    MissingTool(#[from] MissingTool),
    /// An output could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `dot` failed.
    #[error("dot -Tsvg failed ({status}): {stderr}")]
    Dot {
        /// Its exit status.
        status: String,
        /// What it printed.
        stderr: String,
    },
}

/// Where a capability of the fixed point comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Slot(usize),
    Granted { from: usize },
}

#[derive(Debug, Clone, Copy)]
struct Cap {
    target: usize,
    rights: Rights,
    badge: u16,
    origin: Origin,
}

/// Adds `cap` to `held` unless a capability there already covers it; drops the granted ones
/// it covers. Returns whether `held` changed.
fn insert(held: &mut Vec<Cap>, cap: Cap) -> bool {
    let same = |c: &Cap| c.target == cap.target && c.badge == cap.badge;
    if held.iter().any(|c| same(c) && c.rights.covers(cap.rights)) {
        return false;
    }
    held.retain(|c| {
        !(same(c) && matches!(c.origin, Origin::Granted { .. }) && cap.rights.covers(c.rights))
    });
    held.push(cap);
    true
}

/// What every enclave can ever hold (index: enclave), starting from the manifest's c-lists.
fn fixed_point(m: &Manifest, imports: &[Imports]) -> Vec<Vec<Cap>> {
    let enclaves = m.enclaves.len();
    let mut held: Vec<Vec<Cap>> = m
        .enclaves
        .iter()
        .map(|e| {
            e.caps
                .iter()
                .enumerate()
                .map(|(slot, c)| Cap {
                    target: c.node,
                    rights: Rights {
                        send: c.send,
                        grant: c.grant,
                    },
                    badge: c.badge,
                    origin: Origin::Slot(slot),
                })
                .collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for e in 0..enclaves {
            if !imports.get(e).is_some_and(Imports::grant) {
                continue;
            }
            let mut channels: Vec<usize> = held[e]
                .iter()
                .filter(|c| c.rights.grant && c.target < enclaves && c.target != e)
                .map(|c| c.target)
                .collect();
            channels.sort_unstable();
            channels.dedup();
            let gifts: Vec<Cap> = held[e]
                .iter()
                .filter(|c| !c.rights.is_empty())
                .copied()
                .collect();
            for t in channels {
                for g in &gifts {
                    let cap = Cap {
                        origin: Origin::Granted { from: e },
                        ..*g
                    };
                    changed |= insert(&mut held[t], cap);
                }
            }
        }
        if !changed {
            return held;
        }
    }
}

/// Audits `m`, whose enclaves run `images` (in enclave order; a missing image counts as a
/// module without imports).
pub fn audit(m: &Manifest, images: &[Image]) -> Audit {
    let imports: Vec<Imports> = (0..m.enclaves.len())
        .map(|i| images.get(i).map(Imports::of).unwrap_or_default())
        .collect();
    let held = fixed_point(m, &imports);
    let name = |node: usize| m.name_of(node).to_string();
    let enclaves_n = m.enclaves.len();

    let edges = m
        .enclaves
        .iter()
        .flat_map(|e| {
            e.caps.iter().enumerate().map(|(slot, c)| Edge {
                from: e.name.clone(),
                slot,
                to: c.to.clone(),
                device: m.is_device(c.node),
                rights: Rights {
                    send: c.send,
                    grant: c.grant,
                },
                badge: c.badge,
            })
        })
        .chain(m.devices.iter().flat_map(|d| {
            // The UART gateway's: the host sends through them.
            d.caps.iter().enumerate().map(|(slot, c)| Edge {
                from: d.name.clone(),
                slot,
                to: c.to.clone(),
                device: m.is_device(c.node),
                rights: Rights {
                    send: c.send,
                    grant: c.grant,
                },
                badge: c.badge,
            })
        }))
        .collect();

    let mut spread = Vec::new();
    let mut enclaves = Vec::new();
    for (i, e) in m.enclaves.iter().enumerate() {
        let mut caps = held[i].clone();
        caps.sort_by_key(|c| match c.origin {
            Origin::Slot(s) => (0, s, 0, 0),
            Origin::Granted { .. } => (1, c.target, usize::from(c.badge), 0),
        });
        let can_hold: Vec<Held> = caps
            .iter()
            .map(|c| Held {
                to: name(c.target),
                device: m.is_device(c.target),
                rights: c.rights,
                badge: c.badge,
                slot: match c.origin {
                    Origin::Slot(s) => Some(s),
                    Origin::Granted { .. } => None,
                },
                from: match c.origin {
                    Origin::Slot(_) => None,
                    Origin::Granted { from } => Some(name(from)),
                },
            })
            .collect();
        for h in &can_hold {
            if let Some(from) = &h.from {
                spread.push(Spread {
                    holder: e.name.clone(),
                    to: h.to.clone(),
                    device: h.device,
                    rights: h.rights,
                    badge: h.badge,
                    from: from.clone(),
                });
            }
        }
        let mut devices: Vec<Reach> = Vec::new();
        for d in m.enclaves.len()..m.nodes() {
            let to_d: Vec<&Cap> = caps
                .iter()
                .filter(|c| c.target == d && c.rights.send)
                .collect();
            if !to_d.is_empty() {
                devices.push(Reach {
                    device: name(d),
                    direct: to_d.iter().any(|c| matches!(c.origin, Origin::Slot(_))),
                });
            }
        }
        let (x, y) = m.coords(i);
        enclaves.push(EnclaveAudit {
            name: e.name.clone(),
            node: i,
            x,
            y,
            imports: imports[i].clone(),
            can_hold,
            devices,
        });
    }

    let mut findings = Vec::new();
    for (i, (imports, held)) in imports.iter().zip(&held).enumerate() {
        findings.extend(least_privilege(m, i, imports, held));
    }
    let unreachable: Vec<String> = (0..m.nodes())
        .filter(|&n| {
            let by_enclave = (0..enclaves_n).any(|e| {
                e != n
                    && held[e]
                        .iter()
                        .any(|c| c.target == n && !c.rights.is_empty())
            });
            let by_host = m
                .devices
                .iter()
                .any(|d| d.caps.iter().any(|c| c.node == n && c.send));
            !by_enclave && !by_host
        })
        .map(name)
        .collect();
    for u in &unreachable {
        let what = if m.enclave(u).is_some() {
            "enclave"
        } else {
            "device"
        };
        findings.push(Finding {
            kind: FindingKind::Unreachable,
            enclave: u.clone(),
            slot: None,
            message: format!(
                "{what} `{u}` is reachable by nobody: no other enclave (nor the host) can ever hold a capability to it"
            ),
        });
    }

    let devices = m
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let node = enclaves_n + i;
            let (x, y) = m.coords(node);
            DeviceAudit {
                name: d.name.clone(),
                kind: d.kind.name(),
                node,
                x,
                y,
            }
        })
        .collect();

    Audit {
        manifest: m.file.display().to_string(),
        sha256: m.sha256.iter().map(|b| format!("{b:02x}")).collect(),
        mesh: [m.columns, m.rows],
        profile: m.profile.clone(),
        enclaves,
        devices,
        edges,
        spread,
        findings,
        unreachable,
    }
}

/// The least-privilege findings about enclave `e`, which imports `imports` and can hold `held`.
fn least_privilege(m: &Manifest, e: usize, imports: &Imports, held: &[Cap]) -> Vec<Finding> {
    let decl = &m.enclaves[e];
    let who = &decl.name;
    let enclaves = m.enclaves.len();
    let mut out = Vec::new();
    let finding = |kind, slot, message| Finding {
        kind,
        enclave: who.clone(),
        slot,
        message,
    };
    let describe = |slot: usize, c: &manifest::CapDecl| {
        let rights = Rights {
            send: c.send,
            grant: c.grant,
        };
        format!(
            "`{who}` slot {slot} (to `{}`, {}, badge {})",
            c.to,
            rights.label(),
            c.badge
        )
    };
    let (sends, grants) = (imports.send(), imports.grant());
    // It can pass any capability on if it imports grant and can hold a grant right to another
    // enclave.
    let can_pass = grants
        && held
            .iter()
            .any(|c| c.rights.grant && c.target < enclaves && c.target != e);

    if !sends && !grants {
        if !decl.caps.is_empty() {
            let slots: Vec<String> = (0..decl.caps.len()).map(|s| s.to_string()).collect();
            let what = match slots.len() {
                1 => "its capability (slot 0)".to_string(),
                n => format!("its {n} capabilities (slots {})", slots.join(", ")),
            };
            out.push(finding(
                FindingKind::CapsNeverUsed,
                None,
                format!(
                    "`{who}` imports neither castle.send nor castle.grant: {what} can never be used"
                ),
            ));
        }
    } else {
        for (slot, c) in decl.caps.iter().enumerate() {
            if !(can_pass || c.send && sends) {
                let mut why = Vec::new();
                if !c.send && !c.grant {
                    why.push("it has no rights".to_string());
                } else if !c.send {
                    why.push("it has no send right".to_string());
                } else {
                    why.push("the module does not import castle.send".to_string());
                }
                if !grants {
                    why.push("the module does not import castle.grant".to_string());
                } else {
                    why.push(
                        "the module can hold no grant right to another enclave to pass it on"
                            .to_string(),
                    );
                }
                out.push(finding(
                    FindingKind::Unusable,
                    Some(slot),
                    format!(
                        "{} can never be used: {}",
                        describe(slot, c),
                        why.join("; ")
                    ),
                ));
                continue;
            }
            if c.grant {
                let why = if !grants {
                    Some("the module does not import castle.grant".to_string())
                } else if m.is_device(c.node) {
                    Some(format!(
                        "`{}` is a device, which holds no capabilities",
                        c.to
                    ))
                } else if c.node == e {
                    Some("granting to itself gives it nothing".to_string())
                } else {
                    None
                };
                if let Some(why) = why {
                    out.push(finding(
                        FindingKind::GrantRightUnused,
                        Some(slot),
                        format!(
                            "{}: the grant right is never used: {why}",
                            describe(slot, c)
                        ),
                    ));
                }
            }
        }
    }

    let mut direct = Vec::new();
    let mut obtainable = Vec::new();
    for c in held.iter().filter(|c| c.rights.grant) {
        let to = m.name_of(c.target);
        match c.origin {
            Origin::Slot(s) => direct.push(format!("slot {s} to `{to}`")),
            Origin::Granted { from } => obtainable.push(format!(
                "to `{to}` (badge {}) from `{}`",
                c.badge,
                m.name_of(from)
            )),
        }
    }
    if !direct.is_empty() || !obtainable.is_empty() {
        let mut parts = Vec::new();
        if !direct.is_empty() {
            parts.push(format!("holds the grant right ({})", direct.join(", ")));
        }
        if !obtainable.is_empty() {
            parts.push(format!(
                "can obtain it by grant ({})",
                obtainable.join(", ")
            ));
        }
        let imports = if grants { "imports" } else { "does not import" };
        out.push(finding(
            FindingKind::HoldsGrant,
            None,
            format!("`{who}` {}; it {imports} castle.grant", parts.join(" and ")),
        ));
    }
    out
}

/// Builds every enclave's image for `profile` and audits `m`.
pub fn audit_manifest(m: &Manifest, profile: &Profile) -> Result<Audit, ManifestError> {
    let images = manifest::build_images(m, profile)?;
    Ok(audit(m, &images))
}

impl Audit {
    /// The report in words.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: {} x {} mesh, profile {}, {} enclaves, {} devices",
            self.manifest,
            self.mesh[0],
            self.mesh[1],
            self.profile,
            self.enclaves.len(),
            self.devices.len()
        );
        let _ = writeln!(s, "\nEnclaves (node (x, y): imports from castle):");
        for e in &self.enclaves {
            let imports = if e.imports.0.is_empty() {
                "none".to_string()
            } else {
                e.imports.0.join(", ")
            };
            let _ = writeln!(
                s,
                "  {} node {} ({}, {}): {imports}",
                e.name, e.node, e.x, e.y
            );
        }
        for d in &self.devices {
            let _ = writeln!(
                s,
                "  {} node {} ({}, {}): device {}",
                d.name, d.node, d.x, d.y, d.kind
            );
        }
        let _ = writeln!(s, "\nCapabilities (holder[slot] -> target: rights, badge):");
        if self.edges.is_empty() {
            let _ = writeln!(s, "  none");
        }
        for c in &self.edges {
            let _ = writeln!(
                s,
                "  {}[{}] -> {}: {}, badge {}",
                c.from,
                c.slot,
                c.to,
                c.rights.label(),
                c.badge
            );
        }
        let _ = writeln!(
            s,
            "\nSpread by grant (holder can obtain target: most rights, badge, a giver):"
        );
        if self.spread.is_empty() {
            let _ = writeln!(s, "  none: no capability can change hands");
        }
        for p in &self.spread {
            let _ = writeln!(
                s,
                "  {} can obtain {}: {}, badge {}, from {}",
                p.holder,
                p.to,
                p.rights.label(),
                p.badge,
                p.from
            );
        }
        let _ = writeln!(s, "\nDevices reachable:");
        for e in &self.enclaves {
            let list: Vec<String> = e
                .devices
                .iter()
                .map(|r| {
                    if r.direct {
                        r.device.clone()
                    } else {
                        format!("{} (after a grant)", r.device)
                    }
                })
                .collect();
            let list = if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            };
            let _ = writeln!(s, "  {}: {list}", e.name);
        }
        let _ = writeln!(s, "\nLeast privilege:");
        if self.findings.is_empty() {
            let _ = writeln!(s, "  nothing to report");
        }
        for f in &self.findings {
            let _ = writeln!(s, "  {}", f.message);
        }
        s
    }

    /// The capability graph in Graphviz dot: enclaves are boxes, devices ellipses; an edge per
    /// capability, labelled with its rights and badge; capabilities obtainable by grant dashed.
    pub fn dot(&self) -> String {
        let mut s = String::from("digraph castle {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for e in &self.enclaves {
            let _ = writeln!(s, "  \"{}\" [shape=box];", e.name);
        }
        for d in &self.devices {
            let _ = writeln!(
                s,
                "  \"{}\" [shape=ellipse, label=\"{}\\n{}\"];",
                d.name, d.name, d.kind
            );
        }
        for c in &self.edges {
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [label=\"{}: {}\\nbadge {}\"];",
                c.from,
                c.to,
                c.slot,
                c.rights.label(),
                c.badge
            );
        }
        for p in &self.spread {
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [style=dashed, label=\"{}\\nbadge {}\\n(from {})\"];",
                p.holder,
                p.to,
                p.rights.label(),
                p.badge,
                p.from
            );
        }
        s.push_str("}\n");
        s
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let fail = |source| AuditError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(folder_of(path)).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `dot` to `path`, atomically.
pub fn write_dot(dot: &str, path: &Path) -> Result<(), AuditError> {
    write_atomically(path, dot.as_bytes())
}

/// Renders `dot` to SVG at `path` with Graphviz `dot -Tsvg`, atomically (a temporary file in
/// the same folder, then a rename).
pub fn write_svg(dot: &str, path: &Path) -> Result<(), AuditError> {
    let mut cmd = Tool::Dot.command()?;
    let fail = |source| AuditError::Write {
        path: path.to_path_buf(),
        source,
    };
    let input = tempfile::NamedTempFile::new().map_err(fail)?;
    std::fs::write(input.path(), dot).map_err(fail)?;
    let tmp = tempfile::NamedTempFile::new_in(folder_of(path)).map_err(fail)?;
    let out = cmd
        .arg("-Tsvg")
        .arg(input.path())
        .arg("-o")
        .arg(tmp.path())
        .output()
        .map_err(fail)?;
    if !out.status.success() {
        return Err(AuditError::Dot {
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests;
