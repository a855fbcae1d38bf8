"""pyqtgraph views of training snapshots: decision boundary, curves, fitted line, image guesses.

They read Snapshot and Dataset values only (no torch, no trainer), create their plot items once and
update them with setData/setImage, so a view costs the same on epoch 10 and epoch 100,000.
"""
