"""A ledger anyone can check (issue #21 item 5), signed out: the posted monthly roots and the proofs as JSON, and the
page `/verify` that checks a receipt's line against them in the browser. Nothing here names a household: a proof is
hashes, a root is a month's count and hashes; the line's own facts travel in the address's fragment, which the
browser never sends. Rate-limited per address (PUBLIC_PAGES_PER_MINUTE), as 积分公示 for everyone."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PublicTriesDep, ReadSessionDep, client_address, read_claims
from app.errors import RateLimited
from app.htmx import PERSONAL, render
from app.ids import Id
from app.ledger import chain
from app.ledger.chain_models import ProofPublic, RootPublic
from app.org.models import User
from app.timeutil import checked_month

public = APIRouter(tags=["ledger check"])
CACHE = "public, max-age=300"  # a posted root and a posted month's proofs never change


def _throttle(request: Request, tries) -> None:
    wait = tries.hit(client_address(request))
    if wait is not None:
        raise RateLimited("访问太频繁，请稍后再试", retry_after=wait)


@public.get("/api/v1/public/ledger/books/{book_id}/roots")
def roots(book_id: Id, request: Request, response: Response, session: ReadSessionDep, tries: PublicTriesDep
          ) -> dict[str, list[RootPublic] | None]:
    """A village's posted months, newest first (the last 24)."""
    _throttle(request, tries)
    response.headers["Cache-Control"] = CACHE
    return {"items": chain.roots_public(session, book_id=book_id), "next_cursor": None}


@public.get("/api/v1/public/ledger/books/{book_id}/roots/{month}", response_model=RootPublic)
def root(book_id: Id, month: str, request: Request, response: Response, session: ReadSessionDep,
         tries: PublicTriesDep) -> RootPublic:
    """A village's month as posted; 404 `not_found` while it is not (this month, or before the month's close)."""
    _throttle(request, tries)
    found = chain.root_public(session, book_id=book_id, month=checked_month(month))
    response.headers["Cache-Control"] = CACHE
    return found


@public.get("/api/v1/public/ledger/books/{book_id}/proofs/{seq}", response_model=ProofPublic)
def proof(book_id: Id, seq: Id, request: Request, response: Response, session: ReadSessionDep,
          tries: PublicTriesDep) -> ProofPublic:
    """The path from entry No. `seq` of the book to its month's posted root (`posted: false` while the month is
    open; not cached then, as the month will close)."""
    _throttle(request, tries)
    found = chain.proof_public(session, book_id=book_id, seq=seq)
    response.headers["Cache-Control"] = CACHE if found.posted else "no-cache"
    return found


@public.get("/verify", include_in_schema=False)
def verify_page(request: Request, session: ReadSessionDep) -> Response:
    """The checking page: everything it checks is in the fragment and done by static/verify.js. A signed-in reader
    in 长辈模式 gets it large, as every page they reach (no name, no tab bar: it stays a page for everyone)."""
    elder = _elder_reader(request, session)
    response = render(request, "ledger/verify.html", {"actor": None, "csrf_token": "", "elder": elder})
    response.headers["Cache-Control"] = PERSONAL if elder else "public, max-age=3600"
    response.headers["Vary"] = "Cookie, HX-Request"
    return response


def _elder_reader(request: Request, session) -> bool:
    claims, _ = read_claims(request)
    if claims is None:
        return False
    user = session.get(User, claims.user_id)
    return bool(user and user.active and user.token_version == claims.token_version and user.elder_mode)
