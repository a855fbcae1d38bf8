"""Inside the network: live neuron maps, weights and conv feature maps (TensorFlow Playground's middle).

`NetworkView` for vector layers on point, line and table data, `ConvView` for image data, and
`InsidePanel`, which picks one for the session's data and binds it to the training controller.
"""
