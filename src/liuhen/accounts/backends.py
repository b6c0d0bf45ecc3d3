"""Signing in and the signed-in user of each request: Django's model backend, with the user's unit and agency read
in the same query (every page's header names the unit; the permission checks read the agency)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from liuhen.accounts.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("unit", "agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
