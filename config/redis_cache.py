"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache operation,
and each one builds redis-py's table of a few hundred reply handlers: about a tenth of a
millisecond per operation, as much as the round trip to Redis on loopback. A page served
from the cache makes two operations. A client is safe to share (its connections come from
the pool, one per command), and Django keeps one backend per thread anyway.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # connection pool's id → its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
