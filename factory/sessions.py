"""Sessions read from the shared cache and written through to the database
(Django's cached_db), with the auth generation read in the same round trip.

Every logged-in page reads its session, then checks the user's role against
the auth generation (factory.role_cache): two reads of the shared cache where
one will do. Here the session's read brings the generation too, and the
roles this process has read are kept beside it, so a page whose user's role
is known costs one round trip to Redis, as a page without a role does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS

from factory import role_cache


class SessionStore(cached_db.SessionStore):
    def load(self):
        generation_here = settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
        keys = [self.cache_key]
        if generation_here:
            keys.append(role_cache.GENERATION_KEY)
        try:
            found = self._cache.get_many(keys)
        except Exception:
            # As Django's: a backend that refuses the key resets the session
            # (#17810); the role then reads the generation itself.
            found = {}
        if generation_here:
            role_cache.read_with_session(found.get(role_cache.GENERATION_KEY))
        data = found.get(self.cache_key)
        if data is None:
            stored = self._get_session_from_db()
            if stored:
                data = self.decode(stored.session_data)
                self._cache.set(
                    self.cache_key,
                    data,
                    self.get_expiry_age(expiry=stored.expire_date),
                )
            else:
                data = {}
        return data
