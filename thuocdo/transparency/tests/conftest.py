"""The monitoring factories, shared with the delivery tests: the public pages are read
from the same data."""

from thuocdo.delivery.tests.conftest import indicator_factory, plan_factory, program_factory, task_factory

__all__ = ["indicator_factory", "plan_factory", "program_factory", "task_factory"]
