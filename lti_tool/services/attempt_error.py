"""The error an attempt action raises for the student: one line of words and the HTTP status.

Its own module so that the modules that start, run and finish attempts (attempts, adaptive,
study_plan) can all raise it without importing one another."""


class AttemptError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status
