"""A float32 numpy twin of small dense torch models: the trainer's fast path.

Why: a TensorFlow-Playground-sized network (2-4-2-1, batch 10) does a few hundred floating-point
operations per step, but every torch operation costs microseconds of dispatch, autograd and
optimizer bookkeeping, so a torch step costs ~1 ms. The same arithmetic as a fixed sequence of
in-place numpy calls on preallocated buffers costs a small fraction of that: per batch size the
twin compiles a `_Program`, the list of numpy calls of one whole step (forward, loss gradient,
backward, penalties, optimizer update over all parameters at once), and a step runs that list.

The twin computes what torch computes: torch's formulas in torch's operation order, float32
throughout, scalars cast to float32 as torch's kernels cast them. Results may still differ in the
last bit where BLAS (MKL vs OpenBLAS) or a transcendental function rounds differently; that noise
stays at rounding level except where float32 training is itself chaotic (a deep ReLU net leaving
a plateau), where torch against torch with one weight moved by one ulp diverges just as much.

Only what can be matched is taken (`ineligible_reason` says why not): Dense/Activation blocks with
elementwise activations, the output head, a leading Flatten and Dropout(0); the registered losses;
SGD (momentum, Nesterov), AdaGrad, RMSProp (momentum), Adam and AdamW in their registered forms;
the trainer's L1/L2 penalties and gradient-norm clipping. Anything else trains on torch.

The optimizer's update and the loss with its gradient are not written here: the twin finds them on
the registry entries (`optimizers.twin_update`, `losses.twin_loss`: `core.update_rules`,
`core.loss_rules`), found once by the torch class at construction, so a step runs prebuilt calls
with no lookup. The twin owns the flat buffers, the layers' forward and backward, and the hand-over.

Which copy is authoritative (the one rule):

* **Weights have a single storage.** The twin moves every parameter of the torch model into one
  flat float32 buffer and re-points ``p.data`` at views of it; the numpy arrays it computes with
  are views of the same buffer. A numpy step, a torch optimizer step, ``set_parameter``,
  ``load_state_dict`` (early stopping) and every probe read or write the same numbers, so weights
  are never copied in either direction and the torch model is current at every snapshot.
* **Gradients** of a fast step live in the twin's own flat buffer (``p.grad`` belongs to torch
  steps); the trainer reports the norms of whichever did the last step.
* **Optimizer state** (momentum buffers, running averages, step count) belongs to whichever side
  did the last step. The run (`run.stepper.Steppers`) hands it over only when it switches sides:
  `push_state` writes the twin's state into ``optimizer.state`` in torch's own format before a torch
  step (a watched, explained step uses torch's optimizer), `pull_state` reads it back before the
  next fast step.
* **Hyper-parameters** come from ``optimizer.param_groups``: the learning rate on every step (live
  changes and schedules), the others when the state is pulled.
"""

from playground.core.fastnet.eligibility import ineligible_reason
from playground.core.fastnet.twin import FastNet

__all__ = ["FastNet", "ineligible_reason"]
