"""Worked examples by hand: one optimizer update and one loss, each with its numbers substituted.

The calculators take what a learner types (vectors as text, a few scalars), look every rule up on
its registry entry (`core.optimizers`, `core.losses`) and return plain values that the app's
calculator dialog and `nn-playground calc` both print. No formula is written here twice.
"""
