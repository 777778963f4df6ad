"""Offline evaluation: reads answers in the public JSON contract, never internals."""
