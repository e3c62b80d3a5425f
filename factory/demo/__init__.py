"""The demo factory: the Taiyuan Mining Machinery Factory in spring 1956.

plan.py computes it as plain data, the same on every run and without Django;
experiences.py adds, from it, the advanced experiences at work;
build.py writes it through the apps' services (seed_demo, wipe_demo), the
experiences through build_experiences.py;
``manage.py seed_demo`` runs it.
"""
