//! The provenance statement of a build: an in-toto Statement v1 whose predicate is SLSA
//! Provenance v1 (<https://slsa.dev/provenance/v1>), written as `provenance.json`.
//!
//! - `subject`: the bitstream, by SHA-256.
//! - `predicate.buildDefinition.externalParameters`: what the user chose (board, manifest,
//!   seed, seeds) and the capability graph that was built in.
//! - `predicate.buildDefinition.resolvedDependencies`: every input by SHA-256 (the manifest,
//!   each enclave's source and Wasm, the exported Verilog, the constraints file) and the
//!   source commit of Castle itself.
//! - `predicate.runDetails.builder.version`: the exact tool versions.
//!
//! The statement has no timestamp and no absolute path (inputs are named relative to the
//! project's root), so two builds from the same inputs write the same statement, byte for
//! byte.
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The build type this statement follows: how to read `externalParameters`.
pub const BUILD_TYPE: &str = "https://castle.invalid/build/board/v1";
/// The builder's identity.
pub const BUILDER: &str = "castle build";

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One input of a build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// What it is, relative to the project's root (`apps/boards/ice40-hx8k.toml`,
    /// `castle.v`, `wasm:hello`).
    pub name: String,
    pub sha256: String,
}

impl Input {
    pub fn of(name: impl Into<String>, bytes: &[u8]) -> Input {
        Input {
            name: name.into(),
            sha256: sha256_hex(bytes),
        }
    }
}

/// One capability built into the cluster: `from` may send (and grant, with `grant`) to `to`,
/// stamped with `badge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub slot: usize,
    pub to: String,
    pub send: bool,
    pub grant: bool,
    pub badge: u16,
}

/// What a statement records.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub board: String,
    /// The manifest, relative to the project's root.
    pub manifest: String,
    pub seed: u64,
    pub seeds: u32,
    pub capabilities: Vec<Edge>,
    pub inputs: Vec<Input>,
    /// Castle's source commit (`git rev-parse HEAD`), `-dirty` when the tree has changes.
    pub commit: Option<String>,
    pub tools: Vec<String>,
    /// The bitstream's file name and SHA-256.
    pub bitstream: Input,
    /// For a build that swapped the boot ROM into an earlier one (`--images-only`): that
    /// build's bitstream digest.
    pub images_into: Option<String>,
}

/// The in-toto statement of `facts`.
pub fn statement(facts: &Facts) -> Value {
    let mut deps: Vec<Value> = facts
        .inputs
        .iter()
        .map(|i| json!({"name": i.name, "digest": {"sha256": i.sha256}}))
        .collect();
    if let Some(c) = &facts.commit {
        let (commit, dirty) = match c.strip_suffix("-dirty") {
            Some(c) => (c, true),
            None => (c.as_str(), false),
        };
        deps.push(json!({
            "name": "castle-source",
            "digest": {"gitCommit": commit},
            "annotations": {"dirty": dirty},
        }));
    }
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": facts.bitstream.name, "digest": {"sha256": facts.bitstream.sha256}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "board": facts.board,
                    "manifest": facts.manifest,
                    "seed": facts.seed,
                    "seeds": facts.seeds,
                    "capabilities": facts.capabilities,
                    "imagesInto": facts.images_into,
                },
                "resolvedDependencies": deps,
            },
            "runDetails": {
                "builder": {
                    "id": BUILDER,
                    "version": facts.tools.iter().enumerate()
                        .map(|(i, t)| (format!("tool{i}"), Value::String(t.clone())))
                        .collect::<serde_json::Map<_, _>>(),
                },
                "metadata": {},
            },
        },
    })
}

/// Why a statement could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("provenance statement: {0}")]
pub struct ReadError(pub String);

/// The facts `castle verify` needs from a statement: board, manifest, seed, seeds, the
/// inputs and the bitstream.
pub fn read(statement: &Value) -> Result<Facts, ReadError> {
    let err = |what: &str| ReadError(format!("no {what}"));
    let p = &statement["predicate"]["buildDefinition"];
    let ext = &p["externalParameters"];
    let s = |v: &Value, what: &str| v.as_str().map(str::to_string).ok_or_else(|| err(what));
    if statement["_type"] != "https://in-toto.io/Statement/v1"
        || statement["predicateType"] != "https://slsa.dev/provenance/v1"
        || p["buildType"] != BUILD_TYPE
    {
        return Err(ReadError(
            "not a Castle build's in-toto statement (SLSA provenance v1)".into(),
        ));
    }
    let mut inputs = Vec::new();
    let mut commit = None;
    for d in p["resolvedDependencies"]
        .as_array()
        .ok_or_else(|| err("resolvedDependencies"))?
    {
        let name = s(&d["name"], "dependency name")?;
        if let Some(c) = d["digest"]["gitCommit"].as_str() {
            let dirty = d["annotations"]["dirty"].as_bool().unwrap_or(false);
            commit = Some(format!("{c}{}", if dirty { "-dirty" } else { "" }));
        } else {
            inputs.push(Input {
                name,
                sha256: s(&d["digest"]["sha256"], "dependency digest")?,
            });
        }
    }
    let subject = &statement["subject"][0];
    Ok(Facts {
        board: s(&ext["board"], "board")?,
        manifest: s(&ext["manifest"], "manifest")?,
        seed: ext["seed"].as_u64().ok_or_else(|| err("seed"))?,
        seeds: ext["seeds"].as_u64().ok_or_else(|| err("seeds"))? as u32,
        capabilities: serde_json::from_value(ext["capabilities"].clone())
            .map_err(|e| ReadError(format!("capabilities: {e}")))?,
        inputs,
        commit,
        tools: statement["predicate"]["runDetails"]["builder"]["version"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        bitstream: Input {
            name: s(&subject["name"], "subject name")?,
            sha256: s(&subject["digest"]["sha256"], "subject digest")?,
        },
        images_into: ext["imagesInto"].as_str().map(str::to_string),
    })
}

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// DSSE's pre-authentication encoding: what is signed.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    m.extend_from_slice(payload);
    m
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0}: not an ed25519 key in PEM (make one with `openssl genpkey -algorithm ed25519 -out KEY.pem`): {1}")]
    Key(String, String),
    #[error("the signature envelope is malformed: {0}")]
    Envelope(String),
    #[error("the signature does not verify with key {keyid}: the statement was changed or signed by another key")]
    Bad { keyid: String },
}

/// The key id Castle gives a public key: the SHA-256 of its 32 bytes.
pub fn key_id(key: &ed25519_dalek::VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

/// Signs `statement` (the bytes of `provenance.json`) with the PKCS#8 PEM ed25519 key `pem`
/// (`name` is for messages): a DSSE envelope, and the public key as PEM.
pub fn sign(statement: &[u8], pem: &str, name: &str) -> Result<(Value, String), SignError> {
    use base64::Engine as _;
    use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePublicKey};
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| SignError::Key(name.to_string(), e.to_string()))?;
    let public = key.verifying_key();
    let sig = key.sign(&pae(PAYLOAD_TYPE, statement));
    let b64 = base64::engine::general_purpose::STANDARD;
    let envelope = json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": b64.encode(statement),
        "signatures": [{"keyid": key_id(&public), "sig": b64.encode(sig.to_bytes())}],
    });
    let pub_pem = public
        .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| SignError::Key(name.to_string(), e.to_string()))?;
    Ok((envelope, pub_pem))
}

/// Checks a DSSE envelope against the PEM public key `public`: its payload (the statement's
/// bytes) and the key id when the signature verifies.
pub fn check(envelope: &Value, public: &str, name: &str) -> Result<(Vec<u8>, String), SignError> {
    use base64::Engine as _;
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let key = ed25519_dalek::VerifyingKey::from_public_key_pem(public)
        .map_err(|e| SignError::Key(name.to_string(), e.to_string()))?;
    let bad = |what: &str| SignError::Envelope(what.to_string());
    let b64 = base64::engine::general_purpose::STANDARD;
    if envelope["payloadType"] != PAYLOAD_TYPE {
        return Err(bad("payloadType is not an in-toto statement"));
    }
    let payload = envelope["payload"]
        .as_str()
        .and_then(|p| b64.decode(p).ok())
        .ok_or_else(|| bad("no base64 payload"))?;
    let keyid = key_id(&key);
    let sigs = envelope["signatures"]
        .as_array()
        .ok_or_else(|| bad("no signatures"))?;
    for s in sigs {
        let Some(bytes) = s["sig"].as_str().and_then(|b| b64.decode(b).ok()) else {
            continue;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else {
            continue;
        };
        if key
            .verify_strict(&pae(PAYLOAD_TYPE, &payload), &sig)
            .is_ok()
        {
            return Ok((payload, keyid));
        }
    }
    Err(SignError::Bad { keyid })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl genpkey -algorithm ed25519` (a test key, nothing else).
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB0euR+CA4z2Pqh4feJq+E5byq8ptEquH84KeevoO8lL\n-----END PRIVATE KEY-----\n";

    #[test]
    fn a_signed_statement_checks_and_a_changed_one_does_not() {
        let st = statement(&facts()).to_string();
        let (env, public) = sign(st.as_bytes(), KEY, "test.pem").unwrap();
        let (payload, keyid) = check(&env, &public, "test.pub").unwrap();
        assert_eq!(payload, st.as_bytes());
        assert_eq!(keyid.len(), 64);
        let mut forged = env.clone();
        let other = statement(&Facts { seed: 2, ..facts() }).to_string();
        use base64::Engine as _;
        forged["payload"] = base64::engine::general_purpose::STANDARD
            .encode(other)
            .into();
        assert!(matches!(
            check(&forged, &public, "test.pub"),
            Err(SignError::Bad { .. })
        ));
        assert!(matches!(
            sign(b"x", "not a key", "k.pem"),
            Err(SignError::Key(..))
        ));
    }

    fn facts() -> Facts {
        Facts {
            board: "ice40-hx8k".into(),
            manifest: "apps/boards/ice40-hx8k.toml".into(),
            seed: 1,
            seeds: 1,
            capabilities: vec![Edge {
                from: "hello".into(),
                slot: 0,
                to: "console".into(),
                send: true,
                grant: false,
                badge: 1,
            }],
            inputs: vec![Input::of("castle.v", b"module top; endmodule")],
            commit: Some("5212d3b6c76ac4b86226c3c0e0f98cbe6c2f19b5-dirty".into()),
            tools: vec!["yosys 0.23".into(), "nextpnr-ice40 0.4-1+b1".into()],
            bitstream: Input::of("castle.bin", b"\xff\x00"),
            images_into: None,
        }
    }

    #[test]
    fn statement_reads_back_and_is_an_in_toto_slsa_statement() {
        let f = facts();
        let st = statement(&f);
        assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(st["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(
            st["subject"][0]["digest"]["sha256"],
            sha256_hex(b"\xff\x00").as_str()
        );
        assert_eq!(read(&st).unwrap(), f);
        // The same facts give the same bytes.
        assert_eq!(st.to_string(), statement(&facts()).to_string());
        let mut bad = st.clone();
        bad["predicate"]["buildDefinition"]["buildType"] = "x".into();
        assert!(read(&bad).is_err());
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
