"""The Lessons tab's code: one runnable script per section of the tutorial notes, in the notes' order."""
