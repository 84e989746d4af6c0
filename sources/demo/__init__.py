"""Demo registers: four ministry registers about one seeded population, with an answer key.

`generate_demo_registers(out_dir, businesses, seed)` is the entry point (`ubr demo-data`).
See docs/demo-data.md for the formats, the noise and the answer key.
"""

from sources.demo.generate import DemoSummary, generate_demo_registers

__all__ = ["DemoSummary", "generate_demo_registers"]
