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
        assert_eq!(
            s.matches("<rect class=\"node\"").count(),
            flow.nodes.len() + 1
        );
        assert!(s.matches("<text ").count() >= flow.nodes.len());
        assert!(!s.contains("NaN"));
        for name in flow.nodes.keys() {
            assert!(s.contains(&format!(">{name}</text>")), "svg lacks {name}");
        }
    }
}

/// The `x`, `y`, `width`, `height` of every `<rect class="{class}" …>` in an SVG.
fn rects(svg: &str, class: &str) -> Vec<[f64; 4]> {
    let re = regex::Regex::new(&format!(
        r#"<rect class="{class}" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)""#
    ))
    .unwrap();
    re.captures_iter(svg)
        .map(|c| [1, 2, 3, 4].map(|i| c[i].parse().unwrap()))
        .collect()
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

#[test]
fn svg_edges_of_one_row_do_not_loop_over_each_other_and_labels_do_not_smear() {
    let curve = regex::Regex::new(r#"d="M[\d.]+,([\d.]+) C[^"]* [\d.]+,([\d.]+)""#).unwrap();
    let ortho = regex::Regex::new(r#"d="(M\d+\.\d,\d+\.\d(?: L\d+\.\d,\d+\.\d)+)""#).unwrap();
    let point = regex::Regex::new(r"(\d+\.\d),(\d+\.\d)").unwrap();
    for (path, _) in SHIPPED {
        let flow = load_flow(path);
        let s = svg(&flow);
        let labels = rects(&s, "label");
        let boxes = rects(&s, "node");
        assert!(labels.len() > 10, "{path}: edge labels drawn");
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                assert!(!overlap(a, b), "{path}: labels at {a:?} and {b:?} overlap");
            }
            for b in &boxes {
                assert!(
                    !overlap(a, b),
                    "{path}: label at {a:?} covers the node at {b:?}"
                );
            }
        }
        // Forward edges are curves that go down; edges within a row or back up are orthogonal paths on
        // horizontal tracks and vertical lanes of their own.
        let curves: Vec<(f64, f64)> = curve
            .captures_iter(&s)
            .map(|c| (c[1].parse().unwrap(), c[2].parse().unwrap()))
            .collect();
        assert!(!curves.is_empty());
        for (y1, y2) in &curves {
            assert!(
                y2 > y1,
                "{path}: a forward edge from y {y1} to y {y2} does not go down"
            );
        }
        let (mut track_ys, mut lane_xs) = (Vec::new(), Vec::new());
        let mut routed = 0;
        for c in ortho.captures_iter(&s) {
            let pts: Vec<(String, String)> = point
                .captures_iter(&c[1])
                .map(|p| (p[1].to_string(), p[2].to_string()))
                .collect();
            routed += 1;
            match pts.len() {
                4 => track_ys.push(pts[1].1.clone()),
                6 => {
                    track_ys.push(pts[1].1.clone());
                    lane_xs.push(pts[2].0.clone());
                    track_ys.push(pts[3].1.clone());
                }
                n => panic!("{path}: an edge drawn with {n} points: {}", &c[1]),
            }
        }
        let distinct = |v: &[String]| v.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert!(
            !track_ys.is_empty(),
            "{path}: some edges run within a row or back up"
        );
        assert_eq!(
            distinct(&track_ys),
            track_ys.len(),
            "{path}: two edges share a track"
        );
        assert_eq!(
            distinct(&lane_xs),
            lane_xs.len(),
            "{path}: two back edges share a lane"
        );
        let edges = s.matches("marker-end=").count();
        assert_eq!(
            curves.len() + routed,
            edges,
            "{path}: every edge is a curve down or an orthogonal route"
        );
    }
}
