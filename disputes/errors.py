"""The rules' refusals. ``field`` names the form field a message belongs next to, if any."""


class DisputeError(Exception):
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class DisputeWindowClosed(DisputeError):
    field = "reason"


class NothingLeftToRefund(DisputeWindowClosed):
    """Everything the buyer paid for the order has been refunded: no dispute could claim more, so
    the order's window is closed whatever its dates say."""


class DisputeAlreadyOpen(DisputeError):
    pass


class BuyerBlacklisted(DisputeError):
    pass


class ClaimNotAllowed(DisputeError):
    pass


class AmountNotAllowed(DisputeError):
    field = "amount"


class EvidenceRequired(DisputeError):
    field = "evidence"


class ActionNotAllowed(DisputeError):
    pass


class ExtensionNotAllowed(DisputeError):
    pass


class DeadlinePassed(DisputeError):
    """The action came after the deadline, which the clock has now applied."""
