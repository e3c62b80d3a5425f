"""The demo factory: the Taiyuan Mining Machinery Factory in spring 1956.

plan.py computes it as plain data (the same on every run); build.py writes
it through the apps' services; ``manage.py seed_demo`` runs it.
"""

from factory.demo.build import SeedResult, seed_demo, wipe_demo

__all__ = ["SeedResult", "seed_demo", "wipe_demo"]
