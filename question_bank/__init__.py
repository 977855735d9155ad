"""Rapport question bank: the pure domain (standard library + PyYAML only).

Never import Flask, SQLAlchemy, pylti1p3 or lti_tool from this package.
"""
