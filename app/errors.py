"""Domain errors: each carries its HTTP status, machine code and a plain-Chinese message."""


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or type(self).message
        super().__init__(self.message)


class Unauthenticated(DomainError):
    status_code, code, message = 401, "unauthenticated", "请先登录"


class Forbidden(DomainError):
    status_code, code, message = 403, "forbidden", "没有权限进行此操作"


class ConflictOfInterest(Forbidden):
    """回避: the actor would decide a credit to their own household, or one they proposed, placed or did."""

    code, message = "conflict_of_interest", "按回避规定，涉及您自己家庭（或您经手）的积分须由其他人决定"


class PasswordChangeRequired(Forbidden):
    """Signed in with a one-time password (a new account, a reset): only choosing a new one works until then."""

    code, message = "password_change_required", "请先设置新密码（一次性密码只能用来登录这一次）"


class NotFound(DomainError):
    status_code, code, message = 404, "not_found", "找不到该记录"


class ValidationFailed(DomainError):
    """Something typed is wrong. `field` names the form field it is about ("pin", "member.2.password"), so that a
    page can show the message beside that field instead of far away; the API's error body stays as it is."""

    status_code, code, message = 422, "validation_error", "填写的内容有误"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooLarge(ValidationFailed):
    """An uploaded file past its size cap; the message names the kind of file and the cap ("照片不能超过 5 MB")."""

    status_code, code, message = 413, "too_large", "文件太大"


class Conflict(DomainError):
    status_code, code, message = 409, "conflict", "操作冲突，请刷新后重试"


class InvalidState(Conflict):
    code, message = "invalid_state", "当前状态不允许此操作"


class InsufficientPoints(Conflict):
    code, message = "insufficient_points", "积分余额不足"


class LimitReached(Conflict):
    """A limit the village's rules set is reached (a household's 申报 of one item a day, its points this month)."""

    code, message = "limit_reached", "已达到上限"


class IdempotencyConflict(Conflict):
    code, message = "idempotency_conflict", "同一请求编号已用于不同的内容"


class DuplicatePhone(ValidationFailed):
    message = "该手机号已被使用"


class RateLimited(DomainError):
    status_code, code, message = 429, "rate_limited", "尝试次数过多，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(DomainError):
    """A bounded wait ran out (the writer, a free connection, a row lock): try again in a moment."""

    status_code, code, message = 503, "busy", "系统繁忙，请稍后再试"
    retry_after = 2


class MigrationBehind(DomainError):
    """The database's tables are older than the code (`alembic upgrade head` not run after an update)."""

    status_code, code, message = 503, "migration_behind", "数据库结构未升级，请先运行 alembic upgrade head"


class InvalidPayCode(DomainError):
    status_code, code, message = 400, "invalid_pay_code", "积分码无效，请重新扫码"


class PayCodeExpired(DomainError):
    status_code, code, message = 410, "pay_code_expired", "码已过期，请村民刷新积分码后重扫"


class PayCodeUsed(Conflict):
    code, message = "pay_code_used", "码已使用，请村民刷新积分码后重扫"


class PayCodeRevoked(PayCodeExpired):
    """An offline code (离线码) stopped before its time: 挂失 on the phone, an official, or replaced by a newer batch.
    Counted like any dead code against a guesser (app.shop.redemption.counter)."""

    code, message = "pay_code_revoked", "这个离线码已挂失停用，请村民联网后出示新的积分码"


class OfflineCapExceeded(Conflict):
    """A basket above what an offline code may pay for: nothing moves; the villager pays with an online code."""

    code, message = "offline_cap_exceeded", "超过离线码的限额，请减少商品，或让村民联网后出示积分码"


class OutOfStock(Conflict):
    code, message = "out_of_stock", "库存不足"


class PriceChanged(Conflict):
    """The total the counter showed is not the total at today's prices: the counter shows the new prices first."""

    code, message = "price_changed", "商品价格有变动，请核对新的价格后再确认"


class TotalChanged(Conflict):
    """The villager agreed to a total that is not the one the server would now take (an item was dropped, the
    basket changed): nothing moves, and the phone shows the new total to agree to."""

    code, message = "total_changed", "合计有变动，没有扣积分。请核对新的合计后再确认"


class ShopPaused(Conflict):
    """The shop is 暂停营业: nothing new starts there (a redemption, a pay code, a 扫码 request) until it resumes."""

    code, message = "shop_paused", "该超市暂停营业，暂时不能兑换"


class ShopClosed(Conflict):
    """The shop is closed for good: its books and history stay, nothing new happens there."""

    code, message = "shop_closed", "该超市已关闭，不能再兑换"
