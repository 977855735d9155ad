class LaunchError(Exception):
    """A launch or login we refuse. `message` is safe to show; status is the HTTP code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
