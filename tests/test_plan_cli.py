"""The planner's CLI: JSON contract, tables, and one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest

from wattprint.cli.main import run


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.mark.parametrize("args,key", [
    (["plan", "infer", "-m", "llama-3.2-1b", "--demand", "5rps", "--hardware", "h100,l4",
      "--region", "aws-us-east-1,aws-eu-north-1", "--ttft", "1s"], "ranked"),
    (["plan", "train", "-m", "llama-3.2-1b", "--tokens", "100B", "--hardware", "h100",
      "--chips", "8,64", "--deadline", "30days"], "ranked"),
    (["plan", "regions", "--energy", "10MWh", "--region", "aws-us-east-1,aws-eu-north-1"],
     "verdict"),
    (["plan", "regions", "-m", "llama-3.2-1b", "-H", "h100", "--tokens", "10B"], "verdict"),
    (["plan", "when", "--region", "us-ca", "--duration", "4h", "--energy", "2MWh"],
     "best_hour"),
    (["plan", "edge", "-m", "llama-3.2-1b", "--device", "apple-a17-pro-ane"], "verdict"),
    (["plan", "budget", "--energy", "50MWh", "--chips", "64"], "params"),
    (["lifecycle", "-m", "llama-3.2-1b", "--training-tokens", "100B", "--demand",
      "1e5 requests/day", "--days", "30", "--hardware", "h100", "--train-chips", "64"],
     "rows"),
])
def test_json(args, key, capsys):
    code, out, err = cli([*args, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert key in d


def test_tables(capsys):
    code, out, err = cli(["plan", "infer", "-m", "llama-3.2-1b", "--demand", "5rps",
                          "--hardware", "h100", "--region", "aws-us-east-1", "--top", "2"],
                         capsys)
    assert code == 0, err
    assert "why" in out and "Pareto frontier" in out and "Provenance" in out


@pytest.mark.parametrize("args,msg", [
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "-5rps"], "demand must be > 0"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "20rps", "--hardware", "h100",
      "--budget", "1kWh/day"], "emptied the set"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "5rps", "--hardware", "a100",
      "--precision", "fp8"], "no fp8"),
    (["plan", "train", "-m", "llama-3.1-8b", "--tokens", "15T", "--hardware", "h100",
      "--deadline", "1day", "--budget", "1MWh"], "emptied the set"),
    (["plan", "train", "-m", "llama-3.1-8b", "--tokens", "15T", "--budget", "1MWh/day"],
     "total for the run"),
    (["plan", "budget", "--energy", "5MWh", "--co2e", "1t"], "exactly one budget"),
    (["plan", "when", "--region", "us-ca", "--profile-csv", "x.csv", "--duration", "1h",
      "--energy", "1kWh"], "not both"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "5rps", "--latency-slo", "ttft=-1s"],
     "must be > 0"),
    (["lifecycle", "-m", "llama-3.1-8b", "--training-tokens", "1T", "--demand", "1rps",
      "--days", "-3"], "days"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "50rpm"],
     "demand: cannot read '50rpm': a rate is N rps"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "0rps"], "demand must be > 0, got 0"),
    (["plan", "infer", "-m", "llama-3.1-8b", "--demand", "1e30rps"],
     "request rate: 1e+30 is beyond the supported range"),
    (["lifecycle", "-m", "llama-3.1-8b", "--training-tokens", "1T", "--demand", "1e30/day"],
     "request rate"),
])
def test_errors_exit_2_one_line(args, msg, capsys):
    code, out, err = cli(args, capsys)
    assert code == 2
    assert msg in err
    assert err.count("\n") == 1
