"""The demo seeder: part of the roof, so it may call every app (``manage.py seed_demo``)."""
