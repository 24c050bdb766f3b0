class ConsoleError(Exception):
    """A console action that cannot be done; the message is shown to the agent."""


class CaseTransitionInvalid(ConsoleError):
    pass


class CustomerHasNoEmail(ConsoleError):
    pass


class ApprovalNotPending(ConsoleError):
    pass
