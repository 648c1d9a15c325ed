"""Deciding and telling: change detection, alerts, scheduling and the command line."""
