"""How much a failed expectation weighs: quarantine the row, flag it, or skip the check."""

from enum import StrEnum


class Severity(StrEnum):
    BLOCKING = "blocking"  # the row goes to quarantine
    WARNING = "warning"  # the row passes with a flag
    OFF = "off"  # the expectation is not run for this source
