"""Django's Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new `redis.Redis` for every cache call, and redis-py
fills each new one with its table of response callbacks: on a page served from
the cache that cost more than the round trip to Redis. A `redis.Redis` is safe to
share between threads (each command borrows a connection from the pool, which
also notices a fork), so one per pool is enough.
"""

from django.core.cache.backends import redis


class SharedClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
