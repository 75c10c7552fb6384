"""The Layer explorer tab: its settings (inputs), its components (layout), its picture frames (pictures), and its
handlers and wiring (tab)."""
