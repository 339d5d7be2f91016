"""Tenant isolation: for every route that touches village data, another village's user gets 403/404,
while the same request from the village's own official goes through."""


import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import select

from app.db import session_for
from app.org.models import Household, OrgUnit, Role, RoleAssignment, User
from app.shop.catalogue.models import Goods
from app.shop.catalogue.service import create_shop
from app.shop.models import Shop
from app.timeutil import utcnow
from tests.activities.conftest import ISOLATION_CASES as ACTIVITY_CASES
from tests.activities.conftest import ISOLATION_SELF_ONLY as ACTIVITY_SELF_ONLY
from tests.activities.conftest import isolation_ids as activity_ids
from tests.assist.isolation import ASSIST_CASES, ASSIST_SELF_ONLY, assist_world
from tests.ceremonies.isolation import CEREMONIES_CASES, CEREMONIES_SELF_ONLY, ceremonies_world
from tests.claims.isolation import CLAIMS_CASES, CLAIMS_SELF_ONLY, claims_world
from tests.compact.isolation import COMPACT_CASES, COMPACT_SELF_ONLY, compact_world
from tests.conftest import (
    DEMO_HASH,
    BuiltWorld,
)
from tests.councils.isolation import COUNCILS_CASES, COUNCILS_SELF_ONLY, councils_world
from tests.evaluation.isolation import evaluation_world
from tests.inbox.isolation import INBOX_CASES, INBOX_SELF_ONLY, inbox_ids
from tests.org.test_roster_api import XLSX, workbook_bytes
from tests.shop.test_goods_api import jpeg_bytes as _jpeg
from tests.volunteer.conftest import ISOLATION_CASES, ISOLATION_SELF_ONLY, isolation_ids

# Routes that hold no village data of anyone else.
SELF_ONLY = {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/health"), ("GET", "/api/v1/me"),
             ("POST", "/api/v1/auth/logout"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
             ("POST", "/api/v1/auth/logout-all"), ("POST", "/logout-all"), ("POST", "/api/v1/me/password"),
             ("GET", "/password"), ("POST", "/password"),
             ("PUT", "/api/v1/me/elder-mode"), ("POST", "/me/elder-mode"),  # 长辈模式: the caller's own choice
             ("GET", "/"), ("GET", "/me"), ("GET", "/points"), ("GET", "/admin/households/new"),
             ("GET", "/manifest.webmanifest"), ("GET", "/sw.js"), ("GET", "/offline"), ("GET", "/favicon.ico"),
             ("GET", "/docs"), ("GET", "/evaluation/home-card"),
             # Prometheus' figures: no village's data, behind their own token (tests/test_observe.py).
             ("GET", "/metrics"),
             ("GET", "/api/v1/me/pay-code"), ("GET", "/api/v1/me/redemptions"),
             ("GET", "/pay"), ("GET", "/pay/code"), ("GET", "/pay/receipts"),
             ("GET", "/docs"),
             ("GET", "/api/v1/me/pay-code"), ("GET", "/api/v1/me/redemptions"), ("GET", "/api/v1/me/confirmations"),
             ("GET", "/pay"), ("GET", "/pay/code"), ("GET", "/pay/receipts"), ("GET", "/pay/wait"),
             ("GET", "/api/v1/me/requests"), ("GET", "/my/requests"), ("GET", "/scan"),
             # 离线码: the member's own batch, list and 挂失 (one code by id: a case below).
             ("POST", "/api/v1/me/offline-codes"), ("GET", "/api/v1/me/offline-codes"),
             ("DELETE", "/api/v1/me/offline-codes"), ("POST", "/pay/offline-codes/revoke"),
             # A shop poster's address: only a redirect (to sign in, or to the shop's page, which checks the village).
             ("GET", "/s/{shop_id}"),
             # Product photos are public by design (nothing personal; cached by browsers).
             ("GET", "/media/goods/{image_id}.jpg"),
             # 村务公开: the caller's own unread count, 首页's card, the publish form of their own village.
             ("GET", "/api/v1/disclosures/unread-count"), ("GET", "/disclosures/badge"),
             ("GET", "/disclosures/home-card"), ("GET", "/disclosures/new"),
             # The 小微权力清单's page changes act on the caller's own village's list, nobody else's (an outsider's
             # lands in their own village: tests/disclosure/test_small_powers_editor.py).
             ("POST", "/small-powers/items"), ("POST", "/small-powers/items/{position}"),
             ("POST", "/small-powers/items/{position}/delete"),
             # 积分资金: a redirect to the caller's own fund's page (which checks who may see it).
             ("GET", "/funds"),
             # 花名册: the blank template.
             ("GET", "/api/v1/households/import-template.xlsx"),
             # 积分公示 for everyone (issue #21 item 6): public by design, names masked (tests/evaluation/
             # test_public_board.py).
             ("GET", "/public/villages/{village_id}/points"),
             # A ledger anyone can check (issue #21 item 5): public by design, hashes and counts only, no names
             # (tests/ledger/test_chain.py).
             ("GET", "/verify"), ("GET", "/api/v1/public/ledger/books/{book_id}/roots"),
             ("GET", "/api/v1/public/ledger/books/{book_id}/roots/{month}"),
             ("GET", "/api/v1/public/ledger/books/{book_id}/proofs/{seq}"),
             # Goods photos' thumbnails for lists: public like the photos.
             ("GET", "/media/goods/{image_id}/{width}.jpg")}

class Query(dict):
    """A body that is sent as the query string (a DELETE's `?role=`)."""


# For each route: the body it needs to succeed for the right official (json for /api, form for pages).
CASES = {
    ("GET", "/api/v1/households/{household_id}"): None,
    ("PATCH", "/api/v1/households/{household_id}"): {"address": "改"},
    ("POST", "/api/v1/households/{household_id}/members"): {"name": "新人"},
    ("PATCH", "/api/v1/households/{household_id}/members/{user_id}"): {"name": "改名"},
    ("POST", "/api/v1/households/{household_id}/members/{user_id}/deactivate"): {"reason": "迁出"},
    ("POST", "/api/v1/households/{household_id}/members/{user_id}/password"): {"password": "secret-123"},
    ("GET", "/api/v1/households/{household_id}/ledger"): None,
    ("POST", "/api/v1/points/awards"): {"household_id": "{household_id}", "points": 5, "reason": "好"},
    ("POST", "/api/v1/points/awards/{award_id}/reversal"): {"reason": "撤"},
    ("GET", "/api/v1/villages/{village_id}/audit"): None,
    ("POST", "/api/v1/households"): {"head_name": "新户", "village_id": "{village_id}"},
    ("GET", "/api/v1/households"): "list",
    ("GET", "/admin/households/{household_id}"): None,
    ("POST", "/admin/households/{household_id}/edit"): {"head_name": "王建国", "address": "改"},
    ("POST", "/admin/households/{household_id}/members"): {"name": "新人"},
    ("POST", "/admin/households/{household_id}/members/{user_id}/edit"): {"name": "改名"},
    ("POST", "/admin/households/{household_id}/members/{user_id}/deactivate"): {"reason": "迁出"},
    ("POST", "/admin/households/{household_id}/members/{user_id}/password"): {"password": "secret-123"},
    ("POST", "/admin/households/{household_id}/awards"): {"points": "5", "reason": "好"},
    ("POST", "/admin/awards/{transaction_id}/reverse"): {"reason": "撤", "household_id": "{household_id}"},
    ("GET", "/admin/audit"): "village_query",
    ("GET", "/api/v1/shops"): "list",
    ("GET", "/api/v1/shops/{shop_id}/goods"): None,
    ("POST", "/api/v1/shops/{shop_id}/goods"): {"name": "越界商品", "points_price": 5, "stock": 1},
    ("PATCH", "/api/v1/shops/{shop_id}/goods/{goods_id}"): {"name": "改名"},
    ("PUT", "/api/v1/shops/{shop_id}/goods/{goods_id}/photo"): "photo",
    ("POST", "/api/v1/shops/{shop_id}/goods/{goods_id}/stock"): {"kind": "restock", "quantity": 1, "reason": "进货"},
    ("GET", "/api/v1/shops/{shop_id}/goods/{goods_id}/movements"): None,
    ("GET", "/api/v1/shops/{shop_id}/low-stock"): None,
    ("GET", "/api/v1/shops/{shop_id}/redemptions"): None,
    ("GET", "/api/v1/shops/{shop_id}/settlements/{month}"): None,
    ("GET", "/api/v1/redemptions/{redemption_id}"): None,
    ("POST", "/api/v1/redemptions/{redemption_id}/reversal"): {"reason": "撤"},
    ("POST", "/api/v1/households/{household_id}/cards"): {"pin": "1234"},
    ("POST", "/api/v1/households/{household_id}/cards/{card_id}/revoke"): {"reason": "丢失"},
    ("GET", "/api/v1/me/pay-code/{code}.svg"): ("villager", None),
    ("POST", "/api/v1/shops/{shop_id}/payer"): ("attendant", {"pay_code": "{code}"}),
    ("POST", "/api/v1/shops/{shop_id}/card-unlock"): ("attendant", {"card_code": "{card_code}", "pin": "2468"}),
    ("POST", "/api/v1/shops/{shop_id}/redemptions"): ("attendant", {"pay_code": "{code}", "items": "{items}"}),
    ("GET", "/api/v1/shops/{shop_id}/redemptions/by-key/{key}"): ("attendant", None),
    ("GET", "/api/v1/shops/{shop_id}/confirmations/{confirmation_id}"): ("attendant", None),
    ("POST", "/api/v1/shops/{shop_id}/confirmations/{confirmation_id}/cancel"): ("attendant", {}),
    ("POST", "/api/v1/me/confirmations/{confirmation_id}"): ("villager", {"decision": "refuse"}),
    ("POST", "/pay/confirmations/{confirmation_id}"): ("villager", {"decision": "refuse"}),
    ("GET", "/api/v1/villages/{village_id}/shop-settings"): None,
    ("PUT", "/api/v1/villages/{village_id}/shop-settings"): {"confirm_above": 50},
    ("GET", "/api/v1/villages/{village_id}/offline-code-settings"): None,
    ("PUT", "/api/v1/villages/{village_id}/offline-code-settings"): {"offline_cap": 50},
    ("POST", "/shop/settings/offline-cap"): {"shop_id": "{shop_id}", "offline_cap": "50"},
    ("POST", "/api/v1/households/{household_id}/offline-codes/revoke"): {},
    ("DELETE", "/api/v1/me/offline-codes/{code_id}"): ("villager", None, {"code_id": "offline_code_id"}),
    ("POST", "/api/v1/shops/{shop_id}/requests"): ("villager", {"items": "{items}"}),
    ("GET", "/api/v1/shops/{shop_id}/requests"): None,
    ("GET", "/api/v1/shops/{shop_id}/requests/{request_id}"): None,
    ("POST", "/api/v1/shops/{shop_id}/requests/{request_id}/cancel"): ("villager", None),
    ("POST", "/api/v1/shops/{shop_id}/requests/{request_id}/consent"): ("villager", None),
    ("POST", "/api/v1/shops/{shop_id}/requests/lookup"): ("attendant", {"code": "{request_code}"}),
    ("POST", "/api/v1/shops/{shop_id}/requests/fulfil"): ("attendant", {"code": "{request_code}"}),
    ("POST", "/api/v1/shops/{shop_id}/requests/{request_id}/drop"): ("attendant", {"goods_id": "{goods_id}"}),
    ("POST", "/api/v1/shops/{shop_id}/requests/{request_id}/refuse"): ("attendant", {"reason": "缺货"}),
    ("GET", "/api/v1/shops/{shop_id}/request-minutes"): None,
    ("GET", "/shop/poster"): "shop_query",
    ("GET", "/shop/order/{shop_id}"): ("villager", None),
    ("POST", "/shop/order/{shop_id}"): ("villager", {"q_{goods_id}": "1"}),
    ("GET", "/shop/order/{shop_id}/requests/{request_id}"): ("villager", None),
    ("GET", "/shop/order/{shop_id}/requests/{request_id}/state"): ("villager", None),
    ("POST", "/shop/order/{shop_id}/requests/{request_id}/cancel"): ("villager", {}),
    ("POST", "/shop/order/{shop_id}/requests/{request_id}/consent"): ("villager", {"total_points": "{request_total}"}),
    ("GET", "/shop/requests"): "shop_query",
    ("GET", "/shop/requests/month"): "shop_query",
    ("POST", "/shop/requests/minutes"): {"shop_id": "{shop_id}", "minutes": "20"},
    ("GET", "/counter/requests"): ("attendant", "shop_query"),
    ("POST", "/counter/requests/lookup"): ("attendant", {"shop_id": "{shop_id}", "code": "{request_code}"}),
    ("GET", "/counter/requests/{request_id}/basket"): ("attendant", "shop_query"),
    ("POST", "/counter/requests/fulfil"): ("attendant", {"shop_id": "{shop_id}", "code": "{request_code}"}),
    ("POST", "/counter/requests/{request_id}/drop"): ("attendant", {"shop_id": "{shop_id}", "goods_id": "{goods_id}"}),
    ("POST", "/counter/requests/{request_id}/refuse"): ("attendant", {"shop_id": "{shop_id}", "reason": "缺货"}),
    ("PUT", "/api/v1/shops/{shop_id}/request-minutes"): {"minutes": 20},
    ("GET", "/shop"): "shop_query",
    ("GET", "/counter"): ("attendant", "shop_query"),
    ("GET", "/shop/manage"): "shop_query",
    ("GET", "/shop/redemptions"): "shop_query",
    ("GET", "/shop/settlement"): "shop_query",
    ("GET", "/shop/settlement.xlsx"): "shop_query",
    ("GET", "/shop/settings"): "shop_query",
    ("POST", "/shop/settings"): {"shop_id": "{shop_id}", "confirm_above": "50"},
    ("POST", "/shop/manage/goods"): {"shop_id": "{shop_id}", "name": "越界商品", "points_price": "5", "stock": "1"},
    ("GET", "/shop/manage/goods/{goods_id}"): None,
    ("POST", "/shop/manage/goods/{goods_id}/edit"): {"name": "改名", "points_price": "5", "low_stock_threshold": "5"},
    ("POST", "/shop/manage/goods/{goods_id}/active"): {"active": "1"},
    ("POST", "/shop/manage/goods/{goods_id}/photo"): "photo",
    ("POST", "/shop/manage/goods/{goods_id}/stock"): {"kind": "restock", "quantity": "1", "reason": "进货"},
    ("POST", "/shop/redemptions/{redemption_id}/reverse"): {"reason": "撤"},
    ("GET", "/admin/households/{household_id}/card"): None,
    ("POST", "/admin/households/{household_id}/card"): {"pin": "1234", "pin_again": "1234"},
    ("POST", "/admin/households/{household_id}/card/{card_id}/revoke"): {"reason": "丢失"},
    ("GET", "/admin/households"): "list",
    ("POST", "/admin/households"): "lands_in_own_village",
    # 评比 (tests/evaluation/isolation.py makes the records; a third element names other records for path ids)
    ("GET", "/api/v1/criteria"): "village_query",
    ("POST", "/api/v1/criteria"): {"category": "law", "name": "越界", "points": 1, "village_id": "{village_id}"},
    ("PATCH", "/api/v1/criteria/{criterion_id}"): {"points": 2},
    ("POST", "/api/v1/criteria/{criterion_id}/retire"): {},
    ("DELETE", "/api/v1/criteria/{criterion_id}"): ("official", None, {"criterion_id": "spare_criterion_id"}),
    ("GET", "/api/v1/evaluations"): "village_query",
    ("POST", "/api/v1/evaluations"): ("town_admin", {"month": "2020-01", "village_id": "{village_id}"}),
    ("GET", "/api/v1/evaluations/{round_id}"): None,
    ("POST", "/api/v1/evaluations/{round_id}/scores"): (
        "committee", {"household_id": "{household_id}", "criterion_id": "{criterion_id}", "points": 1, "reason": "好"}),
    ("DELETE", "/api/v1/evaluations/{round_id}/scores/{score_id}"): ("committee", None),
    ("PUT", "/api/v1/evaluations/{round_id}/scores/{score_id}/photo"): ("committee", "photo"),
    ("POST", "/api/v1/evaluations/{round_id}/publish"): {"notice_days": 3},
    ("POST", "/api/v1/evaluations/{round_id}/lines/{line_id}/objections"): (
        "villager", {"text": "异议"}, {"round_id": "notice_round_id"}),
    ("POST", "/api/v1/evaluations/{round_id}/objections/{objection_id}/answer"): (
        "official", {"answer": "答复"}, {"round_id": "notice_round_id"}),
    ("POST", "/api/v1/evaluations/{round_id}/finalize"): ("official", None, {"round_id": "final_round_id"}),
    ("POST", "/api/v1/evaluations/{round_id}/households/{household_id}/follow-ups"): (
        "official", {"visited_by": "张书记", "change": "改好了"},
        {"round_id": "final_round_id", "household_id": "black_household_id"}),
    ("GET", "/api/v1/villages/{village_id}/red-black-list"): None,
    ("GET", "/api/v1/red-black-coverage"): "list",
    ("GET", "/api/v1/villages/{village_id}/points-notice"): None,
    ("GET", "/evaluation"): "village_query",
    ("GET", "/evaluation/score"): ("committee", None),
    ("POST", "/evaluation/rounds"): ("town_admin", {"month": "2020-01", "village_id": "{village_id}"}),
    ("GET", "/evaluation/criteria"): "village_query",
    ("POST", "/evaluation/criteria"): {"category": "law", "name": "越界", "points": "1", "village_id": "{village_id}"},
    ("POST", "/evaluation/criteria/{criterion_id}/edit"): {"category": "law", "name": "改名", "points": "1"},
    ("POST", "/evaluation/criteria/{criterion_id}/retire"): {},
    ("GET", "/evaluation/rounds/{round_id}"): None,
    ("POST", "/evaluation/rounds/{round_id}/scores"): (
        "committee",
        {"household_id": "{household_id}", "criterion_id": "{criterion_id}", "points": "1", "reason": "好"}),
    ("POST", "/evaluation/rounds/{round_id}/scores/{score_id}/delete"): ("committee", {}),
    ("POST", "/evaluation/rounds/{round_id}/publish"): {"notice_days": "3"},
    ("POST", "/evaluation/rounds/{round_id}/lines/{line_id}/objections"): (
        "villager", {"text": "异议"}, {"round_id": "notice_round_id"}),
    ("POST", "/evaluation/rounds/{round_id}/objections/{objection_id}/answer"): (
        "official", {"answer": "答复"}, {"round_id": "notice_round_id"}),
    ("POST", "/evaluation/rounds/{round_id}/finalize"): ("official", {}, {"round_id": "final_round_id"}),
    ("GET", "/evaluation/photos/{photo_id}.jpg"): None,
    ("GET", "/evaluation/board"): "village_query",
    ("GET", "/evaluation/board/print"): "village_query",
    ("POST", "/evaluation/rounds/{round_id}/follow-ups"): (
        "official", {"household_id": "{black_household_id}", "visited_by": "张书记", "change": "改好了"},
        {"round_id": "final_round_id"}),
    ("GET", "/evaluation/coverage"): "list",
    ("GET", "/evaluation/points"): "village_query",
    ("POST", "/api/v1/points/awards/{award_id}/approve"): ("town_admin", None, {"award_id": "pending_award_id"}),
    ("GET", "/api/v1/points/awards/pending"): "list",
    ("GET", "/api/v1/villages/{village_id}/award-limits"): None,
    ("PUT", "/api/v1/villages/{village_id}/award-limits"): ("town_admin", {"single_limit": 200, "monthly_limit": 500}),
    ("GET", "/api/v1/villages/{village_id}/evaluation-settings"): None,
    ("PUT", "/api/v1/villages/{village_id}/evaluation-settings"): ("town_admin", {"min_notice_days": 3}),
    ("GET", "/api/v1/villages/{village_id}/service-bounds"): None,
    ("PUT", "/api/v1/villages/{village_id}/service-bounds"): ("town_admin", {"max_points_per_hour": 20}),
    ("GET", "/evaluation/awards"): "list",
    ("POST", "/evaluation/awards/{request_id}/approve"): ("town_admin", {}, {"request_id": "pending_award_id"}),
    ("POST", "/evaluation/awards/limits"): (
        "town_admin", {"village_id": "{village_id}", "single_limit": "200", "monthly_limit": "500"}),
    ("POST", "/evaluation/awards/bounds"): (
        "town_admin", {"village_id": "{village_id}", "max_points_per_hour": "20", "max_service_cap": "300",
                       "min_notice_days": "3"}),
    # 村务公开
    ("POST", "/api/v1/disclosures"): {"category": "party", "title": "越界", "body": "x", "village_id": "{village_id}"},
    ("GET", "/api/v1/disclosures"): "list",
    ("GET", "/api/v1/disclosures/{disclosure_id}"): None,
    ("GET", "/api/v1/disclosures/{disclosure_id}/versions"): None,
    ("GET", "/api/v1/disclosures/{disclosure_id}/versions/{version}"): None,
    ("POST", "/api/v1/disclosures/{disclosure_id}/revisions"): {"title": "改", "body": "改过", "reason": "更正"},
    ("GET", "/api/v1/disclosures/{disclosure_id}/reads"): None,
    ("POST", "/api/v1/disclosures/{disclosure_id}/reads"): {"household_id": "{household_id}"},
    ("GET", "/api/v1/disclosures/{disclosure_id}/questions"): None,
    ("POST", "/api/v1/disclosures/{disclosure_id}/questions"): ("villager", {"body": "问"}),
    ("POST", "/api/v1/disclosures/{disclosure_id}/attachments"): "file",
    ("GET", "/api/v1/disclosure-questions"): "list",
    ("POST", "/api/v1/disclosure-questions/{question_id}/answer"): {"answer": "答"},
    ("GET", "/api/v1/decisions"): "list",
    ("POST", "/api/v1/decisions"): {"title": "越界事项", "village_id": "{village_id}"},
    ("GET", "/api/v1/decisions/{decision_id}"): None,
    ("POST", "/api/v1/decisions/{decision_id}/steps"): {"step": "publish", "held_on": "{today}", "attendance": 5},
    ("POST", "/api/v1/decisions/{decision_id}/steps/{step_id}/attachments"): "file",
    ("GET", "/api/v1/villages/{village_id}/small-powers"): None,
    ("GET", "/disclosures"): "village_query",
    ("POST", "/disclosures"): ("own_village", "/disclosures", {"category": "party", "title": "越界公开", "body": "x"}),
    ("GET", "/disclosures/{disclosure_id}"): None,
    ("GET", "/disclosures/{disclosure_id}/versions"): None,
    ("GET", "/disclosures/{disclosure_id}/text"): None,
    ("GET", "/disclosures/{disclosure_id}/versions/{version}"): None,
    ("GET", "/disclosures/{disclosure_id}/revise"): None,
    ("POST", "/disclosures/{disclosure_id}/revise"): {"title": "改", "body": "改过", "reason": "更正"},
    ("POST", "/disclosures/{disclosure_id}/attachments"): "file",
    ("GET", "/disclosures/{disclosure_id}/reads"): None,
    ("POST", "/disclosures/{disclosure_id}/reads"): {"household_id": "{household_id}"},
    ("POST", "/disclosures/{disclosure_id}/questions"): ("villager", {"body": "问"}),
    ("POST", "/disclosure-questions/{question_id}/answer"): {"answer": "答"},
    ("GET", "/disclosure-questions"): "list",
    ("GET", "/disclosure-files/{file_id}"): None,
    ("GET", "/disclosure-files/{file_id}/thumb"): None,
    ("GET", "/decisions"): "village_query",
    ("POST", "/decisions"): ("own_village", "/decisions", {"title": "越界公开"}),
    ("GET", "/decisions/{decision_id}"): None,
    ("POST", "/decisions/{decision_id}/steps"): {"step": "publish", "held_on": "{today}", "attendance": "5"},
    ("GET", "/small-powers"): "village_query",
    ("GET", "/small-powers/versions"): "village_query",
    ("GET", "/api/v1/villages/{village_id}/small-powers/versions"): None,
    ("PUT", "/api/v1/villages/{village_id}/small-powers"): {"items": [{"name": "越界", "who": "x", "steps": "x"}]},
    # Shops from the app (issue #17 item 4).
    ("POST", "/api/v1/shops"): {"village_id": "{village_id}", "name": "越界超市"},
    ("PATCH", "/api/v1/shops/{shop_id}"): {"partner": "越界"},
    ("POST", "/shop/manage/open"): {"village_id": "{village_id}", "name": "越界超市"},
    ("POST", "/shop/manage/{shop_id}/status"): {"status": "paused"},
    # The county's tree and its staff (issue #17): 示范村 is the unit.
    ("POST", "/api/v1/org-units"): {"kind": "group", "name": "越界组", "parent_id": "{village_id}"},
    ("GET", "/api/v1/org-units/{unit_id}"): ("official", None, {"unit_id": "village_id"}),
    ("PATCH", "/api/v1/org-units/{unit_id}"): ("town_admin", {"name": "改名村"}, {"unit_id": "village_id"}),
    ("GET", "/api/v1/org-units/{unit_id}/staff"): ("official", None, {"unit_id": "village_id"}),
    ("POST", "/api/v1/org-units/{unit_id}/staff"): (
        "official", {"phone": "13911119999", "name": "越界", "role": "volunteer"}, {"unit_id": "village_id"}),
    ("DELETE", "/api/v1/org-units/{unit_id}/staff/{user_id}"): (
        "official", Query(role="volunteer"), {"unit_id": "village_id", "user_id": "volunteer_id"}),
    # 人员管理 pages (the same rules as the API above).
    ("GET", "/org/units/{unit_id}"): ("official", None, {"unit_id": "village_id"}),
    ("POST", "/org/units/{unit_id}/rename"): ("town_admin", {"name": "改名村"}, {"unit_id": "village_id"}),
    ("POST", "/org/units/{unit_id}/children"): (
        "official", {"kind": "group", "name": "越界组"}, {"unit_id": "village_id"}),
    ("POST", "/org/units/{unit_id}/staff"): (
        "official", {"phone": "13911119998", "name": "越界", "role": "volunteer"}, {"unit_id": "village_id"}),
    ("POST", "/org/units/{unit_id}/staff/{user_id}/remove"): (
        "official", {"role": "volunteer"}, {"unit_id": "village_id", "user_id": "volunteer_id"}),
    # Funds (issue #17): 示范村's fund, and 清河镇's (which holds points to allocate: build_world books them).
    ("POST", "/api/v1/funds/budgets"): {"org_id": "{village_id}", "year": 2026, "points": 5, "yuan": 5},
    ("POST", "/api/v1/funds/allocations"): (
        "town_admin", {"from_org_id": "{township_id}", "to_org_id": "{village_id}", "points": 1}),
    ("POST", "/api/v1/funds/donations"): {"org_id": "{village_id}", "donor": "爱心人士", "points": 1},
    ("GET", "/api/v1/org-units/{unit_id}/fund"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/api/v1/org-units/{unit_id}/fund/records"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/api/v1/villages/{village_id}/fund-rate"): None,
    ("PUT", "/api/v1/villages/{village_id}/fund-rate"): {"fen_per_point": 100},
    ("GET", "/funds/{org_id}"): ("official", None, {"org_id": "village_id"}),
    ("POST", "/funds/{org_id}/budgets"): (
        "official", {"year": "2026", "points": "5", "yuan": "5", "confirmed": "1"}, {"org_id": "village_id"}),
    ("POST", "/funds/{org_id}/allocations"): (
        "town_admin", {"to_org_id": "{village_id}", "points": "1", "confirmed": "1"}, {"org_id": "township_id"}),
    ("POST", "/funds/{org_id}/donations"): (
        "official", {"donor": "爱心人士", "points": "1", "confirmed": "1"}, {"org_id": "village_id"}),
    ("POST", "/funds/{org_id}/rate"): ("official", {"yuan_per_point": "1"}, {"org_id": "village_id"}),
    # 花名册 (issue #17 item 3): a one-household roster, into 示范村.
    ("POST", "/api/v1/villages/{village_id}/households/import"): "roster",
    ("GET", "/api/v1/villages/{village_id}/households.xlsx"): None,
    ("GET", "/admin/households/import"): "village_query",
    ("POST", "/admin/households/import"): "roster",
    # Exports of a unit for a period (issue #20 item 4): 示范村's.
    ("GET", "/api/v1/org-units/{unit_id}/exports/households.xlsx"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/api/v1/org-units/{unit_id}/exports/ledger.xlsx"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/api/v1/org-units/{unit_id}/exports/evaluations.xlsx"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/api/v1/org-units/{unit_id}/exports/volunteer-hours.xlsx"): (
        "official", None, {"unit_id": "village_id"}),
    ("GET", "/org/units/{unit_id}/exports"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/counter/today"): ("attendant", "shop_query"),  # the 收银台's day total (issue #18)
    # 评分表 (issue #18): one household's criteria at once.
    ("GET", "/evaluation/rounds/{round_id}/households/{household_id}/score"): ("committee", None),
    ("POST", "/evaluation/rounds/{round_id}/households/{household_id}/score"): (
        "committee", {"row-{criterion_id}": "1", "points-{criterion_id}": "1", "reason-{criterion_id}": "好"}),
    # Refusing a waiting credit (issue #18): as approving it.
    ("POST", "/api/v1/points/awards/{award_id}/refuse"): (
        "town_admin", {"reason": "不符合"}, {"award_id": "pending_award_id"}),
    ("POST", "/evaluation/awards/{request_id}/refuse"): (
        "town_admin", {"reason": "不符合"}, {"request_id": "pending_award_id"}),
    # 统计看板 (issue #20): the village's figures.
    ("GET", "/api/v1/org-units/{unit_id}/dashboard"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/org-units/{unit_id}/dashboard"): ("official", None, {"unit_id": "village_id"}),
    # 中期评估报告 (issue #20 item 4): the village's report, as a workbook and as a printable page.
    ("GET", "/api/v1/org-units/{unit_id}/report.xlsx"): ("official", None, {"unit_id": "village_id"}),
    ("GET", "/org-units/{unit_id}/report"): ("official", None, {"unit_id": "village_id"}),
}
SELF_ONLY |= {("GET", "/org"), ("GET", "/dashboard")}  # a redirect to the caller's own unit
SELF_ONLY |= ISOLATION_SELF_ONLY
CASES.update(ISOLATION_CASES)
SELF_ONLY |= INBOX_SELF_ONLY
CASES.update(INBOX_CASES)
SELF_ONLY |= CLAIMS_SELF_ONLY | ACTIVITY_SELF_ONLY
CASES.update(CLAIMS_CASES)
CASES.update(ACTIVITY_CASES)
SELF_ONLY |= ASSIST_SELF_ONLY
CASES.update(ASSIST_CASES)
SELF_ONLY |= COUNCILS_SELF_ONLY
CASES.update(COUNCILS_CASES)
SELF_ONLY |= COMPACT_SELF_ONLY
CASES.update(COMPACT_CASES)
SELF_ONLY |= CEREMONIES_SELF_ONLY
CASES.update(CEREMONIES_CASES)


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        # FastAPI ≥ 0.160 keeps included routers lazily; they list their routes with their full paths.
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            if isinstance(getattr(ctx, "original_route", ctx), APIRoute):
                found += [(m, ctx.path) for m in sorted(ctx.methods) if m != "HEAD"]
    return found


def test_every_route_is_classified(routed_app):
    """The routes of the run's app (tests/conftest.py: create_app() as the other tests have it)."""
    routes = all_routes(routed_app)
    assert ("POST", "/api/v1/points/awards") in routes and ("GET", "/admin/households/{household_id}") in routes
    unclassified = [r for r in routes if r not in SELF_ONLY and r not in CASES]
    assert not unclassified, f"add these routes to the isolation test: {unclassified}"


def build_world(api, demo_engine) -> dict:
    """An official of 邻村 (the outsider) and 示范村's records, made through the API: their ids."""
    with session_for(demo_engine, write=True) as s:
        neighbour = s.exec(select(OrgUnit).where(OrgUnit.name == "邻村")).one()
        outsider = User(name="邻村干部", phone="13800000099", password_hash=DEMO_HASH)
        s.add(outsider)
        s.flush()
        s.add(RoleAssignment(user_id=outsider.id, role=Role.official, org_id=neighbour.id))
        s.add(RoleAssignment(user_id=outsider.id, role=Role.attendant, org_id=neighbour.id))
        create_shop(s, village_id=neighbour.id, name="邻村小卖部", staff_user_ids=(outsider.id,))
        shop = s.exec(select(Shop).where(Shop.name == "振风超市")).one()
        goods = s.exec(select(Goods).where(Goods.shop_id == shop.id, Goods.image_id.is_not(None))).first()
        household = s.exec(select(Household).where(Household.head_name == "王建国")).one()
        member = s.exec(select(User).where(User.phone == "13800000004")).one()
        volunteer = s.exec(select(User).where(User.phone == "13800000003")).one()
        s.commit()
        ids = {"household_id": household.id, "user_id": member.id, "village_id": household.village_id,
               "shop_id": shop.id, "goods_id": goods.id, "month": utcnow().strftime("%Y-%m"), "key": "iso-key",
               "items": [{"goods_id": goods.id, "quantity": 1}], "volunteer_id": volunteer.id}
    ids["code"] = api.get("/me/pay-code", "villager").json()["code"]
    done = api.post(f"/shops/{shop.id}/redemptions", "attendant", key="iso-key",
                    json={"pay_code": api.get("/me/pay-code", "villager").json()["code"], "items": ids["items"]})
    ids["redemption_id"] = done.json()["id"]
    # A redemption waiting for the villager's confirmation (everything above 0 points asks, for this one).
    assert api.client.put(f"/api/v1/villages/{ids['village_id']}/shop-settings", headers=api.headers("official"),
                          json={"confirm_above": 0}).status_code == 200
    asked = api.post(f"/shops/{shop.id}/redemptions", "attendant",
                     json={"pay_code": api.get("/me/pay-code", "villager").json()["code"], "items": ids["items"]})
    assert asked.status_code == 202, asked.text
    ids["confirmation_id"] = asked.json()["id"]
    api.client.put(f"/api/v1/villages/{ids['village_id']}/shop-settings", headers=api.headers("official"),
                   json={"confirm_above": 100})
    card = api.post(f"/households/{household.id}/cards", "official", json={"pin": "2468"}).json()
    ids["card_id"], ids["card_code"] = card["id"], card["card_code"]
    ids["offline_code_id"] = api.post("/me/offline-codes", "villager").json()["items"][0]["id"]
    award = api.post("/points/awards", "official", json={"household_id": ids["household_id"], "points": 3,
                                                           "reason": "测试"}).json()
    ids["award_id"] = ids["transaction_id"] = award["id"]
    ids.update(evaluation_world(api, demo_engine, ids))
    other = next(g for g in api.get(f"/shops/{shop.id}/goods", "villager").json()["items"]
                 if g["id"] != goods.id and g["stock"] > 0)
    made = api.post(f"/shops/{shop.id}/requests", "villager", key="iso-request",
                    json={"items": ids["items"] + [{"goods_id": other["id"], "quantity": 1}]}).json()
    ids["request_id"], ids["request_code"] = made["id"], made["code"]
    ids["request_total"] = str(made["total_points"])  # what the 同意 form carries (issue #15)
    disclosure = api.post("/disclosures", "official", json={"category": "finance", "title": "王建国家的问题",
                                                             "body": "振风超市"}).json()
    ids["disclosure_id"], ids["version"] = disclosure["id"], 1
    question = api.post(f"/disclosures/{disclosure['id']}/questions", "villager", json={"body": "问"}).json()
    ids["question_id"] = question["id"]
    files = {"file": ("p.jpg", _jpeg(), "image/jpeg")}
    upload = api.client.post(f"/api/v1/disclosures/{disclosure['id']}/attachments", files=files,
                             headers={"Authorization": f"Bearer {api.token('official')}"})
    ids["file_id"] = upload.json()["id"]
    decision = api.get("/decisions", "official").json()["items"][0]
    ids["decision_id"], ids["step_id"] = decision["id"], decision["steps"][-1]["id"]
    ids["today"] = utcnow().date().isoformat()
    ids["township_id"] = api.get("/me", "town_admin").json()["roles"][0]["org_id"]
    assert api.post("/funds/budgets", "town_admin", json={"org_id": ids["township_id"], "year": 2026, "points": 100,
                                                          "yuan": 100}).status_code == 201
    ids.update(isolation_ids(demo_engine))
    ids.update(inbox_ids(demo_engine))
    ids.update(claims_world(api))
    ids.update(ceremonies_world(api))
    ids.update(activity_ids(demo_engine))
    ids.update(assist_world(api, ids))
    ids.update(councils_world(api, demo_engine))
    ids.update(compact_world(api, ids))
    return ids


WORLD = BuiltWorld("isolation", build_world)


@pytest.fixture
def demo_engine(engine, request, tmp_path):
    """On SQLite a copy of the run's world; on PostgreSQL the demo world, and `world` builds on it through the API."""
    return WORLD.engine(request, engine, tmp_path)


@pytest.fixture
def world(api, demo_engine):
    """An official of 邻村 (the outsider) and ids of 示范村's records: the run's world, or one built for this test."""
    return WORLD.ids(api, demo_engine)


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    return value


def _request(api, who, method, path, body, ids):
    url = path.format(**{**ids, **ids.get("by_route", {}).get(path, {})})  # a step needs its order's state
    headers = {"Authorization": f"Bearer {api.token(who)}"}
    if body == "photo":
        return api.client.request(method, url, headers=headers, files={"photo": ("p.jpg", _jpeg(), "image/jpeg")})
    if body == "file":
        return api.client.request(method, url, headers=headers, files={"file": ("p.jpg", _jpeg(), "image/jpeg")})
    if body == "roster":  # the page names the village in the form; the API in its path
        files = {"file": ("花名册.xlsx", workbook_bytes([("越界户", "", "", "越界户", "", "本人")]), XLSX)}
        form = None if url.startswith("/api/") else {"village_id": ids["village_id"], "step": "check"}
        return api.client.request(method, url, headers=headers, files=files, data=form, follow_redirects=False)
    if isinstance(body, Query):
        return api.client.request(method, url, headers=headers, params=body)
    data = {k.format(**ids): _fill(v, ids) for k, v in body.items()} if isinstance(body, dict) else None
    if url.startswith("/api/"):
        return api.client.request(method, url, headers=headers, json=data)
    return api.client.request(method, url, headers=headers, data=data, follow_redirects=False)


READS = sorted(route for route in CASES if route[0] == "GET")
WRITES = sorted(route for route in CASES if route[0] != "GET")


@pytest.mark.sqlite_only  # who may write where is decided in Python (app/org/access.py), before any SQL: the reads
# below and each domain's API tests (another village → 404, on both engines) keep PostgreSQL covered
@pytest.mark.parametrize("route", WRITES, ids=lambda r: f"{r[0]} {r[1]}")
def test_other_village_is_kept_out(api, world, route):
    """A write: each on a world of its own (it changes what the next one would find)."""
    check_route(api, world, route)


def test_other_village_reads_nothing(api, world):
    """Every read, on one world (a read changes nothing another read looks at): each failure is named."""
    failures = []
    for route in READS:
        try:
            check_route(api, world, route)
        except AssertionError as exc:
            failures.append(f"{route[0]} {route[1]}: {exc}")
    assert not failures, "\n".join(failures)


def check_route(api, world, route):
    method, path = route
    body = CASES[route]
    insider_role, expect = "official", (200, 201, 204, 303)
    if isinstance(body, tuple) and body[0] == "own_village":  # what an official makes lands in their own village
        _, listing, form = body
        r = _request(api, "13800000099", method, path, form, world)
        assert r.status_code == 303
        assert "越界公开" not in api.get(listing, "official").text
        assert "越界公开" in api.get(listing, "13800000099").text
        return
    if isinstance(body, tuple):
        insider_role, body, *others = body
        world = {**world, **{name: world[key] for name, key in (others[0] if others else {}).items()}}
        expect = others[1] if len(others) > 1 else expect  # the insider passes the gate and meets a rule
    if body == "list":
        r = _request(api, "13800000099", method, path, None, world)
        assert r.status_code == 200
        assert "王建国" not in r.text and "振风超市" not in r.text
        return
    if body == "village_query":
        r = _request(api, "13800000099", method, f"{path}?village_id={{village_id}}", None, world)
        assert r.status_code in (403, 404)
        return
    if body == "shop_query":
        path, body = f"{path}?shop_id={{shop_id}}", None
    if body == "lands_in_own_village":  # a new household always belongs to the caller's own village
        r = _request(api, "13800000099", method, path, {"head_name": "越界户"}, world)
        assert r.status_code == 303
        assert "越界户" not in api.get("/households?q=越界户", "official").text
        assert "越界户" in api.get("/households?q=越界户", "13800000099").text
        return
    outsider = _request(api, "13800000099", method, path, body, world)
    assert outsider.status_code in (403, 404), (route, outsider.status_code, outsider.text[:200])
    villager = _request(api, "neighbour", method, path, body, world)
    assert villager.status_code in (403, 404), (route, villager.status_code)
    insider = _request(api, insider_role, method, path, body, world)
    assert insider.status_code in expect, (route, insider.status_code, insider.text[:300])
