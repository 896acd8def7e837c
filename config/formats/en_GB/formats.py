"""Dates the UK way, as NHS services write them: "1 December 2026", and 01/12/2026 typed in a box.

Django's own en_GB formats abbreviate the month ("1 Dec 2026") and show times as "2:30 p.m.".
Typed dates are read day first; ISO dates (what HTML date and datetime-local inputs send) are
accepted too, as Django adds them to every list of input formats.
"""

DATE_FORMAT = "j F Y"  # 1 December 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 1 December 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 1 December
SHORT_DATE_FORMAT = "d/m/Y"  # 01/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 01/12/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 01/12/2026
    "%d/%m/%y",  # 01/12/26
    "%d %B %Y",  # 1 December 2026
    "%d %b %Y",  # 1 Dec 2026
    "%Y-%m-%d",  # 2026-12-01, from an HTML date input
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",  # 01/12/2026 14:30
    "%d/%m/%Y %H:%M:%S",  # 01/12/2026 14:30:59
    "%d/%m/%y %H:%M",  # 01/12/26 14:30
    "%Y-%m-%dT%H:%M",  # 2026-12-01T14:30, from an HTML datetime-local input
    "%Y-%m-%d %H:%M",  # 2026-12-01 14:30
    "%Y-%m-%d %H:%M:%S",  # 2026-12-01 14:30:59
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
