class CustomerError(Exception):
    """Base class for customer domain errors."""


class EmailAlreadyRegistered(CustomerError):
    def __init__(self, email: str):
        super().__init__(f"An account with {email} already exists. Sign in or reset your password.")
        self.email = email


class CustomerExists(CustomerError):
    """Someone tried to create a customer whose email is already on file."""

    def __init__(self, existing):
        super().__init__("A customer with this email already exists.")
        self.existing = existing


class HandleTaken(CustomerError):
    """The social handle is already on another customer's profile."""

    def __init__(self, owner):
        super().__init__("That handle is already on another customer's profile.")
        self.owner = owner
