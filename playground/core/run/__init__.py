"""One training run, made of parts: the loop (`loop.TrainingRun`), who steps (`stepper`), who
measures (`evaluator`), what may end it after an epoch (`callbacks`), what it reports
(`snapshot_builder`), how it takes pause/resume/step/stop (`control`) and the states it can be in
(`state`).

Import from the modules themselves: this package's face stays empty so that `state`, a leaf the
snapshot module needs, can be imported without pulling in the loop (and with it the snapshot).
"""
