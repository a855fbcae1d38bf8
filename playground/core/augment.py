"""Data augmentation for image sets: random shifts, small rotations and Gaussian noise, per batch.

`augment(batch, spec, generator)` is applied to each training batch (never to evaluation), drawing
from the run's seeded generator, so a run stays reproducible. The spec is the experiment's
`data.augment` section: `shift` (largest shift in pixels, each direction), `rotate` (largest
rotation in degrees, either way), `noise` (std of the Gaussian noise added to pixels in [0, 1]).
Shifts and rotations are one affine resampling (torch's `affine_grid` + `grid_sample`, bilinear,
zeros outside: the background of the digits); whole-pixel shifts land on pixel centres and so move
the image exactly. torchvision is not needed.

The numpy fast engine trains on fixed inputs, so an augmented run stays on torch (`fast_reason`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch.nn import functional as F

from playground.core.errors import SpecError
from playground.core.params import Param, validate_params

AUGMENT_PARAMS = (
    Param("shift", int, 0, "Largest random shift in pixels, drawn per image in each direction.",
          minimum=0, maximum=8, label="shift (pixels)"),
    Param("rotate", float, 0.0, "Largest random rotation in degrees, either way.",
          minimum=0, maximum=45, label="rotate (degrees)"),
    Param("noise", float, 0.0, "Standard deviation of the Gaussian noise added to each pixel (pixels run "
          "from 0 to 1; the result is clipped to that range).", minimum=0, maximum=1, label="noise (std)"),
)


def active(spec: Mapping[str, Any]) -> bool:
    """Whether `spec` changes anything (all zeros, or empty, is off)."""
    return any(spec.get(p.name, 0) for p in AUGMENT_PARAMS)


def check_augment(values: Any, path: str, image_data: bool) -> dict[str, Any]:
    """The validated `data.augment` section: complete when on, {} when off (so an experiment without
    augmentation is the same value however it was written). Only image data sets take it."""
    spec = validate_params(AUGMENT_PARAMS, values, path)
    if not active(spec):
        return {}
    if not image_data:
        raise SpecError(path, "augmentation (shift, rotate, noise) applies to image data sets only; "
                        "remove it or pick digits or MNIST", dict(values))
    return spec


def fast_reason(spec: Mapping[str, Any]) -> str | None:
    """Why an augmented run cannot use the fast engine (None when augmentation is off)."""
    return "data augmentation changes every batch (the fast engine trains on fixed inputs)" if active(spec) \
        else None


def augment(batch: torch.Tensor, spec: Mapping[str, Any], generator: torch.Generator) -> torch.Tensor:
    """A randomly shifted, rotated and noisy copy of an image batch (n, c, h, w); `batch` itself when
    augmentation is off or the batch is not images. Draws only what the spec uses."""
    if not active(spec) or batch.ndim != 4:
        return batch
    n, _, h, w = batch.shape
    x = batch
    shift, rotate = int(spec.get("shift", 0)), float(spec.get("rotate", 0.0))
    if shift or rotate:
        angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotate)
        offset = torch.randint(-shift, shift + 1, (n, 2), generator=generator).to(batch.dtype)
        cos, sin = torch.cos(angle).to(batch.dtype), torch.sin(angle).to(batch.dtype)
        theta = torch.zeros(n, 2, 3, dtype=batch.dtype)
        theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = cos, -sin, sin, cos
        theta[:, 0, 2] = -2 * offset[:, 0] / w  # where each output pixel reads from: a shift right by dx
        theta[:, 1, 2] = -2 * offset[:, 1] / h  # reads dx pixels to its left (grid units: 2 per side)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    noise = float(spec.get("noise", 0.0))
    if noise:
        x = (x + noise * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp(0.0, 1.0)
    return x
