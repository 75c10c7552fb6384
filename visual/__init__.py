"""Tensors to pictures and figures: numpy images, inline PNGs and plotly JSON; no gradio."""
