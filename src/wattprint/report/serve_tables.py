"""Text rendering of ``wattprint serve-meter``: one table per measured window."""

from __future__ import annotations

from typing import Any

from wattprint.units import plural


def _row_text(r: dict[str, Any]) -> list[str]:
    from wattprint.units import fmt

    def f(x: float | None, d: str = "") -> str:
        return "—" if x is None else (format(x, d) if d else fmt(x))

    p = r["predicted"] or {}
    pred_tok = (f"{fmt(p['j_per_output_token'])} ({fmt(p['j_per_output_token_low'])}–"
                f"{fmt(p['j_per_output_token_high'])})") if p else (r["prediction_note"] or "—")
    return [str(r["interval"]), f(r["window_s"], ".1f"), f(r["energy_j"]),
            f(r["output_tokens"], ".0f"), f(r["requests"], ".0f"),
            f(r["output_tokens_per_s"]), f(r["j_per_output_token"]), f(r["j_per_request"]),
            pred_tok, f(p.get("j_per_request")) if p else "—"]


COLUMNS = ["#", "window s", "energy J", "out tokens", "requests", "tok/s", "J/token",
         "J/request", "predicted J/token (range)", "predicted J/request"]


def serve_window_table(r: dict[str, Any]) -> Any:
    """A Rich table of one serve-meter window (measured and predicted J/token, J/request)."""
    from rich.table import Table

    t = Table(title=f"serve-meter window {r['interval']} (energy: {r['energy_scope']}"
              + (f"; {plural(r['counter_resets'], 'counter reset')}" if r["counter_resets"] else "")
              + ")")
    for c in COLUMNS:
        t.add_column(c, justify="right")
    t.add_row(*_row_text(r))
    return t
