"""Shop pages: goods for villagers; catalogue, stock, redemptions, settlement and household cards for staff."""

from fastapi import APIRouter

router = APIRouter()
