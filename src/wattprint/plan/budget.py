"""Right-sizing under an energy or carbon budget: the compute-optimal model for a budget.

Scaling law (``data/planning.toml`` [scaling]): Hoffmann et al. 2022 ("Chinchilla"), Approach 3
parametric fit ``L(N, D) = E + A/N^α + B/D^β`` with E = 1.69, A = 406.4, B = 410.7, α = 0.34,
β = 0.28; Besiroglu et al. 2024 refit the same data (E = 1.8172, A = 482.01, B = 2085.43,
α = 0.3478, β = 0.3658), available as ``fit="besiroglu2024"``.

With training compute ``C ≈ 6 N D`` the loss-minimising split is (Hoffmann et al. eq. 4)

    N_opt = G · (C/6)^a,  D_opt = (C/6)^b / G,  a = β/(α+β), b = α/(α+β),
    G = (α A / (β B))^(1/(α+β)).

The FLOP budget comes from the energy (or CO2e) budget through the engine: the cost per
training token of a dense model of ``N`` parameters on the chosen hardware, ``m(N)``
(estimate_training, linear in tokens), gives the cost per Chinchilla FLOP
``ε(N) = m(N) / (6 N)``; ``C = budget / ε(N)`` and ``N = N_opt(C)`` are iterated to a fixed
point. A smaller model trained longer to the same loss has ``D' = (B / (L* − E − A/N'^α))^(1/β)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wattprint.catalog.planning import planning_data, planning_value
from wattprint.errors import InputError, UnsupportedError
from wattprint.quantity import Quantity
from wattprint.workload.demand import Demand
from wattprint.workload.model_spec import ModelSpec, spec_from_config


@dataclass(frozen=True)
class ScalingFit:
    """Parameters of ``L(N, D) = E + A/N^α + B/D^β`` with the source."""

    id: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str
    year: int
    status: str

    def loss(self, n: float, d: float) -> float:
        """Predicted loss (nats/token) of ``n`` parameters trained on ``d`` tokens."""
        return self.E + self.A / n ** self.alpha + self.B / d ** self.beta

    def optimal(self, flops: float) -> tuple[float, float]:
        """``(N_opt, D_opt)`` for compute ``C = 6 N D`` (closed form, Hoffmann eq. 4)."""
        a = self.beta / (self.alpha + self.beta)
        b = self.alpha / (self.alpha + self.beta)
        g = (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))
        return g * (flops / 6.0) ** a, (flops / 6.0) ** b / g

    def tokens_for_loss(self, n: float, target: float) -> float | None:
        """Tokens a model of ``n`` parameters needs to reach loss ``target`` (None: never)."""
        rest = target - self.E - self.A / n ** self.alpha
        if rest <= 0:
            return None
        return (self.B / rest) ** (1.0 / self.beta)

    def cite(self) -> str:
        """Citation."""
        return f"{self.source} ({self.year}, {self.status})"


#: How the compute-optimal split is found (``RightSizePlan.provenance["formula"]``).
FORMULA = ("N_opt = G (C/6)^(β/(α+β)), D_opt = (C/6)^(α/(α+β)) / G, G = (αA/(βB))^(1/(α+β)); "
           "C = budget / ε(N), ε = cost per token / (6N)")

NOTES = ("C = 6ND counts the Chinchilla convention; the engine's FLOPs add attention and the LM "
         "head, which the cost per token includes",
         "the scaling law predicts pre-training loss on the MassiveText mix; other data shifts E",
         "Hoffmann et al.'s rounded Approach 3 values imply far more tokens per parameter at "
         "large C (about 90 at 1e24 FLOPs) than their Approaches 1-2 (~20); Besiroglu et al. "
         "2024 trace this to the fit and their refit (--fit besiroglu2024) gives ~20")


@dataclass
class RightSizePlan:
    """The compute-optimal model for a budget: ``budget`` (the user's, in J or gCO2e) and
    ``cost_per_token`` (the engine's, with its provenance) are :class:`Quantity`; with a
    demand, ``alternatives`` compares smaller models trained longer over a lifecycle."""

    budget: Quantity
    metric: str
    hardware: str
    chips: int
    precision: str
    region: str | None
    fit: ScalingFit
    flops: float
    params: float
    tokens: float
    predicted_loss: float
    cost_per_chinchilla_flop: float
    cost_per_token: Quantity
    seconds_per_token: float
    model_shape: dict[str, Any]
    iterations: list[dict[str, float]]
    notes: list[str] = field(default_factory=lambda: list(NOTES))
    alternatives: list[dict[str, Any]] | None = None

    @property
    def tokens_per_param(self) -> float:
        """Training tokens per parameter."""
        return self.tokens / self.params

    @property
    def training_time_s(self) -> float:
        """Wall-clock time to train the compute-optimal model [s]."""
        return self.seconds_per_token * self.tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        sf = self.fit
        out: dict[str, Any] = {
            "budget": {"metric": self.metric, "value": self.budget.value,
                       "unit": self.budget.unit},
            "hardware": self.hardware, "chips": self.chips, "precision": self.precision,
            "region": self.region,
            "fit": {"id": sf.id, "E": sf.E, "A": sf.A, "B": sf.B, "alpha": sf.alpha,
                    "beta": sf.beta, "source": sf.cite()},
            "flops": self.flops, "params": self.params, "tokens": self.tokens,
            "tokens_per_param": self.tokens_per_param, "predicted_loss": self.predicted_loss,
            "cost_per_chinchilla_flop": self.cost_per_chinchilla_flop,
            "cost_per_token": self.cost_per_token.value,
            "training_time_s": self.training_time_s, "model_shape": self.model_shape,
            "iterations": self.iterations,
            "provenance": {"cost_per_token": self.cost_per_token.provenance,
                           "formula": FORMULA},
            "notes": self.notes}
        if self.alternatives is not None:
            out["alternatives"] = self.alternatives
        return out


def get_fit(name: str = "hoffmann2022") -> ScalingFit:
    """A scaling-law fit from planning.toml ([scaling.NAME])."""
    fits = {k: v for k, v in planning_data()["scaling"].items() if k != "shape"}
    key = name.strip().lower()
    if key not in fits:
        raise InputError(f"unknown scaling fit {name!r}; choose {', '.join(fits)}")
    f = fits[key]
    return ScalingFit(key, float(f["E"]), float(f["A"]), float(f["B"]), float(f["alpha"]),
                      float(f["beta"]), f["source"], int(f["year"]), f["status"])


@lru_cache(maxsize=256)
def dense_spec(n_params: float) -> ModelSpec:
    """A dense decoder of about ``n_params`` parameters: d = aspect × layers, gated MLP 8/3 d.

    Per layer 4d² (attention) + 8d² (MLP) = 12 d², plus 2 V d for untied embeddings; the
    layer count is solved from ``12 r² L³ + 2 V r L = N`` (r the aspect ratio) and rounded.
    """
    if not n_params > 0:
        raise InputError("model size must be > 0")
    r = planning_value("scaling.shape", "aspect_ratio").value
    v = planning_value("scaling.shape", "vocab").value
    lo, hi = 0.01, 1e4
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if 12 * r * r * mid ** 3 + 2 * v * r * mid < n_params:
            lo = mid
        else:
            hi = mid
    layers = max(1, round(lo))
    d = int(r * layers)
    d = max(128, 128 * round(d / 128))
    inter = max(128, 128 * round(8 * d / 3 / 128))
    cfg = {"hidden_size": d, "num_hidden_layers": layers, "num_attention_heads": d // 128,
           "num_key_value_heads": d // 128, "intermediate_size": inter, "vocab_size": int(v),
           "tie_word_embeddings": False, "model_type": "llama"}
    return spec_from_config(cfg, name=f"dense-{n_params / 1e9:.3g}B",
                            source="synthetic dense shape (plan.budget.dense_spec)")


def cost_per_token(spec: ModelSpec, hardware: str, *, chips: int, precision: str,
                   region: str | None, metric: str) -> tuple[float, float, str]:
    """(cost per training token, seconds per token) on the hardware, from estimate_training.

    ``metric`` is ``energy`` (facility J) or ``co2e`` (total gCO2e incl. embodied).
    """
    from wattprint.engine import estimate_training

    ref = 1e9
    fp = estimate_training(spec, hardware, tokens=ref, chips=chips, precision=precision,
                           site=region)
    q = fp["facility_energy"] if metric == "energy" else fp["total_co2e"]
    return q.value / ref, fp["time"].value / ref, q.provenance


def right_size(*, energy_j: float | None = None, co2e_g: float | None = None,
               hardware: str = "h100", chips: int = 1024, precision: str = "bf16",
               region: str | None = None, fit: str = "hoffmann2022",
               demand: Demand | None = None, days: float = 365.0,
               shrink: tuple[float, ...] = (1.0, 0.5, 0.25, 0.125),
               serve_region: str | None = None) -> RightSizePlan:
    """Compute-optimal model size and tokens for an energy or CO2e budget on ``hardware``.

    With ``demand``, also the lifecycle total (training + ``days`` of serving) of smaller
    models trained to the same loss (over-trained, cheaper to serve; cf. Sardana et al. 2023,
    "Beyond Chinchilla-Optimal").
    """
    if (energy_j is None) == (co2e_g is None):
        raise InputError("give exactly one budget: --energy (e.g. 500MWh) or --co2e (e.g. 100t)")
    budget = energy_j if energy_j is not None else co2e_g
    assert budget is not None
    if not math.isfinite(budget) or budget <= 0:
        raise InputError(f"budget must be > 0, got {budget:g}")
    metric = "energy" if energy_j is not None else "co2e"
    sf = get_fit(fit)
    n = 7e9
    eps = 0.0
    history = []
    for _ in range(30):
        spec = dense_spec(n)
        m, _, prov = cost_per_token(spec, hardware, chips=chips, precision=precision,
                                    region=region, metric=metric)
        eps = m / (6.0 * spec.params_total)
        c = budget / eps
        n_new, d_new = sf.optimal(c)
        history.append({"n": n, "cost_per_chinchilla_flop": eps, "flops": c})
        if abs(n_new - n) / n < 1e-3:
            n = n_new
            break
        n = n_new
    n_opt, d_opt = sf.optimal(c)
    if n_opt < 1e6:
        raise UnsupportedError(f"the budget buys only {c:.3g} FLOPs: a compute-optimal model of "
                               f"{n_opt:.3g} parameters, below what the scaling law covers "
                               "(fitted on 70M-16B)")
    spec = dense_spec(n_opt)
    loss = sf.loss(n_opt, d_opt)
    unit = "J" if metric == "energy" else "gCO2e"
    m_opt, s_per_tok, prov = cost_per_token(spec, hardware, chips=chips, precision=precision,
                                            region=region, metric=metric)
    plan = RightSizePlan(
        budget=Quantity(budget, unit, "the user's budget", basis="user"), metric=metric,
        hardware=hardware, chips=chips, precision=precision, region=region, fit=sf, flops=c,
        params=n_opt, tokens=d_opt, predicted_loss=loss, cost_per_chinchilla_flop=eps,
        cost_per_token=Quantity(m_opt, f"{unit}/token", prov),
        seconds_per_token=s_per_tok, model_shape=spec.to_dict(), iterations=history)
    if demand is not None:
        plan.alternatives = _alternatives(sf, n_opt, d_opt, loss, hardware, chips, precision,
                                          region, metric, demand, days, shrink, serve_region)
    return plan


def _alternatives(sf: ScalingFit, n_opt: float, d_opt: float, loss: float, hardware: str,
                  chips: int, precision: str, region: str | None, metric: str, demand: Demand,
                  days: float, shrink: tuple[float, ...], serve_region: str | None
                  ) -> list[dict[str, Any]]:
    from wattprint.plan.serving import plan_inference

    key = "facility_energy_j" if metric == "energy" else "total_co2e_g"
    rows = []
    for k in shrink:
        n = n_opt * k
        d = sf.tokens_for_loss(n, loss) if k != 1.0 else d_opt
        if d is None:
            rows.append({"shrink": k, "params": n, "tokens": None,
                         "note": "cannot reach the same loss at this size"})
            continue
        spec = dense_spec(n)
        m, s_tok, _ = cost_per_token(spec, hardware, chips=chips, precision=precision,
                                     region=region, metric=metric)
        train = m * d
        try:
            best = plan_inference(spec, demand, hardware=hardware, regions=serve_region or
                                  region or "world", top=1, verify=False).ranked[0]
            per_day = best[key]
            conf = (f"{best['replicas']} × {best['chips']} {best['hardware']} "
                    f"{best['precision']} batch {best['batch']}")
        except UnsupportedError as exc:
            per_day, conf = None, f"cannot serve: {exc}"
        rows.append({"shrink": k, "params": n, "tokens": d, "tokens_per_param": d / n,
                     "loss": sf.loss(n, d), "training": train,
                     "training_time_s": s_tok * d, "serving_per_day": per_day,
                     "serving_config": conf,
                     "lifecycle_total": train + per_day * days if per_day is not None
                     else None})
    base: Any = rows[0].get("lifecycle_total")
    for r in rows:
        lt: Any = r.get("lifecycle_total")
        r["vs_compute_optimal_pct"] = ((lt - base) / base * 100
                                       if lt is not None and base else None)
    return rows
