"""Shared by every tab: the session registry, the language, the one input standard, the dataset, temporary files, and
the one module that reaches past Gradio's public API."""
