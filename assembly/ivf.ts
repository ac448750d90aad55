// Placeholder: filled in by the ivf kernels.
