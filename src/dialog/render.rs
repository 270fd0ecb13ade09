//! Drawings of a flow for designers: Mermaid, Graphviz dot, and a self-made layered SVG.

use crate::dialog::flow::{Flow, Node, Target};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write;

/// The pseudo-node that stands for "any listening node" in drawings of flow-wide handlers.
const ANY_LISTEN: &str = "(any listen)";

/// What kind of node, for shapes and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Listen,
    Step,
    Hangup,
    Handoff,
    Callback,
    Handlers,
}

/// One edge of the drawing.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    label: String,
    dashed: bool,
}

fn kind(node: &Node) -> Kind {
    if node.listen.is_some() {
        Kind::Listen
    } else if node.hangup.is_some() {
        Kind::Hangup
    } else if node.handoff.is_some() {
        Kind::Handoff
    } else if node.callback.is_some() {
        Kind::Callback
    } else {
        Kind::Step
    }
}

fn label(name: &str, node: &Node) -> String {
    let mut text = name.to_string();
    if let Some(o) = &node.hangup {
        let _ = write!(text, "\nhangup: {}", o.value.name());
    }
    if let Some(r) = &node.handoff {
        let _ = write!(text, "\nhandoff: {}", r.value);
    }
    if node.callback.is_some() {
        text.push_str("\ncallback");
    }
    if let Some(say) = &node.say {
        let short: String = say.value.chars().take(38).collect();
        let ellipsis = if say.value.chars().count() > 38 {
            "…"
        } else {
            ""
        };
        let _ = write!(text, "\n{}{}", short.replace('\n', " "), ellipsis);
    }
    text
}

fn target_edges(from: &str, base: &str, t: &Spanned<Target>, dashed: bool, edges: &mut Vec<Edge>) {
    match &t.value {
        Target::Node(to) => edges.push(Edge {
            from: from.into(),
            to: to.clone(),
            label: base.into(),
            dashed,
        }),
        Target::Branches(branches) => {
            for b in branches {
                let guard = b
                    .guard
                    .as_ref()
                    .map(|g| format!("[{}]", g.value))
                    .unwrap_or_default();
                let label = [base, guard.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                edges.push(Edge {
                    from: from.into(),
                    to: b.goto.value.clone(),
                    label,
                    dashed,
                });
            }
        }
    }
}

fn edges(flow: &Flow) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (name, node) in &flow.nodes {
        let node = &node.value;
        if let Some(t) = &node.next {
            target_edges(name, "", t, false, &mut edges);
        }
        if let Some(listen) = &node.listen {
            for (intent, t) in &listen.on {
                target_edges(name, intent, t, false, &mut edges);
            }
            if let Some(t) = &listen.no_match {
                target_edges(name, "no match", t, true, &mut edges);
            }
        }
    }
    for (intent, t) in &flow.handlers {
        target_edges(ANY_LISTEN, intent, t, true, &mut edges);
    }
    merge_parallel(edges)
}

/// Joins edges between the same two nodes into one with all labels.
fn merge_parallel(edges: Vec<Edge>) -> Vec<Edge> {
    let mut merged: Vec<Edge> = Vec::new();
    for e in edges {
        match merged
            .iter_mut()
            .find(|m| m.from == e.from && m.to == e.to && m.dashed == e.dashed)
        {
            Some(m) if !e.label.is_empty() && !m.label.split(", ").any(|l| l == e.label) => {
                if !m.label.is_empty() {
                    m.label.push_str(", ");
                }
                m.label.push_str(&e.label);
            }
            Some(_) => {}
            None => merged.push(e),
        }
    }
    merged
}

fn nodes(flow: &Flow) -> Vec<(String, String, Kind)> {
    let mut out: Vec<(String, String, Kind)> = flow
        .nodes
        .iter()
        .map(|(name, n)| (name.clone(), label(name, &n.value), kind(&n.value)))
        .collect();
    if !flow.handlers.is_empty() {
        out.push((
            ANY_LISTEN.into(),
            "at every listening node".into(),
            Kind::Handlers,
        ));
    }
    out
}

/// A Mermaid flowchart.
pub fn mermaid(flow: &Flow) -> String {
    let nodes = nodes(flow);
    let ids: HashMap<&str, String> = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), format!("n{i}")))
        .collect();
    let esc = |s: &str| s.replace('"', "#quot;").replace('\n', "<br/>");
    let mut out = format!("%% {}\nflowchart TD\n", flow.flow);
    for (name, text, kind) in &nodes {
        let id = &ids[name.as_str()];
        let t = esc(text);
        let _ = match kind {
            Kind::Listen => writeln!(out, "    {id}{{{{\"{t}\"}}}}"),
            Kind::Hangup | Kind::Handoff | Kind::Callback => writeln!(out, "    {id}([\"{t}\"])"),
            Kind::Handlers => writeln!(out, "    {id}>\"{t}\"]"),
            Kind::Step => writeln!(out, "    {id}[\"{t}\"]"),
        };
    }
    for e in edges(flow) {
        let (Some(a), Some(b)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let arrow = if e.dashed { "-.->" } else { "-->" };
        if e.label.is_empty() {
            let _ = writeln!(out, "    {a} {arrow} {b}");
        } else {
            let _ = writeln!(out, "    {a} {arrow}|\"{}\"| {b}", esc(&e.label));
        }
    }
    out
}

/// A Graphviz dot graph.
pub fn dot(flow: &Flow) -> String {
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut out = format!(
        "digraph \"{}\" {{\n    rankdir=TB;\n    node [fontname=\"sans-serif\", fontsize=10];\n",
        esc(&flow.flow)
    );
    for (name, text, kind) in nodes(flow) {
        let style = match kind {
            Kind::Listen => "shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\"",
            Kind::Step => "shape=box",
            Kind::Hangup => "shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\"",
            Kind::Handoff => "shape=box, style=\"rounded,filled\", fillcolor=\"#fee2e2\"",
            Kind::Callback => "shape=box, style=\"rounded,filled\", fillcolor=\"#fef9c3\"",
            Kind::Handlers => "shape=note",
        };
        let _ = writeln!(
            out,
            "    \"{}\" [label=\"{}\", {style}];",
            esc(&name),
            esc(&text)
        );
    }
    for e in edges(flow) {
        let style = if e.dashed { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "    \"{}\" -> \"{}\" [label=\"{}\"{style}];",
            esc(&e.from),
            esc(&e.to),
            esc(&e.label)
        );
    }
    out.push_str("}\n");
    out
}

const BOX_W: f64 = 200.0;
const BOX_H: f64 = 58.0;
const GAP_X: f64 = 40.0;
const GAP_Y: f64 = 90.0;
const MARGIN: f64 = 30.0;

/// A standalone SVG with a layered (top-down) layout.
pub fn svg(flow: &Flow) -> String {
    let nodes = nodes(flow);
    let edges = edges(flow);
    let layers = layer(flow, &nodes, &edges);
    let mut by_layer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (name, _, _)) in nodes.iter().enumerate() {
        by_layer.entry(layers[name.as_str()]).or_default().push(i);
    }
    // One sweep of barycentre ordering keeps edges between neighbouring layers short.
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), i))
        .collect();
    let mut slot: HashMap<usize, f64> = HashMap::new();
    for members in by_layer.values_mut() {
        let mut keyed: Vec<(f64, usize)> = members
            .iter()
            .enumerate()
            .map(|(order, &i)| {
                let parents: Vec<f64> = edges
                    .iter()
                    .filter(|e| index.get(e.to.as_str()) == Some(&i))
                    .filter_map(|e| index.get(e.from.as_str()).and_then(|p| slot.get(p)))
                    .copied()
                    .collect();
                let key = if parents.is_empty() {
                    order as f64
                } else {
                    parents.iter().sum::<f64>() / parents.len() as f64
                };
                (key, i)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        *members = keyed.into_iter().map(|(_, i)| i).collect();
        for (pos, &i) in members.iter().enumerate() {
            slot.insert(i, pos as f64);
        }
    }
    let widest = by_layer.values().map(Vec::len).max().unwrap_or(1) as f64;
    let width = 2.0 * MARGIN + widest * BOX_W + (widest - 1.0).max(0.0) * GAP_X;
    let height = 2.0 * MARGIN + by_layer.len() as f64 * (BOX_H + GAP_Y);
    let mut xy: HashMap<usize, (f64, f64)> = HashMap::new();
    for (row, members) in by_layer.values().enumerate() {
        let row_w = members.len() as f64 * BOX_W + (members.len() as f64 - 1.0).max(0.0) * GAP_X;
        let x0 = (width - row_w) / 2.0;
        for (col, &i) in members.iter().enumerate() {
            xy.insert(
                i,
                (
                    x0 + col as f64 * (BOX_W + GAP_X),
                    MARGIN + row as f64 * (BOX_H + GAP_Y),
                ),
            );
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n<title>{}</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        xml(&flow.flow)
    );
    for e in &edges {
        let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else {
            continue;
        };
        let (ax, ay) = xy[&a];
        let (bx, by) = xy[&b];
        let dash = if e.dashed {
            " stroke-dasharray=\"5,4\""
        } else {
            ""
        };
        let (path, lx, ly) = if a != b && (by - ay).abs() < 1.0 {
            // Same layer: dip below both boxes.
            let (x1, x2, y) = (ax + BOX_W / 2.0, bx + BOX_W / 2.0, ay + BOX_H);
            let dip = y + GAP_Y * 0.4;
            (
                format!("M{x1:.1},{y:.1} C{x1:.1},{dip:.1} {x2:.1},{dip:.1} {x2:.1},{y:.1}"),
                (x1 + x2) / 2.0,
                dip - 4.0,
            )
        } else if by > ay {
            let (x1, y1, x2, y2) = (ax + BOX_W / 2.0, ay + BOX_H, bx + BOX_W / 2.0, by);
            let my = (y1 + y2) / 2.0;
            (
                format!("M{x1:.1},{y1:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{y2:.1}"),
                (x1 + x2) / 2.0,
                my,
            )
        } else {
            // Back or sideways edge: loop out to the right of both boxes.
            let (x1, y1, x2, y2) = (ax + BOX_W, ay + BOX_H / 2.0, bx + BOX_W, by + BOX_H / 2.0);
            let bulge = x1.max(x2) + GAP_X * 0.8;
            (
                format!("M{x1:.1},{y1:.1} C{bulge:.1},{y1:.1} {bulge:.1},{y2:.1} {x2:.1},{y2:.1}"),
                bulge,
                (y1 + y2) / 2.0,
            )
        };
        let _ = writeln!(
            out,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#555\"{dash} marker-end=\"url(#arrow)\"/>"
        );
        if !e.label.is_empty() {
            let _ = writeln!(out, "<text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"#1e3a8a\" font-size=\"10\">{}</text>", xml(&e.label));
        }
    }
    for (i, (_, text, kind)) in nodes.iter().enumerate() {
        let (x, y) = xy[&i];
        let fill = match kind {
            Kind::Listen => "#dbeafe",
            Kind::Step => "#f3f4f6",
            Kind::Hangup => "#dcfce7",
            Kind::Handoff => "#fee2e2",
            Kind::Callback => "#fef9c3",
            Kind::Handlers => "#ede9fe",
        };
        let _ = writeln!(out, "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\" fill=\"{fill}\" stroke=\"#333\"/>");
        for (line_no, line) in text.lines().take(3).enumerate() {
            let weight = if line_no == 0 {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let short: String = if line.chars().count() > 30 {
                line.chars().take(28).chain(std::iter::once('…')).collect()
            } else {
                line.to_string()
            };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{weight}>{}</text>",
                x + BOX_W / 2.0,
                y + 17.0 + line_no as f64 * 15.0,
                xml(&short)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Layer of each node: breadth-first depth from the start; nodes never reached go below the rest.
fn layer<'a>(
    flow: &Flow,
    nodes: &'a [(String, String, Kind)],
    edges: &[Edge],
) -> HashMap<&'a str, usize> {
    let mut depth: HashMap<&str, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    if let Some((name, _, _)) = nodes.iter().find(|(n, _, _)| *n == flow.start.value) {
        depth.insert(name.as_str(), 0);
        queue.push_back(name.as_str());
    }
    if let Some((name, _, _)) = nodes.iter().find(|(n, _, _)| n == ANY_LISTEN) {
        depth.insert(name.as_str(), 0);
        queue.push_back(name.as_str());
    }
    while let Some(name) = queue.pop_front() {
        let d = depth[name];
        for e in edges.iter().filter(|e| e.from == name) {
            if let Some((to, _, _)) = nodes.iter().find(|(n, _, _)| *n == e.to) {
                if !depth.contains_key(to.as_str()) {
                    depth.insert(to.as_str(), d + 1);
                    queue.push_back(to.as_str());
                }
            }
        }
    }
    let bottom = depth.values().max().map_or(0, |m| m + 1);
    nodes
        .iter()
        .map(|(n, _, _)| (n.as_str(), *depth.get(n.as_str()).unwrap_or(&bottom)))
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
