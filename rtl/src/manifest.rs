//! The cluster manifest: which enclaves run which modules, where they sit on the mesh, and the
//! capabilities each one starts with (DESIGN.md, "Manifest").
//!
//! ```toml
//! [cluster]
//! mesh = [2, 2]            # columns x rows, each 1..4
//! profile = "sim"          # optional, default "sim"
//! core = "fast"            # optional, default "fast"; or "compact" (docs/compact.md)
//!
//! [[enclave]]
//! name = "ping"
//! wasm = "ping.wat"        # .wat, .wasm or .c, relative to the manifest's folder
//! entry = "main"           # optional, default "main": the export run at start (no params)
//! supervisor = "root"      # optional; must name another enclave
//! caps = [ { to = "pong", rights = ["send"], badge = 1 },     # slot 0
//!          { to = "console", rights = ["send"], badge = 1 } ] # slot 1
//!
//! [[device]]
//! name = "console"
//! kind = "console"         # console | led | uart
//!
//! [[device]]
//! name = "host"
//! kind = "uart"            # the host gateway: at most one, the only device with caps
//! caps = [ { to = "ping", rights = ["send"], badge = 100 } ]
//! ```
//!
//! Rights are a subset of `["send", "grant"]` (default `["send"]`); a badge is 0..65535 and
//! defaults to the holder's index + 1; an enclave has at most [`MAX_CAPS`] capabilities, in
//! c-list slot order. Names match `[A-Za-z_][A-Za-z0-9_-]*` and are unique across enclaves and
//! devices. Enclaves take nodes 0.. in file order, then devices; node `i` sits at
//! `(i % columns, i / columns)`.
//!
//! Every error names the file, the line and the field ([`ManifestError`]); no input panics.
use castle_enclave::image::{self, BuildOptions, FuncKind, Image, Profile};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use toml::Spanned;

/// Most capabilities (c-list slots) an enclave can hold.
pub const MAX_CAPS: usize = 16;
/// Largest number of columns or rows of the mesh.
pub const MAX_MESH: usize = 4;
/// Largest badge.
pub const MAX_BADGE: i64 = u16::MAX as i64;
/// Profiles a manifest may name.
pub const PROFILES: &[&str] = &["sim"];
/// Device kinds a manifest may name.
pub const DEVICE_KINDS: &[&str] = &["console", "led", "uart"];
/// Device kinds that are planned but not built yet.
const PLANNED_DEVICE_KINDS: &[&str] = &["button", "timer"];

/// A cluster manifest, checked: every name resolves and everything fits the mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest file (as given; used in messages).
    pub file: PathBuf,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// Mesh columns (1..=4).
    pub columns: usize,
    /// Mesh rows (1..=4).
    pub rows: usize,
    /// Memory profile of the enclaves (one of [`PROFILES`]).
    pub profile: String,
    /// The enclaves' core.
    pub core: crate::cluster::CoreKind,
    /// Enclaves in file order: nodes `0..enclaves.len()`.
    pub enclaves: Vec<EnclaveDecl>,
    /// Devices in file order: the nodes after the enclaves.
    pub devices: Vec<DeviceDecl>,
}

/// One `[[enclave]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnclaveDecl {
    /// Unique name.
    pub name: String,
    /// The module (`.wat`, `.wasm` or `.c`), resolved against the manifest's folder.
    pub source: PathBuf,
    /// The export run at start (no parameters).
    pub entry: String,
    /// The enclave that supervises this one, if any.
    pub supervisor: Option<String>,
    /// Initial c-list: slot `i` holds `caps[i]`.
    pub caps: Vec<CapDecl>,
    /// Line of the `[[enclave]]` header.
    pub line: usize,
    /// Line of `wasm = ...`.
    pub source_line: usize,
}

/// One capability of an enclave's initial c-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapDecl {
    /// Name of the target enclave or device.
    pub to: String,
    /// The target's node.
    pub node: usize,
    /// The right to send data through it.
    pub send: bool,
    /// The right to grant capabilities through it.
    pub grant: bool,
    /// Stamped on every message sent through it.
    pub badge: u16,
    /// Line of the capability.
    pub line: usize,
}

/// One `[[device]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDecl {
    /// Unique name.
    pub name: String,
    /// What it is.
    pub kind: DeviceKind,
    /// Its c-list (a `uart` gateway's; other kinds hold none).
    pub caps: Vec<CapDecl>,
    /// Line of the `[[device]]` header.
    pub line: usize,
}

/// The devices a cluster can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// Prints what it receives.
    Console,
    /// LEDs: bits `[7:0]` of a message's first word, 1 = lit (on a board, its LED pins).
    Led,
    /// The host gateway: a console whose lines go to the host over the board's UART, and
    /// which sends the host's messages into the cluster through its own capabilities
    /// (docs/uart.md).
    Uart,
}

impl DeviceKind {
    /// The kind as written in a manifest.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Console => "console",
            DeviceKind::Led => "led",
            DeviceKind::Uart => "uart",
        }
    }
}

/// A manifest that cannot be used. Displays as `FILE:LINE: FIELD: MESSAGE` (line and field
/// omitted when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The key at fault (`mesh`, `caps[2].badge`, ...), when known.
    pub field: Option<String>,
    /// What is wrong, naming the enclave or device.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let bytes = std::fs::read(path).map_err(|e| ManifestError {
            file: path.to_path_buf(),
            line: None,
            field: None,
            message: format!("cannot read the manifest: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            ManifestError {
                file: path.to_path_buf(),
                line: Some(line),
                field: None,
                message: "the manifest is not UTF-8 text".into(),
            }
        })?;
        Manifest::parse(&text, path)
    }

    /// Parses and checks manifest `text`; `file` names it in messages, and relative module
    /// paths are resolved against its folder (whose files must exist).
    pub fn parse(text: &str, file: &Path) -> Result<Manifest, ManifestError> {
        Parser { text, file }.manifest()
    }

    /// Number of nodes used: enclaves + devices.
    pub fn nodes(&self) -> usize {
        self.enclaves.len() + self.devices.len()
    }

    /// The node of the enclave or device called `name`.
    pub fn node_of(&self, name: &str) -> Option<usize> {
        self.enclaves
            .iter()
            .map(|e| e.name.as_str())
            .chain(self.devices.iter().map(|d| d.name.as_str()))
            .position(|n| n == name)
    }

    /// The name of the enclave or device at `node` (`""` for an unused node).
    pub fn name_of(&self, node: usize) -> &str {
        match node.checked_sub(self.enclaves.len()) {
            None => &self.enclaves[node].name,
            Some(d) => self.devices.get(d).map_or("", |d| d.name.as_str()),
        }
    }

    /// Mesh coordinates `(x, y)` of `node`.
    pub fn coords(&self, node: usize) -> (u8, u8) {
        let columns = self.columns.max(1);
        ((node % columns) as u8, (node / columns) as u8)
    }

    /// The enclave called `name`.
    pub fn enclave(&self, name: &str) -> Option<&EnclaveDecl> {
        self.enclaves.iter().find(|e| e.name == name)
    }

    /// Whether `node` is a device.
    pub fn is_device(&self, node: usize) -> bool {
        node >= self.enclaves.len() && node < self.nodes()
    }

    fn error_at(&self, line: usize, field: &str, message: String) -> ManifestError {
        ManifestError {
            file: self.file.clone(),
            line: Some(line),
            field: Some(field.into()),
            message,
        }
    }
}

// The file as serde reads it: every key kept with its span, for messages.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    cluster: Spanned<RawCluster>,
    #[serde(default)]
    enclave: Vec<Spanned<RawEnclave>>,
    #[serde(default)]
    device: Vec<Spanned<RawDevice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    mesh: Spanned<Vec<Spanned<i64>>>,
    profile: Option<Spanned<String>>,
    core: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnclave {
    name: Spanned<String>,
    wasm: Spanned<String>,
    entry: Option<Spanned<String>>,
    supervisor: Option<Spanned<String>>,
    caps: Option<Spanned<Vec<Spanned<RawCap>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCap {
    to: Spanned<String>,
    rights: Option<Spanned<Vec<Spanned<String>>>>,
    badge: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    name: Spanned<String>,
    kind: Spanned<String>,
    caps: Option<Spanned<Vec<Spanned<RawCap>>>>,
}

/// Checks one manifest text.
struct Parser<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Parser<'_> {
    /// 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn err<T>(&self, span: &Spanned<T>, field: &str, message: String) -> ManifestError {
        ManifestError {
            file: self.file.to_path_buf(),
            line: Some(self.line(span.span().start)),
            field: Some(field.into()),
            message,
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ManifestError {
        let message = e.message().trim().replace('\n', "; ");
        let quoted = ["unknown field `", "missing field `", "duplicate key `"]
            .iter()
            .find_map(|p| message.strip_prefix(p))
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        let field = quoted.or_else(|| e.span().and_then(|s| self.key_before(s.start)));
        ManifestError {
            file: self.file.to_path_buf(),
            line: e.span().map(|s| self.line(s.start)),
            field,
            message,
        }
    }

    /// The key of the last `key =` on the line before `offset` (for type errors, whose message
    /// names no key; a guess, as a string may hold `=`).
    fn key_before(&self, offset: usize) -> Option<String> {
        let before = self.text.get(..offset)?;
        let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let lhs = line[..line.rfind('=')?].trim_end();
        let key: String = lhs
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect::<Vec<char>>()
            .into_iter()
            .rev()
            .collect();
        (!key.is_empty()).then_some(key)
    }

    fn manifest(&self) -> Result<Manifest, ManifestError> {
        let raw: RawManifest = toml::from_str(self.text).map_err(|e| self.toml_error(&e))?;
        let cluster = raw.cluster.get_ref();

        let mesh = &cluster.mesh;
        let dims = mesh.get_ref();
        if dims.len() != 2 {
            return Err(self.err(
                mesh,
                "mesh",
                format!(
                    "expected [columns, rows], found {} numbers",
                    mesh.get_ref().len()
                ),
            ));
        }
        let mut size = [0usize; 2];
        for (i, (d, what)) in dims.iter().zip(["columns", "rows"]).enumerate() {
            let v = *d.get_ref();
            if !(1..=MAX_MESH as i64).contains(&v) {
                return Err(self.err(
                    d,
                    "mesh",
                    format!("{what} must be 1..{MAX_MESH}, found {v}"),
                ));
            }
            size[i] = v as usize;
        }
        let [columns, rows] = size;

        let profile = match &cluster.profile {
            None => PROFILES[0].to_string(),
            Some(p) if PROFILES.contains(&p.get_ref().as_str()) => p.get_ref().clone(),
            Some(p) => {
                return Err(self.err(
                    p,
                    "profile",
                    format!(
                        "unknown profile `{}`; known: {}",
                        p.get_ref(),
                        PROFILES.join(", ")
                    ),
                ))
            }
        };

        let core = match &cluster.core {
            None => crate::cluster::CoreKind::default(),
            Some(c) => crate::cluster::CoreKind::by_name(c.get_ref()).ok_or_else(|| {
                self.err(
                    c,
                    "core",
                    format!(
                        "unknown core `{}`; known: {}",
                        c.get_ref(),
                        crate::cluster::CoreKind::NAMES.join(", ")
                    ),
                )
            })?,
        };

        // Names: well formed and unique across enclaves and devices.
        let names: Vec<(&Spanned<String>, usize)> = raw
            .enclave
            .iter()
            .map(|e| (&e.get_ref().name, e.span().start))
            .chain(
                raw.device
                    .iter()
                    .map(|d| (&d.get_ref().name, d.span().start)),
            )
            .collect();
        for (i, (name, _)) in names.iter().enumerate() {
            if !valid_name(name.get_ref()) {
                return Err(self.err(
                    name,
                    "name",
                    format!(
                        "bad name `{}`: a name is a letter or `_`, then letters, digits, `_` or `-`",
                        name.get_ref()
                    ),
                ));
            }
            if let Some((first, _)) = names[..i]
                .iter()
                .find(|(n, _)| n.get_ref() == name.get_ref())
            {
                return Err(self.err(
                    name,
                    "name",
                    format!(
                        "duplicate name `{}` (first declared at line {})",
                        name.get_ref(),
                        self.line(first.span().start)
                    ),
                ));
            }
        }
        if raw.enclave.is_empty() {
            return Err(self.err(
                &raw.cluster,
                "enclave",
                "the cluster has no [[enclave]]".into(),
            ));
        }
        if names.len() > columns * rows {
            let (first_out, _) = names[columns * rows];
            return Err(self.err(
                mesh,
                "mesh",
                format!(
                    "{} enclaves and devices do not fit a {columns} x {rows} mesh ({} nodes): `{}` would be node {}",
                    names.len(),
                    columns * rows,
                    first_out.get_ref(),
                    columns * rows
                ),
            ));
        }
        let node_of = |name: &str| names.iter().position(|(n, _)| n.get_ref() == name);

        let mut devices = Vec::new();
        for d in &raw.device {
            let dev = d.get_ref();
            let kind = match dev.kind.get_ref().as_str() {
                "console" => DeviceKind::Console,
                "led" => DeviceKind::Led,
                "uart" => DeviceKind::Uart,
                k if PLANNED_DEVICE_KINDS.contains(&k) => {
                    return Err(self.err(
                        &dev.kind,
                        "kind",
                        format!(
                            "device `{}`: kind `{k}` is not supported yet; supported: {}",
                            dev.name.get_ref(),
                            DEVICE_KINDS.join(", ")
                        ),
                    ))
                }
                k => {
                    return Err(self.err(
                        &dev.kind,
                        "kind",
                        format!(
                            "device `{}`: unknown kind `{k}`; supported: {}",
                            dev.name.get_ref(),
                            DEVICE_KINDS.join(", ")
                        ),
                    ))
                }
            };
            let mut caps = Vec::new();
            if let Some(list) = &dev.caps {
                let name = dev.name.get_ref();
                if kind != DeviceKind::Uart {
                    return Err(self.err(
                        list,
                        "caps",
                        format!(
                            "device `{name}`: a `{}` device holds no capabilities; only a `uart` gateway does",
                            kind.name()
                        ),
                    ));
                }
                if list.get_ref().len() > MAX_CAPS {
                    return Err(self.err(
                        &list.get_ref()[MAX_CAPS],
                        "caps",
                        format!(
                            "device `{name}` has {} capabilities; at most {MAX_CAPS}",
                            list.get_ref().len()
                        ),
                    ));
                }
                let index = raw.enclave.len() + devices.len();
                for (slot, c) in list.get_ref().iter().enumerate() {
                    let cap = self.cap("device", name, index, slot, c, &node_of)?;
                    if cap.grant {
                        return Err(self.err(
                            c,
                            &format!("caps[{slot}].rights"),
                            format!("device `{name}`: a gateway sends data messages only; `grant` is not a right it can use"),
                        ));
                    }
                    caps.push(cap);
                }
            }
            if kind == DeviceKind::Uart && devices.iter().any(|d: &DeviceDecl| d.kind == kind) {
                return Err(self.err(
                    &dev.kind,
                    "kind",
                    format!(
                        "device `{}`: a cluster has one `uart` gateway (the board's one UART)",
                        dev.name.get_ref()
                    ),
                ));
            }
            devices.push(DeviceDecl {
                name: dev.name.get_ref().clone(),
                kind,
                caps,
                line: self.line(d.span().start),
            });
        }

        let folder = self.file.parent().unwrap_or(Path::new(""));
        let mut enclaves = Vec::new();
        for (index, e) in raw.enclave.iter().enumerate() {
            let enc = e.get_ref();
            let name = enc.name.get_ref();
            let source = folder.join(enc.wasm.get_ref());
            let ext = source.extension().and_then(|x| x.to_str()).unwrap_or("");
            if !["wat", "wasm", "c"].contains(&ext) {
                return Err(self.err(
                    &enc.wasm,
                    "wasm",
                    format!(
                        "enclave `{name}`: `{}` is not a .wat, .wasm or .c file",
                        enc.wasm.get_ref()
                    ),
                ));
            }
            let readable = std::fs::metadata(&source).and_then(|m| {
                if m.is_file() {
                    std::fs::File::open(&source).map(drop)
                } else {
                    Err(std::io::Error::other("not a file"))
                }
            });
            if let Err(why) = readable {
                return Err(self.err(
                    &enc.wasm,
                    "wasm",
                    format!("enclave `{name}`: cannot read {}: {why}", source.display()),
                ));
            }

            let entry = match &enc.entry {
                None => "main".to_string(),
                Some(en) => {
                    let ok = if ext == "c" {
                        valid_c_name(en.get_ref())
                    } else {
                        !en.get_ref().is_empty()
                    };
                    if !ok {
                        return Err(self.err(
                            en,
                            "entry",
                            format!(
                                "enclave `{name}`: bad entry `{}`{}",
                                en.get_ref(),
                                if ext == "c" {
                                    ": a C function name is a letter or `_`, then letters, digits or `_`"
                                } else {
                                    ""
                                }
                            ),
                        ));
                    }
                    en.get_ref().clone()
                }
            };

            if let Some(s) = &enc.supervisor {
                let sup = s.get_ref();
                let is_enclave = raw
                    .enclave
                    .iter()
                    .any(|o| o.get_ref().name.get_ref() == sup);
                let message = if sup == name {
                    Some(format!("enclave `{name}` cannot supervise itself"))
                } else if is_enclave {
                    None
                } else if node_of(sup).is_some() {
                    Some(format!(
                        "enclave `{name}`: supervisor `{sup}` is a device, not an enclave"
                    ))
                } else {
                    Some(format!("enclave `{name}`: unknown supervisor `{sup}`"))
                };
                if let Some(message) = message {
                    return Err(self.err(s, "supervisor", message));
                }
            }

            let mut caps = Vec::new();
            if let Some(list) = &enc.caps {
                if list.get_ref().len() > MAX_CAPS {
                    let extra = &list.get_ref()[MAX_CAPS];
                    return Err(self.err(
                        extra,
                        "caps",
                        format!(
                            "enclave `{name}` has {} capabilities; at most {MAX_CAPS} (c-list slots 0..{})",
                            list.get_ref().len(),
                            MAX_CAPS - 1
                        ),
                    ));
                }
                for (slot, c) in list.get_ref().iter().enumerate() {
                    caps.push(self.cap("enclave", name, index, slot, c, &node_of)?);
                }
            }

            enclaves.push(EnclaveDecl {
                name: name.clone(),
                source,
                entry,
                supervisor: enc.supervisor.as_ref().map(|s| s.get_ref().clone()),
                caps,
                line: self.line(e.span().start),
                source_line: self.line(enc.wasm.span().start),
            });
        }

        Ok(Manifest {
            file: self.file.to_path_buf(),
            sha256: Sha256::digest(self.text.as_bytes()).into(),
            columns,
            rows,
            profile,
            core,
            enclaves,
            devices,
        })
    }

    /// Checks capability `slot` of `holder` (`what` is "enclave" or "device", at node `index`).
    fn cap(
        &self,
        what: &str,
        holder: &str,
        index: usize,
        slot: usize,
        c: &Spanned<RawCap>,
        node_of: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<CapDecl, ManifestError> {
        let cap = c.get_ref();
        let to = cap.to.get_ref();
        let node = node_of(to).ok_or_else(|| {
            self.err(
                &cap.to,
                &format!("caps[{slot}].to"),
                format!("{what} `{holder}`: capability to unknown enclave or device `{to}`"),
            )
        })?;
        let (mut send, mut grant) = (false, false);
        match &cap.rights {
            None => send = true,
            Some(rights) => {
                for r in rights.get_ref() {
                    let field = format!("caps[{slot}].rights");
                    let flag = match r.get_ref().as_str() {
                        "send" => &mut send,
                        "grant" => &mut grant,
                        other => {
                            return Err(self.err(
                                r,
                                &field,
                                format!(
                                    "{what} `{holder}`: unknown right `{other}`; rights are send, grant"
                                ),
                            ))
                        }
                    };
                    if *flag {
                        return Err(self.err(
                            r,
                            &field,
                            format!("{what} `{holder}`: right `{}` listed twice", r.get_ref()),
                        ));
                    }
                    *flag = true;
                }
            }
        }
        let badge = match &cap.badge {
            None => u16::try_from(index + 1).unwrap_or(u16::MAX),
            Some(b) => u16::try_from(*b.get_ref()).map_err(|_| {
                self.err(
                    b,
                    &format!("caps[{slot}].badge"),
                    format!(
                        "{what} `{holder}`: badge {} out of range 0..{MAX_BADGE}",
                        b.get_ref()
                    ),
                )
            })?,
        };
        Ok(CapDecl {
            to: to.clone(),
            node,
            send,
            grant,
            badge,
            line: self.line(c.span().start),
        })
    }
}

/// `[A-Za-z_][A-Za-z0-9_-]*`
fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `[A-Za-z_][A-Za-z0-9_]*` (what `scripts/c2wasm.sh` exports).
fn valid_c_name(s: &str) -> bool {
    valid_name(s) && !s.contains('-')
}

/// The symbol clang gives a C `int main(void)` in Wasm (`main` itself becomes a wrapper taking
/// `argc, argv`): a C enclave's entry `main` is exported under this name and renamed back.
const C_MAIN: &str = "__main_void";

/// The name the entry is exported under from the compiled module.
fn c_export(e: &EnclaveDecl) -> &str {
    if e.entry == "main" {
        C_MAIN
    } else {
        &e.entry
    }
}

fn is_c(e: &EnclaveDecl) -> bool {
    e.source.extension().and_then(|x| x.to_str()) == Some("c")
}

/// The module's bytes: `.wat` and `.wasm` read as they are; `.c` compiled with
/// `scripts/c2wasm.sh`, exporting the entry (`int main(void)` as clang's `__main_void`), with
/// `apps/include` on the include path. Errors name the manifest file, the `wasm` line and the
/// enclave.
pub fn wasm_bytes(m: &Manifest, e: &EnclaveDecl) -> Result<Vec<u8>, ManifestError> {
    let fail = |message: String| m.error_at(e.source_line, "wasm", message);
    if !is_c(e) {
        return std::fs::read(&e.source).map_err(|why| {
            fail(format!(
                "enclave `{}`: cannot read {}: {why}",
                e.name,
                e.source.display()
            ))
        });
    }
    for tool in [crate::tools::Tool::Clang, crate::tools::Tool::WasmOpt] {
        tool.path()
            .map_err(|why| fail(format!("enclave `{}`: {why}", e.name)))?;
    }
    let root = crate::tools::project_root();
    let dir = tempfile::tempdir()
        .map_err(|why| fail(format!("enclave `{}`: no temporary folder: {why}", e.name)))?;
    let out = dir.path().join(format!("{}.wasm", e.name));
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts").join("c2wasm.sh"))
        .arg(&e.source)
        .arg(&out)
        .arg(c_export(e))
        .env(
            "C2WASM_CFLAGS",
            format!("-I{}", root.join("apps").join("include").display()),
        );
    if let Some(path) = crate::tools::search_path() {
        cmd.env("PATH", path);
    }
    let result = cmd
        .output()
        .map_err(|why| fail(format!("enclave `{}`: cannot run bash: {why}", e.name)))?;
    if !result.status.success() {
        return Err(fail(format!(
            "enclave `{}`: compiling {} failed:\n{}",
            e.name,
            e.source.display(),
            String::from_utf8_lossy(&result.stderr).trim_end()
        )));
    }
    std::fs::read(&out).map_err(|why| {
        fail(format!(
            "enclave `{}`: cannot read the compiled module: {why}",
            e.name
        ))
    })
}

/// The image of one enclave for `profile`: a builder error becomes an error at the `wasm` line
/// naming the enclave; a module without the `entry` export, or whose entry takes parameters or
/// returns more than one i32, is refused.
pub fn build_image(
    m: &Manifest,
    e: &EnclaveDecl,
    profile: &Profile,
) -> Result<Image, ManifestError> {
    let bytes = wasm_bytes(m, e)?;
    let mut image = image::build(&bytes, &BuildOptions::default(), profile).map_err(|why| {
        m.error_at(
            e.source_line,
            "wasm",
            format!("enclave `{}`: {}: {why}", e.name, e.source.display()),
        )
    })?;
    if is_c(e) && c_export(e) != e.entry {
        if let Some(f) = image.exports.remove(C_MAIN) {
            image.exports.insert(e.entry.clone(), f);
        }
    }
    let entry_error = |message: String| m.error_at(e.source_line, "entry", message);
    let Some(&func) = image.exports.get(&e.entry) else {
        let exports: Vec<&str> = image.exports.keys().map(String::as_str).collect();
        return Err(entry_error(format!(
            "enclave `{}`: {} has no export `{}` (exported functions: {})",
            e.name,
            e.source.display(),
            e.entry,
            if exports.is_empty() {
                "none".to_string()
            } else {
                exports.join(", ")
            }
        )));
    };
    let f = usize::try_from(func)
        .ok()
        .and_then(|i| image.functions.get(i))
        .ok_or_else(|| {
            entry_error(format!(
                "enclave `{}`: export `{}` is not a function",
                e.name, e.entry
            ))
        })?;
    if matches!(f.kind, FuncKind::Import(_)) || f.params != 0 || f.results > 1 || !f.i32_signature {
        return Err(entry_error(format!(
            "enclave `{}`: entry `{}` must take no parameters and return nothing or one i32 \
             (it takes {} and returns {})",
            e.name, e.entry, f.params, f.results
        )));
    }
    Ok(image)
}

/// Builds every enclave's image for `profile`, in enclave order (see [`build_image`]).
pub fn build_images(m: &Manifest, profile: &Profile) -> Result<Vec<Image>, ManifestError> {
    m.enclaves
        .iter()
        .map(|e| build_image(m, e, profile))
        .collect()
}

#[cfg(test)]
mod tests;
