"""Calibration: device micro-benchmarks, stack fits to measured workloads, extrapolation.

* :mod:`.microbench`: CPU (numpy) and GPU (PyTorch, imported lazily) benchmarks under the
  meter, within a time budget;
* :mod:`.device_profile`: benchmark results → a device profile;
* :mod:`.measurements`: the measured-workload JSON-lines format (and ledger rows);
* :mod:`.fit`: least-squares fit of the stack's overheads, efficiency and energy scale, with
  leave-one-out errors and parameter ranges;
* :mod:`.extrapolate`: the first steps of a ledger run → the whole run, with a range;
* :mod:`.plot`: the roofline picture (plotly HTML or a dependency-free SVG).

See docs/calibration.md. Importing this package loads none of them.
"""
