"""The gate: Schemathesis property tests of each API plus the contract rules, as a pytest plugin."""
