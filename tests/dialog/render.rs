//! Drawings of the shipped flows.

use super::{load_flow, SHIPPED};
use softcall::dialog::render::{dot, mermaid, svg};

#[test]
fn mermaid_and_dot_name_every_node_and_edge() {
    for (path, _) in SHIPPED {
        let flow = load_flow(path);
        let m = mermaid(&flow);
        let d = dot(&flow);
        assert!(m.starts_with(&format!("%% {}\nflowchart TD", flow.flow)));
        assert!(d.starts_with(&format!("digraph \"{}\"", flow.flow)));
        for name in flow.nodes.keys() {
            assert!(m.contains(name.as_str()), "mermaid lacks {name}");
            assert!(
                d.contains(&format!("\"{name}\" [label=")),
                "dot lacks {name}"
            );
        }
        assert!(d.contains("\"ask_identity\" -> \"identity_confirmed\" [label=\"confirm\"]"));
        assert!(m.contains("-->|\"confirm\"|"));
    }
}

#[test]
fn svg_is_well_formed_and_draws_every_node() {
    for (path, _) in SHIPPED {
        let flow = load_flow(path);
        let s = svg(&flow);
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.trim_end().ends_with("</svg>"));
        // One box per node plus the handlers box and the background.
        assert_eq!(s.matches("<rect ").count(), flow.nodes.len() + 2);
        assert!(s.matches("<text ").count() >= flow.nodes.len());
        assert!(!s.contains("NaN"));
        for name in flow.nodes.keys() {
            assert!(s.contains(&format!(">{name}</text>")), "svg lacks {name}");
        }
    }
}
