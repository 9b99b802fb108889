"""Measure the energy of Python blocks and commands: ``Meter``, ``Measurement``, backends.

See docs/meter.md. Importing this package does no work: no library is loaded and no
device is probed until a meter starts.
"""

from wattprint.meter.backends import detect_backends
from wattprint.meter.measurement import DeviceEnergy, Measurement
from wattprint.meter.meter import Meter, Window

__all__ = ["DeviceEnergy", "Measurement", "Meter", "Window", "detect_backends"]
