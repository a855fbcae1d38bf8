"""`nn-playground calc`: the worked examples by hand, without a window.

    nn-playground calc optimizer --w 1,2 --g -0.5,-1 --lr 0.1 --beta 0.9 --v 0.5,0.1 [--json]
    nn-playground calc optimizer --course-example
    nn-playground calc loss --targets 1,0,1 --predictions 0.9,0.2,0.6 [--logits] [--json]

Vectors are comma-separated (`--g -0.5,-1` works: a leading minus is read as a number here);
matrices put rows between ';' (quote them). Bad input exits 2 with one line naming the option.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from playground.exit_codes import ExitCode

_NUMBERS = re.compile(r"^-[\d.,;eE+\- ]+$")  # "-0.5,-1" is a value, not an option


def _numbers_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p._negative_number_matcher = _NUMBERS  # argparse's own hook for values that start with '-'
    return p


def add_parser(sub: Any) -> None:
    p = sub.add_parser("calc", help="work one optimizer update or one loss through by hand",
                       description="Worked examples: one update of every optimizer, or losses term by term.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    o = _numbers_parser(kinds.add_parser(
        "optimizer", help="one update of every optimizer, and momentum's three conventions",
        description="One update of every optimizer for the weights you give, with each rule's numbers "
                    "substituted, and momentum in PyTorch's, the textbook's and the course's form."))
    o.add_argument("--w", help="weights, e.g. 1,2")
    o.add_argument("--g", help="gradient, one value per weight, e.g. -0.5,-1")
    o.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    o.add_argument("--beta", type=float, default=0.9, help="momentum's β, Adam's β₁ (default 0.9)")
    o.add_argument("--v", help="velocity before the step (momentum buffer); default: the first step")
    o.add_argument("--m", help="Adam's running mean of gradients before the step; default 0")
    o.add_argument("--s", help="squared-gradient sum/average before the step; default 0")
    o.add_argument("--t", type=int, default=0, help="steps already taken (Adam's count); default 0")
    o.add_argument("--beta2", type=float, default=0.999, help="Adam's β₂ (default 0.999)")
    o.add_argument("--alpha", type=float, default=0.99, help="RMSProp's decay (default 0.99)")
    o.add_argument("--eps", type=float, default=1e-8, help="ε (default 1e-8)")
    o.add_argument("--weight-decay", type=float, default=0.01, help="AdamW's decay (default 0.01)")
    o.add_argument("--course-example", action="store_true",
                   help="the course's momentum example: w=(1,2), g=(-0.5,-1), lr 0.1, β 0.9, v=(0.5,0.1)")
    o.add_argument("--json", action="store_true", help="print the results as JSON")
    o.set_defaults(handler=run_optimizer)
    lo = _numbers_parser(kinds.add_parser(
        "loss", help="MSE, MAE, binary and categorical cross-entropy, term by term",
        description="Losses worked through term by term. One value per example gives MSE, MAE and binary "
                    "cross-entropy; rows of class scores (rows between ';') give categorical cross-entropy."))
    lo.add_argument("--targets", required=True,
                    help="e.g. 1,0,1; class indices 0,2; or one-hot rows '1,0;0,1'")
    lo.add_argument("--predictions", required=True, help="e.g. 0.9,0.2,0.6, or rows '0.7,0.3;0.2,0.8'")
    lo.add_argument("--logits", action="store_true",
                    help="predictions are raw scores (logits), not probabilities")
    lo.add_argument("--json", action="store_true", help="print the results as JSON")
    lo.set_defaults(handler=run_loss)


def _inputs(args: argparse.Namespace):
    from playground.core.calculators.numbers import CalcError, parse_vector
    from playground.core.calculators.optimizer_calc import COURSE_EXAMPLE, OptimizerInputs

    if args.course_example:
        return COURSE_EXAMPLE
    for name in ("w", "g"):
        if getattr(args, name) is None:
            raise CalcError(f"--{name} is required (or use --course-example)")

    def vec(name: str):
        text = getattr(args, name)
        return None if text is None else parse_vector(text, f"--{name}")

    x = OptimizerInputs(w=vec("w"), g=vec("g"), lr=args.lr, beta=args.beta, v=vec("v"), m=vec("m"),
                        s=vec("s"), t=args.t, beta2=args.beta2, alpha=args.alpha, eps=args.eps,
                        weight_decay=args.weight_decay)
    try:
        x.check()
    except CalcError as e:
        raise CalcError(f"--{e}") from None  # the message starts with the field: name the option
    return x


def run_optimizer(args: argparse.Namespace) -> int:
    from playground.core.calculators.numbers import vector_text
    from playground.core.calculators.optimizer_calc import all_steps, conventions, notes

    x = _inputs(args)
    steps, forms, said = all_steps(x), conventions(x), notes(x)
    if args.json:
        print(json.dumps({
            "inputs": {k: getattr(x, k) for k in ("w", "g", "lr", "beta", "v", "m", "s", "t", "beta2",
                                                    "alpha", "eps", "weight_decay")},
            "optimizers": [{"name": s.name, "formula": s.formula, "hyper": s.hyper, "new": s.new,
                            "worked": s.worked} for s in steps],
            "momentum_conventions": [{"name": c.convention.key, "formula": c.convention.formula, "new": c.new,
                                      "velocity": c.velocity, "worked": c.lines} for c in forms],
            "notes": said}, indent=2, ensure_ascii=False))
        return ExitCode.OK
    print(f"w = {vector_text(x.w)},  g = {vector_text(x.g)},  lr = {x.lr:g},  β = {x.beta:g}"
          + (f",  v = {vector_text(x.v)}" if x.v is not None else ""))
    for s in steps:
        print(f"\n{s.label}: {s.formula}")
        for lines in s.worked:
            for line in lines:
                print(f"  {line}")
        print(f"  → {vector_text(s.new)}")
    print("\nMomentum, three conventions:")
    for c in forms:
        print(f"  {c.convention.label}: {c.convention.formula}  → {vector_text(c.new)}")
        for line in c.lines:
            print(f"    {line}")
    for note in said:
        print(f"\n{note}")
    return ExitCode.OK


def run_loss(args: argparse.Namespace) -> int:
    from playground.core.calculators.loss_calc import losses

    try:
        results = losses(args.targets, args.predictions, args.logits)
    except ValueError as e:
        from playground.core.calculators.numbers import CalcError

        raise CalcError(f"--{e}") from None
    if args.json:
        rows = [{"name": r.name, "label": r.label, "formula": r.formula, "terms": r.terms, "worked": r.lines,
                 "mean": r.mean} for r in results]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.OK
    for r in results:
        print(f"{r.label}: {r.formula}")
        for line in r.lines:
            print(f"  {line}")
        print(f"  {r.mean_line}\n")
    return ExitCode.OK
