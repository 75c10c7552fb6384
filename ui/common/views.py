"""A tab's view: what its events update, each part named by its component's role (a typing.NamedTuple per tab).

A handler builds one with View.of(status=..., table=...); a part it leaves out is gr.skip(), so the page keeps
what it shows. The tab wires its events to list(View(status=status_box, table=table, ...)), the same names."""
import gradio as gr


def view_of(cls, **parts):
    """cls with the parts given by name, every other part gr.skip(); unknown names are a TypeError."""
    if unknown := set(parts) - set(cls._fields):
        raise TypeError(f"{cls.__name__} has no part named {sorted(unknown)}")
    return cls(*(parts[name] if name in parts else gr.skip() for name in cls._fields))
