"""The crawler's manners are settings like the others: declared in `pipeline/settings.py` (`Politeness`)."""

from pipeline.settings import Politeness

__all__ = ["Politeness"]
