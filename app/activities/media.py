"""What the activity pages and API both answer with: the address a check-in QR holds, a published photo."""

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.activities import service
from app.config import Settings
from app.org.access import Actor


def checkin_url(request: Request, settings: Settings, token: str) -> str:
    """The address the organiser's QR holds (/a/<code>: signed out, it signs in and comes back), https when this
    server has TLS, as a shop poster's."""
    base = str(request.base_url).rstrip("/")
    if settings.cookie_secure or request.url.scheme == "https":
        base = "https://" + base.split("://", 1)[1]
    return f"{base}/a/{token}"


def photo_response(session: Session, actor: Actor, activity_id: int, photo_id: int) -> Response:
    """A photo of an activity, for anyone who sees the activity."""
    activity = service.visible_activity(session, actor, activity_id)
    photo = service.activity_photo(session, activity=activity, photo_id=photo_id)
    return Response(photo.data, media_type=photo.content_type, headers={"Cache-Control": "private, max-age=86400"})
