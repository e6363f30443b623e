"""The closed lists a user chooses from: sports, surfaces and report formats.

They live apart from the model (and from pandas) so that the command's options, its help and
its usage errors are built without importing the data stack: ``runlog --help`` answers at
once. The model, the settings, the renderers and coach mode take their lists from here.
"""

from __future__ import annotations

SPORTS = (
    "running",
    "walking",
    "hiking",
    "cycling",
    "swimming",
    "strength",
    "rowing",
    "skiing",
    "paddling",
    "yoga",
    "fitness",
    "transition",
    "other",
)

SURFACES = ("road", "trail", "track", "treadmill", "grass", "sand", "unknown")

#: What ``runlog report --format`` writes.
REPORT_FORMATS = ("text", "markdown", "html", "json")
#: The formats coach mode writes each athlete's report in, with the file extension of each.
BATCH_REPORT_EXTENSIONS = {"html": ".html", "json": ".json", "markdown": ".md"}
BATCH_FORMATS = tuple(BATCH_REPORT_EXTENSIONS)
