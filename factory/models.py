"""Factory-level models (published monthly snapshots live here)."""
