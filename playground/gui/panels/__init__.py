"""Side and top panels of the main window: data, training settings, and the run bar.

Each is a thin binder over the Session: it reads `session.experiment`, listens to
`session.changed`, and sends every edit through `session.edit` so it is undoable.
"""
