class CustomerError(Exception):
    """Base class for customer domain errors."""


class EmailAlreadyRegistered(CustomerError):
    def __init__(self, email: str):
        super().__init__(f"An account with {email} already exists. Sign in or reset your password.")
        self.email = email
