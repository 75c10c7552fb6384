"""The Builder's layer lists: layer types, the one shape walker with its limits, fixes, and code."""
