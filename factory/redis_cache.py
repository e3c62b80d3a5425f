"""Django's Redis cache, with one Redis client per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` object for every cache
operation, and redis-py's constructor fills a table of some 170 response
callbacks each time: about a tenth of a millisecond per operation, several per
request (the session, the user's role, the cached page). A ``redis.Redis`` is
safe to share between threads (it takes a connection from its pool for each
command), so one per pool will do.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
