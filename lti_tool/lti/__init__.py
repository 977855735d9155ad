"""The only package that touches pylti1p3. The rest of Rapport sees `Launch` and plain functions."""
from .errors import LaunchError
from .launch_data import Launch

__all__ = ["LaunchError", "Launch"]
