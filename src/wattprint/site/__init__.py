"""The site around the chip: host share, data centre (PUE, WUE), grid (carbon, water, price),
and embodied carbon. Formulas are small functions on floats or numpy arrays."""
