"""A synthetic freelance market in the import format: for the demo, the benchmarks and the
tests. Production scoring never imports it; it imports production scoring's events."""
