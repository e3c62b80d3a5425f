import pytest
from django.core.exceptions import ImproperlyConfigured

from factory.env import checked_secret_key, env_bool, env_int, env_list

STRONG_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


def test_env_bool_reads_yes_and_no_words():
    assert env_bool("X", False, environ={"X": "yes"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True


def test_env_bool_refuses_a_word_it_does_not_know():
    with pytest.raises(ImproperlyConfigured):
        env_bool("X", False, environ={"X": "maybe"})


def test_env_list_splits_on_commas_and_drops_blanks():
    assert env_list("H", [], environ={"H": "a.example, b.example,,"}) == [
        "a.example",
        "b.example",
    ]
    assert env_list("H", ["localhost"], environ={}) == ["localhost"]


def test_env_int_refuses_words():
    assert env_int("N", 3, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 3, environ={"N": "seven"})


@pytest.mark.parametrize(
    "key", [None, "", "django-insecure-" + "x" * 60, "short", "a" * 60]
)
def test_production_refuses_a_missing_or_weak_secret_key(key):
    with pytest.raises(ImproperlyConfigured):
        checked_secret_key(key, debug=False)


def test_production_accepts_a_strong_key_and_debug_gets_a_default():
    assert checked_secret_key(STRONG_KEY, debug=False) == STRONG_KEY
    assert checked_secret_key(None, debug=True)
