// Placeholder: filled in by the annoy kernels.
