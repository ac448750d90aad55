// Placeholder: filled in by the kmeans kernels.
