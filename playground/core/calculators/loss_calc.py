"""Losses worked through term by term: MSE, MAE, binary and categorical cross-entropy.

Each example's term comes from the loss registry's `per_example` (`core.losses`), so the numbers
are the ones the trainer's loss gives (the tests hold them to torch's losses); this module only
reads the learner's numbers, picks the losses that fit their shape, and writes the lines.
Binary cross-entropy on probabilities is the registry's logit form fed z = log(p / (1 − p)),
which is the same number; probabilities are clipped to [1e-7, 1 − 1e-7] first, as Keras does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from playground.core.calculators.numbers import CalcError, parse_matrix, vector_text
from playground.core.losses import LOSSES, PROBABILITY_EPS

SUM_TOLERANCE = 1e-3  # how far a typed row of probabilities may be from summing to 1


@dataclass(frozen=True)
class LossResult:
    """One loss worked through: its rule, one line per example, the mean."""

    name: str  # registry entry the terms come from
    label: str
    formula: str
    lines: tuple[str, ...]
    terms: tuple[float, ...]
    mean: float

    @property
    def mean_line(self) -> str:
        total = " + ".join(f"{t:.6g}" for t in self.terms)
        return f"L = ({total}) / {len(self.terms)} = {self.mean:.6g}"


def _result(name: str, label: str, formula: str, lines: list[str], terms: np.ndarray) -> LossResult:
    return LossResult(name, label, formula, tuple(lines), tuple(float(t) for t in terms), float(terms.mean()))


def _labels(y: np.ndarray, k: int) -> np.ndarray:
    """Class indices from targets typed as indices (one per example) or as one-hot rows."""
    if y.shape[1] == 1:
        if np.any(y[:, 0] != np.round(y[:, 0])) or y.min() < 0 or y.max() >= k:
            raise CalcError(f"targets: class indices must be whole numbers from 0 to {k - 1}, got "
                            f"{vector_text(y[:, 0])}")
        return y[:, 0].astype(np.int64)
    if y.shape[1] != k or np.any((y != 0) & (y != 1)) or np.any(y.sum(axis=1) != 1):
        raise CalcError(f"targets: give one class index per example or one-hot rows of {k} values "
                        "(a single 1, the rest 0)")
    return y.argmax(axis=1)


def _regression(y: np.ndarray, p: np.ndarray) -> list[LossResult]:
    out = []
    for name, shape in (("mse", "({p:.6g} − {y:.6g})² = {t:.6g}"), ("mae", "|{p:.6g} − {y:.6g}| = {t:.6g}")):
        entry = LOSSES[name]
        terms = entry.per_example(p, y)
        lines = [shape.format(p=a, y=b, t=t) for a, b, t in zip(p[:, 0], y[:, 0], terms, strict=True)]
        out.append(_result(name, entry.label, entry.formula, lines, terms))
    return out


def _binary(y: np.ndarray, p: np.ndarray, logits: bool) -> LossResult:
    entry = LOSSES["binary_cross_entropy"]
    if np.any((y < 0) | (y > 1)):
        raise CalcError("targets: binary cross-entropy needs targets from 0 to 1, got "
                        f"{vector_text(y[:, 0])}")
    if logits:
        z = p
        prob = torch.sigmoid(torch.as_tensor(z)).numpy()
        formula = entry.formula
    else:
        prob = np.clip(p, PROBABILITY_EPS, 1 - PROBABILITY_EPS)
        z = np.log(prob) - np.log1p(-prob)
        formula = "L = mean(−y·log p − (1 − y)·log(1 − p)),  p clipped to [1e-7, 1 − 1e-7]"
    terms = entry.per_example(z, y)
    lines = []
    for zi, pi, yi, t in zip(z[:, 0], prob[:, 0], y[:, 0], terms, strict=True):
        head = f"σ({zi:.6g}) = {pi:.6g};  " if logits else ""
        lines.append(f"{head}−{yi:.6g}·log {pi:.6g} − (1 − {yi:.6g})·log(1 − {pi:.6g}) = {t:.6g}")
    label = entry.label + (" (on logits)" if logits else " (on probabilities)")
    return _result(entry.name, label, formula, lines, terms)


def _categorical(y: np.ndarray, p: np.ndarray, logits: bool) -> LossResult:
    k = p.shape[1]
    labels = _labels(y, k)
    if logits:
        entry = LOSSES["cross_entropy"]
        probs = torch.softmax(torch.as_tensor(p), dim=1).numpy()
    else:
        entry = LOSSES["cross_entropy_probs"]
        if np.any((p < 0) | (p > 1)):
            raise CalcError("predictions: probabilities must lie from 0 to 1 "
                            "(raw scores are logits: choose logits)")
        sums = p.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > SUM_TOLERANCE)
        if len(bad):
            raise CalcError(f"predictions: row {bad[0] + 1} sums to {sums[bad[0]]:.6g}, not 1: a row holds "
                            "the probabilities of all classes (raw scores are logits: choose logits)")
        probs = p
    terms = entry.per_example(p, labels)
    lines = []
    for row, c, t in zip(probs, labels, terms, strict=True):
        head = f"softmax(z) = {vector_text(row)};  " if logits else ""
        lines.append(f"{head}class {c}: −log {np.exp(-t):.6g} = {t:.6g}")
    return _result(entry.name, entry.label, entry.formula, lines, terms)


def losses(targets: str, predictions: str, logits: bool = False) -> list[LossResult]:
    """Every loss that fits the typed numbers, worked through. One value per example: MSE, MAE and
    binary cross-entropy (with `logits`, binary cross-entropy on logits only). Rows of k ≥ 2 values
    per example: categorical cross-entropy, with targets as class indices or one-hot rows."""
    p = np.asarray(parse_matrix(predictions, "predictions"), dtype=np.float64)
    y = np.asarray(parse_matrix(targets, "targets"), dtype=np.float64)
    if p.shape[0] == 1 and y.shape[0] == 1 and y.shape[1] > 1:  # one row of each: one value per example
        p, y = p.T, y.T
    elif y.shape[0] == 1 and (len(p) > 1 or p.shape[1] == 1):  # targets typed in one row
        y = y.T
    if len(y) != len(p):
        raise CalcError(f"targets has {len(y)} example(s) but predictions has {len(p)}: give one target per "
                        "prediction")
    if p.shape[1] >= 2:
        return [_categorical(y, p, logits)]
    if y.shape[1] != 1:
        raise CalcError("targets: give one value per example when predictions have one value per example")
    if logits:
        return [_binary(y, p, logits=True)]
    out = _regression(y, p)
    if np.all((p >= 0) & (p <= 1)) and np.all((y >= 0) & (y <= 1)):
        out.append(_binary(y, p, logits=False))
    return out
