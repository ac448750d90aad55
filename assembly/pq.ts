// Placeholder: filled in by the pq kernels.
