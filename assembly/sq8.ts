// Placeholder: filled in by the sq8 kernels.
