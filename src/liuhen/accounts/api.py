from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuhen.accounts.models import User
from liuhen.accounts.services import revoke_token
from liuhen.core.permissions import Action
from liuhen.web.permissions import needs

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    agency: str | None
    unit: str | None


@router.get("/me", response=MeOut, summary="当前用户")
@needs(Action.SELF)
def me(request: HttpRequest) -> MeOut:
    user: User = request.user  # type: ignore[assignment]
    return MeOut(
        username=user.username,
        full_name=user.display_name,
        role=user.role,
        role_label=user.get_role_display(),
        agency=user.agency.name if user.agency else None,
        unit=user.unit.name if user.unit else None,
    )


@router.delete("/tokens/{token_id}", response={204: None}, summary="吊销 API 令牌")
@needs(Action.SELF)
def delete_token(request: HttpRequest, token_id: int) -> Status[None]:
    revoke_token(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    return Status(204, None)
