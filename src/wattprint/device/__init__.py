"""Device: time and energy of work on a chip — roofline with compute, memory, overhead and
power-cap regimes, energy per FLOP and per byte, idle floor, and the software stack."""
