"""Goods photos (public: they show products, nothing personal), cached by the browser."""

from fastapi import APIRouter, Response

from app.deps import SessionDep
from app.ids import Id
from app.shop.catalogue.service import goods_image, goods_thumbnail

public = APIRouter(include_in_schema=False)
YEAR = {"Cache-Control": "public, max-age=31536000, immutable"}


@public.get("/media/goods/{image_id}.jpg")
def goods_photo(image_id: Id, session: SessionDep) -> Response:
    image = goods_image(session, image_id=image_id)
    return Response(image.data, media_type=image.content_type, headers=YEAR)


@public.get("/media/goods/{image_id}/{width}.jpg")
def goods_photo_thumbnail(image_id: Id, width: Id, session: SessionDep) -> Response:
    """The photo at most `width` pixels across, for goods lists (the widths are catalogue.service.THUMB_WIDTHS)."""
    return Response(goods_thumbnail(session, image_id=image_id, width=width), media_type="image/jpeg", headers=YEAR)
