"""Pages at the counter: the villager's pay code (积分码) and the attendant's 收银台."""

from fastapi import APIRouter

router = APIRouter()
