"""Goods photos (public: they show products, nothing personal), cached by the browser."""

from fastapi import APIRouter, Response

from app.deps import SessionDep
from app.ids import Id
from app.shop.catalogue.service import goods_image

public = APIRouter(include_in_schema=False)


@public.get("/media/goods/{image_id}.jpg")
def goods_photo(image_id: Id, session: SessionDep) -> Response:
    image = goods_image(session, image_id=image_id)
    return Response(image.data, media_type=image.content_type,
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
