"""The stepper page: one tagged SVG, frames as small records, any graph, exports, the CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

import viz
from microgrid import Value, nn
from microgrid.app.cli import main
from microgrid.app.worked_example import WorkedExample
from microgrid.engine import topological_order
from viz import labels
from viz.stepper import Stepper, stepper_for

SVG = "{http://www.w3.org/2000/svg}"


def payload(page: str) -> dict:
    data = re.search(r'<script id="frames-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(data.group(1))


def picture(page: str) -> ET.Element:
    start = page.index('<svg id="picture"') if '<svg id="picture"' in page else None
    if start is None:
        start = page.rindex("<svg", 0, page.index('id="picture"'))
    end = page.index("</svg>", start) + len("</svg>")  # the picture holds no nested <svg>
    return ET.fromstring(page[start:end])


def shapes(svg: ET.Element, by: str) -> dict[str, tuple[float, float]]:
    """Node id -> the centre of its shape's points, rounded (to compare two renderings)."""
    out = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        key = g.get("id") if by == "id" else g.find(f"{SVG}title").text
        shape = next(
            (c for c in g if c.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")), None
        )
        if shape is None:  # a constant: plain text, no box
            text = g.find(f"{SVG}text")
            out[key] = (round(float(text.get("x"))), round(float(text.get("y"))))
            continue
        if shape.tag == f"{SVG}ellipse":
            out[key] = (round(float(shape.get("cx"))), round(float(shape.get("cy"))))
            continue
        nums = [
            float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points"))
        ]
        xs, ys = nums[0::2], nums[1::2]
        out[key] = (round((min(xs) + max(xs)) / 2), round((min(ys) + max(ys)) / 2))
    return out


def mlp_loss(sizes=(4, 4, 1)) -> Value:
    model = nn.MLP(2, list(sizes), activation="tanh", seed=1)
    out = model([0.5, -1.0])
    out = out[0] if isinstance(out, list) else out
    return (out - 1.0) ** 2


@pytest.fixture(scope="module")
def worked():
    ex = WorkedExample()
    ex.backward()  # grads filled before: the page must not add them again
    s = Stepper(ex.E_total, params=ex.parameters(biases=True))
    return ex, s, s.html()


def test_one_picture_and_frames_as_records(worked):
    ex, s, page = worked
    assert page.count("<svg") == 2  # the picture, and the minimap that <use>s it
    data = payload(page)
    assert len(data["frames"]) == len(s.plan.frames) == 56
    assert [f["p"] for f in data["frames"]] == [0] * 28 + [1] * 28
    assert [[seg[0] for seg in line] for line in data["frames"][5]["c"]] == [
        [text for text, _ in line] for line in s.plan.frames[5].lines
    ]
    assert len(page) < 300_000  # well under 1 MB


def test_the_picture_is_tagged_for_every_value_and_edge(worked):
    ex, s, page = worked
    svg = picture(page)
    order = s.plan.order
    data_tags = {int(t.get("data-d")): t.text for t in svg.iter(f"{SVG}text") if t.get("data-d")}
    grad_tags = {int(t.get("data-g")): t.text for t in svg.iter(f"{SVG}text") if t.get("data-g")}
    values = [i for i, v in enumerate(order) if v.op != "const"]
    assert sorted(data_tags) == sorted(grad_tags) == values
    for i in values:  # the picture shows the true final numbers, at the fixed width
        assert data_tags[i] == labels.fmt_number(order[i].data)
        assert grad_tags[i] == labels.fmt_number(s.plan.grads[order[i]])
    edges = {t.get("data-l") for t in svg.iter(f"{SVG}text") if t.get("data-l")}
    assert edges == {f"{i}_{j}" for i, v in enumerate(order) for j in range(len(v.children))}
    shown = {int(g.get("id")[1:]): g.find(f".//{SVG}text[@class='nm']") for g in svg.iter(f"{SVG}g")
             if (g.get("id") or "").startswith("v")}  # fmt: skip
    for i in values:  # the picture names every node as the captions do (t7, E_total)
        assert shown[i].text == s.plan.names[order[i]]
    ids = {g.get("id") for g in svg.iter(f"{SVG}g")}
    assert {f"v{i}" for i in range(len(order))} <= ids


def test_grads_in_the_page_are_fresh_not_the_users(worked):
    ex, s, page = worked
    frames = payload(page)["frames"]
    w5 = s.plan.order.index(ex.w5)
    updates = [g for f in frames for g in f.get("g", []) if g[0] == w5]
    assert updates == [[w5, labels.fmt_number(ex.w5.grad), 1, 1]]  # once, not doubled
    assert ex.w5.grad == pytest.approx(0.082167041, abs=1e-9)  # untouched by the stepper


def test_the_page_is_self_contained_and_escapes_what_it_embeds():
    x = Value(2.0, label="</script><b>__FRAMES__")
    y = x * 3
    y.label = "y & <z>"
    page = Stepper(y, title="t <&>").html()
    assert "<title>t &lt;&amp;&gt;</title>" in page
    assert not re.search(r"<(?:script|img|link|iframe)[^>]+(?:src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert payload(page)["n"] == 3
    assert page.count("</script>") == 2


def test_grows_linearly_with_the_graph():
    small, big = Stepper(mlp_loss((2, 1))), Stepper(mlp_loss((4, 4, 1)))
    ratio_nodes = len(big.plan.order) / len(small.plan.order)
    ratio_bytes = len(big.html()) / len(small.html())
    assert ratio_bytes < 1.5 * ratio_nodes
    assert len(big.html()) < 3_000_000


def test_collapse_and_drawing_options(tmp_path):
    root = mlp_loss((3, 2, 1))
    path = stepper_for(root, tmp_path / "s.html", collapse="mlp.layer0", rankdir="TB", lang="zh")
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert path.endswith("s.html") and '<html lang="zh">' in page and "反向传播" in page
    data = payload(page)
    order = topological_order(root)
    inside = [i for i, v in enumerate(order) if v.scope.startswith("mlp.layer0")]
    assert inside and all(str(i) in data["boxes"] for i in inside)
    box = picture(page).find(f".//{SVG}g[@id='c0']")
    shown = {int(t.get("data-d")): t.text for t in box.iter(f"{SVG}text") if t.get("data-d")}
    outs = [i for i in inside if order[i].label == "out"]  # the layer's outputs, listed
    assert sorted(shown) == outs
    assert all(shown[i] == labels.fmt_number(order[i].data) for i in outs)
    with pytest.raises(ValueError, match="matches no scope"):
        Stepper(root, collapse="mlp.layer9")
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        Stepper(root, lang="de")
    with pytest.raises(viz.GraphTooLargeError, match="max_nodes=10"):
        Stepper(root, max_nodes=10)


def test_notebook_display_is_an_isolated_iframe():
    s = Stepper(Value(1.0, label="x").exp())
    shown = s._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in shown
    assert "<script" not in shown  # the page's script runs inside the iframe only
    assert repr(s) == "<viz.Stepper: 2 nodes, 4 frames, lang='en'>"


def test_png_frames_and_gif_share_the_pages_layout(tmp_path):
    from PIL import Image

    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    y = (x * w).tanh()
    s = Stepper(y)
    paths = s.write_frames(tmp_path / "png")
    assert len(paths) == len(s.plan.frames) == 6
    sizes = {Image.open(p).size for p in paths}
    assert len(sizes) == 1
    svgs = s.write_frames(tmp_path / "svg", fmt="svg")
    assert all(ET.parse(p).getroot().tag == f"{SVG}svg" for p in svgs)
    page_shapes = shapes(picture(s.html()), by="id")
    assert len(page_shapes) == 6  # x, w, x*w and its op marker, y and its op marker
    for path in svgs:  # every frame puts every node where the page does
        assert shapes(ET.parse(path).getroot(), by="title") == page_shapes
    assert "0.5000 \u00d7 (-1.2000)" in open(svgs[1], encoding="utf-8").read()
    gif = Image.open(s.write_gif(tmp_path / "steps.gif", ms_per_frame=100))
    assert gif.n_frames == 6
    with pytest.raises(ValueError, match="png or svg"):
        s.write_frames(tmp_path, fmt="jpg")
    with pytest.raises(ValueError, match="ms_per_frame"):
        s.write_gif(tmp_path / "x.gif", ms_per_frame=0)


def test_render_writes_a_stepper_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    status = main(["render", "tanh(x*w + b)", "--set", "x=0.5", "--set", "w=-1.2", "--set", "b=0.3",
                   "-o", str(out)])  # fmt: skip
    printed = capsys.readouterr().out
    assert status == 0 and "stepper page, 6 nodes, 8 frames" in printed
    data = payload(out.read_text(encoding="utf-8"))
    assert len(data["frames"]) == 8
    status = main(["render", "x*2", "--set", "x=1", "--no-grads", "-o", str(out)])
    assert status == 2 and "drop --no-grads" in capsys.readouterr().err


def test_exported_frames_colour_each_factor_as_the_caption_does():
    from viz.frames import states
    from viz.stepper_export import COLOURS, frame_drawing

    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    y = x * w
    y.label = "y"
    s = Stepper(y)
    frame, state = next(
        (f, st) for f, st in states(s.plan) if f.phase == "backward" and f.node is not None
    )
    source = frame_drawing(s, frame, state).source
    assert f'color="{COLOURS["up"]}"' in source  # y, whose gradient flows down
    assert source.count(f'color="{COLOURS["local"]}"') == 2  # both edges: dy/dx, dy/dw
    assert source.count(f'color="{COLOURS["result"]}"') == 2  # x and w receive
    with pytest.raises(TypeError, match="highlight colours are strings"):
        viz.draw(y, highlight={x: 3})


def test_walkthrough_forward_and_gradient_pictures_line_up(tmp_path):
    from microgrid.app.pictures import write_walkthrough_pictures

    write_walkthrough_pictures(tmp_path)
    forward = shapes(ET.parse(tmp_path / "graph_forward.svg").getroot(), by="title")
    gradients = shapes(ET.parse(tmp_path / "graph_gradients.svg").getroot(), by="title")
    assert len(forward) > 60 and forward.keys() == gradients.keys()
    for key, (x, y) in forward.items():  # two slides in a row line up (to rounding)
        assert abs(x - gradients[key][0]) <= 1.5 and abs(y - gradients[key][1]) <= 1.5, key
    text = (tmp_path / "graph_forward.svg").read_text(encoding="utf-8")
    assert "0.0822" not in text  # no gradient given away before the backward pass
    assert "0.0822" in (tmp_path / "graph_gradients.svg").read_text(encoding="utf-8")


def test_writing_where_one_cannot_says_where(tmp_path):
    s = Stepper(Value(1.0, label="x").exp())
    with pytest.raises(viz.OutputPathError, match="cannot write .*no_such_dir"):
        s.write(tmp_path / "no_such_dir" / "page.html")
    assert not (tmp_path / "no_such_dir").exists()


def test_exported_frames_light_only_the_steps_own_op_marker():
    from viz.frames import states
    from viz.stepper_export import COLOURS, frame_drawing

    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    y = (x * w).tanh()
    s = Stepper(y)
    frame, state = next(
        (f, st) for f, st in states(s.plan) if f.phase == "backward" and f.node is y
    )
    lines = frame_drawing(s, frame, state).source.splitlines()
    marker = {ln.split("[")[0].strip(): ln for ln in lines if re.match(r"\s*o\d+ \[", ln)}
    assert f'color="{COLOURS["up"]}"' in marker["o3"]  # tanh: the node being processed
    assert COLOURS["result"] not in marker["o2"]  # x * w receives: its box, not its marker


def test_exported_frames_draw_a_partly_accumulated_gradient_dashed_as_the_page_does():
    """x feeds a product and a longer branch: between the two, its gradient is 1 of 2."""
    from viz.frames import states
    from viz.stepper_export import PARTIAL, frame_drawing

    x = Value(3.0, label="x")
    y = x * 5.0 + (x * 2.0).tanh().exp()
    st = Stepper(y)
    seen_partial = seen_final = False
    for frame, state in states(st.plan):
        if frame.phase != "backward" or x not in state.status:
            continue
        line = next(
            ln
            for ln in frame_drawing(st, frame, state).source.splitlines()
            if ln.strip().startswith(f"v{st.plan.order.index(x)} [")
        )
        dashed = "dashed" in line and f'color="{PARTIAL}"' in line
        if state.status[x] == "partial" and st.plan.order.index(x) not in frame.roles:
            assert dashed, line
            seen_partial = True
        elif state.status[x] == "final":
            assert not dashed, line
            seen_final = True
    assert seen_partial and seen_final


def test_exported_forward_frames_show_a_local_derivative_once_its_node_is_computed():
    from viz.frames import states
    from viz.stepper_export import frame_drawing

    ex = WorkedExample()
    st = Stepper(ex.E_total, params=ex.parameters(biases=True))
    counts = []
    for frame, state in states(st.plan):
        if frame.phase != "forward":
            continue
        source = frame_drawing(st, frame, state).source
        labelled = {
            tuple(int(k) for k in m.groups())
            for m in re.finditer(r"^\s*\S+ -> \S+ \[label=<.*?\bid=e(\d+)_(\d+)\b", source, re.M)
        }
        assert labelled == state.locals_known
        counts.append(len(labelled))
    assert counts[0] == 0 and counts[-1] > 0 and counts == sorted(counts)
