"""Gradio: one module per tab (components, handlers, wiring), plus the shared checks and the dataset they read."""
