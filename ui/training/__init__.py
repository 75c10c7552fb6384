"""The Training tab: its wiring (tab), a run's handlers (run), the visitor's model (model), the time a run takes
(plan), the wait for the one slot (queue), the status line (status)."""
