//! Drawings of a flow for designers: Mermaid, Graphviz dot, and a self-made layered SVG.

use crate::dialog::flow::{Flow, Node, Target};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
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
        let _ = write!(text, "\nhangup: {}", o.value.as_str());
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
const GAP_Y: f64 = 110.0;
const MARGIN: f64 = 30.0;
/// Horizontal distance between the lanes that carry edges back up the drawing.
const LANE_GAP: f64 = 12.0;
/// Height of an edge label's box and the approximate width of one character in it (10 px sans-serif).
const LABEL_H: f64 = 14.0;
const LABEL_CHAR_W: f64 = 6.0;

/// An axis-aligned box, for keeping edge labels apart.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Area {
    fn overlaps(&self, other: &Area) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

/// A point at `t` (0..=1) along the cubic Bézier curve `p0 c1 c2 p3`.
fn bezier(t: f64, p: [(f64, f64); 4]) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p[0].0 + b * p[1].0 + c * p[2].0 + d * p[3].0,
        a * p[0].1 + b * p[1].1 + c * p[2].1 + d * p[3].1,
    )
}

/// Places a label of `chars` characters centred near (`x`, `y`), moved down in small steps until it overlaps
/// neither a placed label nor a node box; returns its area.
fn place_label(x: f64, y: f64, chars: usize, placed: &[Area], boxes: &[Area]) -> Area {
    let w = chars as f64 * LABEL_CHAR_W + 6.0;
    let mut area = Area {
        x: x - w / 2.0,
        y: y - LABEL_H / 2.0,
        w,
        h: LABEL_H,
    };
    for _ in 0..200 {
        if !placed.iter().chain(boxes).any(|p| p.overlaps(&area)) {
            break;
        }
        area.y += LABEL_H / 2.0 + 1.0;
    }
    area
}

/// Vertical distance between the horizontal tracks that carry edges within a row or back up the drawing.
const TRACK_GAP: f64 = 7.0;

/// How an edge is drawn.
enum Route {
    /// To a lower row: a curve from the bottom of one box to the top of the other.
    Down,
    /// Within one row: down to a track of its own under the row, across, and up into the target.
    SameRow { track: usize },
    /// Back to an earlier row: down to a track under the source's row, right to a lane of its own, up to a
    /// track over the target's row, across, and down into the target.
    Up {
        below: usize,
        lane: usize,
        above: usize,
    },
}

/// A standalone SVG with a layered (top-down) layout: rows by distance from the start; edges to a lower row
/// are curves pointing down; edges within a row or back up run on tracks and lanes of their own, so none loops
/// over another; no two edge labels overlap.
pub fn svg(flow: &Flow) -> String {
    let nodes = nodes(flow);
    let edges = edges(flow);
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), i))
        .collect();
    let drawn: Vec<(&Edge, usize, usize)> = edges
        .iter()
        .filter_map(|e| Some((e, *index.get(e.from.as_str())?, *index.get(e.to.as_str())?)))
        .collect();
    let links: Vec<(usize, usize)> = drawn.iter().map(|(_, a, b)| (*a, *b)).collect();
    let layers = layer(flow, &nodes, &links);
    let mut by_layer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, _) in nodes.iter().enumerate() {
        by_layer.entry(layers[i]).or_default().push(i);
    }
    let rows = by_layer.len();
    // Rows are numbered 0.. in order (layers may skip numbers when nothing is unreachable).
    let row_of: HashMap<usize, usize> = by_layer
        .keys()
        .enumerate()
        .map(|(row, layer)| (*layer, row))
        .collect();
    let row = |i: usize| row_of[&layers[i]];
    // One sweep of barycentre ordering keeps edges between neighbouring rows short.
    let mut slot: HashMap<usize, f64> = HashMap::new();
    for members in by_layer.values_mut() {
        let mut keyed: Vec<(f64, usize)> = members
            .iter()
            .enumerate()
            .map(|(order, &i)| {
                let parents: Vec<f64> = links
                    .iter()
                    .filter(|(_, to)| *to == i)
                    .filter_map(|(from, _)| slot.get(from))
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
        let n = members.len() as f64;
        for (pos, &i) in members.iter().enumerate() {
            slot.insert(i, pos as f64 - (n - 1.0) / 2.0);
        }
    }
    // Routes, with tracks counted per gap (gap r lies under row r; gap `rows` is unused) and one lane each.
    let mut tracks = vec![0usize; rows + 1];
    let mut above_first_row = 0usize;
    let mut lanes = 0usize;
    let routes: Vec<Route> = drawn
        .iter()
        .map(|(_, a, b)| {
            let (ra, rb) = (row(*a), row(*b));
            if rb > ra {
                Route::Down
            } else if rb == ra && a != b {
                tracks[ra] += 1;
                Route::SameRow {
                    track: tracks[ra] - 1,
                }
            } else {
                tracks[ra] += 1;
                let below = tracks[ra] - 1;
                let above = if rb == 0 {
                    above_first_row += 1;
                    above_first_row - 1
                } else {
                    tracks[rb - 1] += 1;
                    tracks[rb - 1] - 1
                };
                lanes += 1;
                Route::Up {
                    below,
                    lane: lanes - 1,
                    above,
                }
            }
        })
        .collect();
    // Tracks under a row first, then room for the curves down; the first row leaves room for tracks above it.
    let gap = |r: usize| GAP_Y + tracks[r] as f64 * TRACK_GAP;
    let top = MARGIN + above_first_row as f64 * TRACK_GAP + 10.0;
    let mut row_y = vec![top; rows];
    for r in 1..rows {
        row_y[r] = row_y[r - 1] + BOX_H + gap(r - 1);
    }
    let widest = by_layer.values().map(Vec::len).max().unwrap_or(1) as f64;
    let body_w = 2.0 * MARGIN + widest * BOX_W + (widest - 1.0).max(0.0) * GAP_X;
    let mut xy: HashMap<usize, (f64, f64)> = HashMap::new();
    for (r, members) in by_layer.values().enumerate() {
        let row_w = members.len() as f64 * BOX_W + (members.len() as f64 - 1.0).max(0.0) * GAP_X;
        let x0 = (body_w - row_w) / 2.0;
        for (col, &i) in members.iter().enumerate() {
            xy.insert(i, (x0 + col as f64 * (BOX_W + GAP_X), row_y[r]));
        }
    }
    let boxes: Vec<Area> = (0..nodes.len())
        .map(|i| Area {
            x: xy[&i].0,
            y: xy[&i].1,
            w: BOX_W,
            h: BOX_H,
        })
        .collect();
    let longest_label = edges
        .iter()
        .map(|e| e.label.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let width = body_w + lanes as f64 * LANE_GAP + longest_label * LABEL_CHAR_W + MARGIN;
    let mut height = row_y.last().copied().unwrap_or(top) + BOX_H + MARGIN;
    // A track's height: under row r, the k-th one.
    let under = |r: usize, k: usize| row_y[r] + BOX_H + 8.0 + k as f64 * TRACK_GAP;
    let over = |r: usize, k: usize| {
        if r == 0 {
            top - 8.0 - k as f64 * TRACK_GAP
        } else {
            under(r - 1, k)
        }
    };

    let mut paths = String::new();
    let mut labels: Vec<(Area, &str)> = Vec::new();
    let mut out_rank: HashMap<usize, usize> = HashMap::new();
    for ((e, a, b), route) in drawn.iter().zip(&routes) {
        let (a, b) = (*a, *b);
        let (ax, ay) = xy[&a];
        let (bx, by) = xy[&b];
        let (acx, bcx) = (ax + BOX_W / 2.0, bx + BOX_W / 2.0);
        let dash = if e.dashed {
            " stroke-dasharray=\"5,4\""
        } else {
            ""
        };
        // Edges leaving one box spread their ends along its bottom, so they do not start on top of each other.
        let rank = out_rank.entry(a).or_insert(0);
        let spread = ((*rank % 7) as f64 - 3.0) * 12.0;
        *rank += 1;
        let (path, lx, ly) = match route {
            Route::Down => {
                let (x1, y1, x2, y2) = (acx + spread, ay + BOX_H, bcx, by);
                let my = (y1 + y2) / 2.0;
                let t = 0.2 + 0.15 * ((spread / 12.0 + 3.0) as usize % 4) as f64;
                let (lx, ly) = bezier(t, [(x1, y1), (x1, my), (x2, my), (x2, y2)]);
                (
                    format!("M{x1:.1},{y1:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{y2:.1}"),
                    lx,
                    ly,
                )
            }
            Route::SameRow { track } => {
                let (x1, y1, x2) = (acx + spread, ay + BOX_H, bcx + 20.0);
                let y = under(row(a), *track);
                (
                    format!(
                        "M{x1:.1},{y1:.1} L{x1:.1},{y:.1} L{x2:.1},{y:.1} L{x2:.1},{:.1}",
                        by + BOX_H
                    ),
                    (x1 + x2) / 2.0,
                    y,
                )
            }
            Route::Up { below, lane, above } => {
                let (x1, y1) = (acx + spread, ay + BOX_H);
                let y_below = under(row(a), *below);
                let x = body_w + *lane as f64 * LANE_GAP;
                let y_above = over(row(b), *above);
                let x2 = bcx - 20.0;
                (
                    format!(
                        "M{x1:.1},{y1:.1} L{x1:.1},{y_below:.1} L{x:.1},{y_below:.1} L{x:.1},{y_above:.1} L{x2:.1},{y_above:.1} L{x2:.1},{by:.1}"
                    ),
                    (x1 + x) / 2.0,
                    y_below,
                )
            }
        };
        let _ = writeln!(
            paths,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#555\"{dash} marker-end=\"url(#arrow)\"/>"
        );
        if !e.label.is_empty() {
            let placed: Vec<Area> = labels.iter().map(|(area, _)| *area).collect();
            let area = place_label(lx, ly, e.label.chars().count(), &placed, &boxes);
            height = height.max(area.y + area.h + MARGIN);
            labels.push((area, e.label.as_str()));
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n<title>{}</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        xml(&flow.flow)
    );
    out.push_str(&paths);
    for (area, text) in &labels {
        let _ = writeln!(
            out,
            "<rect class=\"label\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{LABEL_H}\" rx=\"3\" fill=\"white\" fill-opacity=\"0.9\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1e3a8a\" font-size=\"10\">{}</text>",
            area.x,
            area.y,
            area.w,
            area.x + area.w / 2.0,
            area.y + LABEL_H - 3.5,
            xml(text)
        );
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
        let _ = writeln!(out, "<rect class=\"node\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\" fill=\"{fill}\" stroke=\"#333\"/>");
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

/// Layer of each node: breadth-first distance from the start (the flow-wide handlers sit beside it); nodes
/// never reached go below the rest.
fn layer(flow: &Flow, nodes: &[(String, String, Kind)], links: &[(usize, usize)]) -> Vec<usize> {
    let mut depth: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut queue = std::collections::VecDeque::new();
    for (i, (name, _, _)) in nodes.iter().enumerate() {
        if *name == flow.start.value || name == ANY_LISTEN {
            depth[i] = Some(0);
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        let d = depth[i].unwrap_or(0);
        for &(_, to) in links.iter().filter(|(from, _)| *from == i) {
            if depth[to].is_none() {
                depth[to] = Some(d + 1);
                queue.push_back(to);
            }
        }
    }
    let bottom = depth.iter().flatten().max().map_or(0, |m| m + 1);
    depth.into_iter().map(|d| d.unwrap_or(bottom)).collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
