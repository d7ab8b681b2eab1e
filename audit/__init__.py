"""caseaudit: audit children's social care case records against recording-quality standards."""

__version__ = "0.1.0"
