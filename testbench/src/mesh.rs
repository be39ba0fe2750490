//! Drivers for the 2x2 mesh: the same cycle interface over the Verilated export and over
//! rust-hdl's simulator, used by the equivalence test and `castle bench`.
use crate::rusthdl::RustHdlSim;
use crate::verilator::{BuildError, BuildOptions, Design, InPort, Model, ModelError, PortId};
use castle_noc::flit::flit;
use castle_noc::mesh::Mesh2x2;

/// Nodes of the mesh.
pub const NODES: usize = 4;

/// Inputs of one cycle at one node's local port.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeIn {
    pub in_valid: bool,
    pub in_flit: u32,
    pub out_ready: bool,
}

/// Outputs of one cycle: per node (in_ready, out_valid, out_flit), and `dropped`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshOut {
    pub nodes: [(bool, bool, u32); NODES],
    pub dropped: bool,
}

/// Verilog of the mesh and its Verilated design.
pub fn design(opts: &BuildOptions) -> Result<Design, BuildError> {
    Design::from_named_block("mesh2x2", opts)
}

/// The Verilated mesh.
pub struct VerilatedMesh {
    pub model: Model,
    ins: Vec<(InPort, InPort, InPort)>,
    outs: Vec<(PortId, PortId, PortId)>,
    dropped: PortId,
}

impl VerilatedMesh {
    pub fn new(design: &Design) -> Result<Self, ModelError> {
        let model = design.instantiate()?;
        let mut ins = vec![];
        let mut outs = vec![];
        for i in 0..NODES {
            ins.push((
                model.input(&format!("in_valid${i}"))?,
                model.input(&format!("in_flit${i}"))?,
                model.input(&format!("out_ready${i}"))?,
            ));
            outs.push((
                model.output(&format!("in_ready${i}"))?,
                model.output(&format!("out_valid${i}"))?,
                model.output(&format!("out_flit${i}"))?,
            ));
        }
        let dropped = model.output("dropped")?;
        Ok(VerilatedMesh {
            model,
            ins,
            outs,
            dropped,
        })
    }

    pub fn drive(&mut self, i: &[NodeIn; NODES]) {
        for (p, n) in self.ins.iter().zip(i) {
            self.model.set(p.0, n.in_valid as u64);
            self.model.set(p.1, n.in_flit as u64);
            self.model.set(p.2, n.out_ready as u64);
        }
        self.model.eval();
    }

    pub fn sample(&mut self) -> MeshOut {
        let mut o = MeshOut::default();
        for (k, p) in self.outs.iter().enumerate() {
            o.nodes[k] = (
                self.model.get(p.0) != 0,
                self.model.get(p.1) != 0,
                self.model.get(p.2) as u32,
            );
        }
        o.dropped = self.model.get(self.dropped) != 0;
        o
    }

    pub fn tick(&mut self) {
        self.model.tick();
    }
}

/// The mesh in rust-hdl's simulator.
pub struct HdlMesh(pub RustHdlSim<Mesh2x2>);

impl Default for HdlMesh {
    fn default() -> Self {
        HdlMesh(RustHdlSim::new(Mesh2x2::default(), |u| &mut u.clock))
    }
}

impl HdlMesh {
    pub fn drive(&mut self, i: &[NodeIn; NODES]) {
        let u = &mut self.0.uut;
        for (k, n) in i.iter().enumerate() {
            u.in_valid[k].next = n.in_valid;
            u.in_flit[k].next = flit(n.in_flit);
            u.out_ready[k].next = n.out_ready;
        }
        self.0.settle();
    }

    pub fn sample(&self) -> MeshOut {
        let u = &self.0.uut;
        let mut o = MeshOut::default();
        for k in 0..NODES {
            o.nodes[k] = (
                u.in_ready[k].val(),
                u.out_valid[k].val(),
                u.out_flit[k].val().to_u64() as u32,
            );
        }
        o.dropped = u.dropped.val();
        o
    }

    pub fn tick(&mut self) {
        self.0.tick();
    }
}
