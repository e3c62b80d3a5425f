import os

# pytest-playwright runs an event loop in the test thread; Django's ORM calls
# from the same thread (live_server fixtures, test data) are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
