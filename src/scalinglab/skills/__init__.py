"""Benchmark-level laws: Sloth skills, observational scaling, and the Densing law."""
