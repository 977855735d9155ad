class LaunchError(Exception):
    """A launch or login we refuse. `message` is safe to show; status is the HTTP code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class StorageCheckNeeded(Exception):
    """A launch whose login used LTI Platform Storage, before the browser has read the stored value
    back from the platform. Not an error: the view answers with a page that asks the platform
    (lti.get_data, from inside the LMS frame) and posts the launch again with what it got."""

    def __init__(self, target: str, origin: str, key: str):
        super().__init__(f"platform storage check through {target}")
        self.target, self.origin, self.key = target, origin, key
