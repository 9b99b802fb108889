"""The meta-device tracer on real torchvision modules (needs the torch extra; CI installs it)."""

from __future__ import annotations

import os

import pytest

#: Slow tier: importing torch costs 5-13 s. tests/conftest.py keeps the fast tier from even
#: collecting this module; the slow tier (and CI, which installs the torch extra) runs it.
pytestmark = pytest.mark.slow

if os.environ.get("CI") == "true":
    import torch  # noqa: F401  - CI must test the tracer for real, never skip it
    import torchvision  # noqa: F401
torch = pytest.importorskip("torch", reason="tracer tests need the torch extra")
torchvision = pytest.importorskip("torchvision", reason="tracer tests need torchvision")

from wattprint.engine.modules import estimate_module, estimate_operators  # noqa: E402
from wattprint.errors import InputError  # noqa: E402
from wattprint.workload.operators.trace import (  # noqa: E402
    TraceError,
    load_factory,
    parse_shape,
    trace_module,
)

nn = torch.nn


def test_resnet50_macs_match_torchvision_published_figure() -> None:
    # torchvision model card: ResNet50_Weights.IMAGENET1K_V1 "GFLOPS" 4.09 (multiply-adds).
    s = trace_module(torchvision.models.resnet50, (3, 224, 224), name="resnet50")
    assert s.tensor_flops / 2 == pytest.approx(4.09e9, rel=0.05)
    assert s.params == pytest.approx(25.56e6, rel=0.01)
    assert s.unpriced == []


def test_vit_b16_macs_match_torchvision_published_figure() -> None:
    # torchvision model card: ViT_B_16_Weights.IMAGENET1K_V1 "GFLOPS" 17.56.
    s = trace_module(torchvision.models.vit_b_16, (3, 224, 224))
    assert s.tensor_flops / 2 == pytest.approx(17.56e9, rel=0.05)
    assert s.class_flops("attention") > 0  # score and value products are attention


class ConvBnAct(nn.Module):
    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.conv = nn.Conv2d(16, 32, 3, padding=1)
        self.bn = nn.BatchNorm2d(32)
        self.act = act

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.act(self.bn(self.conv(x)))


def test_fusion_saves_bytes_not_flops() -> None:
    s = trace_module(lambda: ConvBnAct(nn.ReLU()), (16, 32, 32))
    eager = estimate_operators(s, "h100", batch=8, stack="eager")
    comp = estimate_operators(s, "h100", batch=8, stack="compiled")
    e, c = eager.details["operators"], comp.details["operators"]
    assert c["flops"] == pytest.approx(e["flops"])
    assert c["bytes"] < e["bytes"]
    assert c["saved_bytes"] == pytest.approx(e["bytes"] - c["bytes"])
    # conv → bn → relu: the norm and the activation fuse, 2 launches fewer.
    assert e["launches"] - c["launches"] == 2


def test_activation_what_if_changes_flops_not_bytes() -> None:
    s = trace_module(lambda: ConvBnAct(nn.ReLU()), (16, 32, 32))
    relu = estimate_operators(s, "h100", batch=8, activation="relu").details["operators"]
    gelu = estimate_operators(s, "h100", batch=8, activation="gelu").details["operators"]
    assert gelu["by_class"]["activation"]["vector_flops"] == pytest.approx(
        5 * relu["by_class"]["activation"]["vector_flops"])
    assert gelu["bytes"] == pytest.approx(relu["bytes"])


def test_traced_silu_and_gelu_keep_their_own_cost() -> None:
    silu = trace_module(lambda: ConvBnAct(nn.SiLU()), (16, 8, 8))
    assert {g.key for g in silu.groups if g.cls == "activation"} == {"silu"}


def test_module_instance_is_left_untouched() -> None:
    m = nn.Sequential(nn.Linear(10, 20), nn.GELU(), nn.Linear(20, 3))
    s = trace_module(m, (10,), batch=4)
    assert s.tensor_flops == pytest.approx(2 * 4 * (10 * 20 + 20 * 3))
    assert all(p.device.type == "cpu" for p in m.parameters())


def test_bad_shape_names_the_operator_and_module() -> None:
    m = nn.Sequential(nn.Linear(10, 5))
    with pytest.raises(TraceError, match=r"aten\.\w+.*module 0"):
        trace_module(m, (7,))


def test_operator_without_formula_is_listed_not_zero() -> None:
    class Spectral(nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return torch.fft.rfft(x).abs()

    s = trace_module(Spectral(), (64,))
    assert any("fft" in op for op in s.unpriced)
    fp = estimate_operators(s, "h100")
    assert any("fft" in n for n in fp.notes)


def test_training_step_traces_backward() -> None:
    fwd = trace_module(lambda: ConvBnAct(nn.ReLU()), (16, 16, 16))
    step = trace_module(lambda: ConvBnAct(nn.ReLU()), (16, 16, 16), train=True)
    assert step.phase == "train_step"
    assert any("backward" in g.op for g in step.groups)
    # Forward + weight gradient; the first layer needs no gradient of its input: 2 × forward.
    assert step.class_flops("matmul") == pytest.approx(2 * fwd.class_flops("matmul"), rel=0.01)
    fp = estimate_module(lambda: ConvBnAct(nn.ReLU()), (16, 16, 16), "h100", train=True,
                         batch=32, samples=3200)
    assert fp.accelerator_energy.value > 0


def test_factory_and_shape_parsing() -> None:
    assert load_factory("torchvision.models:resnet18") is torchvision.models.resnet18
    assert parse_shape("3x224x224") == (3, 224, 224)
    for bad in ("3x0", "abc", ""):
        with pytest.raises(InputError):
            parse_shape(bad)
    for bad in ("torchvision.models", "nosuchpkg_xyz:f", "torchvision.models:nope"):
        with pytest.raises(InputError):
            load_factory(bad)
    with pytest.raises(TraceError, match="not an nn.Module"):
        trace_module(lambda: 3, (3,))
