"""What the sources call sports and surfaces, mapped to runlog's words.

One place for every vocabulary: FIT sport/sub_sport names, Strava and Garmin activity types
(English and the translations seen in real exports), Strava GPX numeric ``<type>`` codes, TCX
``Sport`` attributes, and the words a runner puts in an activity's name.
"""

from __future__ import annotations

import itertools
import re

# Strava GPX <trk><type> numeric codes (FORMATS.md section 1.4).
STRAVA_GPX_TYPES = {"1": "Ride", "2": "Alpine Ski", "4": "Hike", "9": "Run", "10": "Walk",
                    "16": "Swim", "17": "Virtual Ride", "25": "Virtual Run"}

# Activity type text (lower-cased) -> (sport, sub_sport). Strava, Garmin Connect, FIT names,
# TCX Sport, GPX free text; localised Garmin/Strava names seen in exports.
_TYPES: dict[str, tuple[str, str | None]] = {
    # running
    "run": ("running", None), "running": ("running", None), "runs": ("running", None),
    "trail run": ("running", "trail"), "trail running": ("running", "trail"),
    "trail": ("running", "trail"),
    "treadmill": ("running", "treadmill"), "treadmill running": ("running", "treadmill"),
    "indoor running": ("running", "treadmill"), "indoor_running": ("running", "treadmill"),
    "indoor run": ("running", "treadmill"),
    "track": ("running", "track"), "track running": ("running", "track"),
    "track run": ("running", "track"),
    "virtual run": ("running", "virtual_activity"),
    "street running": ("running", "street"), "road running": ("running", "street"),
    "ultra run": ("running", "ultra"), "ultra running": ("running", "ultra"),
    "obstacle run": ("running", "obstacle"),
    "lauf": ("running", None), "laufen": ("running", None), "løb": ("running", None),
    "bieganie": ("running", None), "course à pied": ("running", None),
    "course a pied": ("running", None), "carrera": ("running", None),
    "correr": ("running", None), "corsa": ("running", None), "hardlopen": ("running", None),
    "löpning": ("running", None), "trailrunning": ("running", "trail"),
    "laufband": ("running", "treadmill"), "laufbandtraining": ("running", "treadmill"),
    "løbebånd": ("running", "treadmill"), "bieżnia": ("running", "treadmill"),
    "bahnlauf": ("running", "track"),
    # what runners write in a hand-kept log's type column: kinds of run, not other sports
    "easy run": ("running", None), "easy": ("running", None),
    "recovery run": ("running", None), "recovery": ("running", None),
    "long run": ("running", None), "long": ("running", None),
    "tempo": ("running", None), "tempo run": ("running", None),
    "threshold run": ("running", None), "progression run": ("running", None),
    "intervals": ("running", None), "interval": ("running", None),
    "interval run": ("running", None), "repeats": ("running", None),
    "hill repeats": ("running", None), "hills": ("running", None),
    "fartlek": ("running", None), "strides": ("running", None),
    "speed work": ("running", None), "cross country": ("running", None),
    "jog": ("running", None), "jogging": ("running", None),
    "treadmill run": ("running", "treadmill"),
    "road run": ("running", "street"), "road race": ("running", "street"),
    "trail race": ("running", "trail"),
    "race": ("running", "race"), "marathon": ("running", "race"),
    "half marathon": ("running", "race"),
    # parkrun: a timed 5 km on grass, trail or paths depending on the course, so no surface
    "parkrun": ("running", "race"),
    # walking and hiking
    "walk": ("walking", None), "walking": ("walking", None),
    "casual walking": ("walking", "casual_walking"), "speed walking": ("walking", "speed_walking"),
    "indoor walking": ("walking", "indoor_walking"), "gehen": ("walking", None),
    "gang": ("walking", None), "chodzenie": ("walking", None), "spaziergang": ("walking", None),
    "hike": ("hiking", None), "hiking": ("hiking", None), "wandern": ("hiking", None),
    "vandring": ("hiking", None), "piesze wędrówki": ("hiking", None),
    # cycling
    "ride": ("cycling", None), "cycling": ("cycling", None), "biking": ("cycling", None),
    "bike": ("cycling", None), "road_biking": ("cycling", "road"),
    "road biking": ("cycling", "road"), "road cycling": ("cycling", "road"),
    "mountain biking": ("cycling", "mountain"), "mountain bike ride": ("cycling", "mountain"),
    "gravel ride": ("cycling", "gravel_cycling"), "gravel cycling": ("cycling", "gravel_cycling"),
    "virtual ride": ("cycling", "virtual_activity"),
    "indoor cycling": ("cycling", "indoor_cycling"), "spin": ("cycling", "indoor_cycling"),
    "spinning": ("cycling", "indoor_cycling"),
    "e-bike ride": ("cycling", "e_bike"), "ebikeride": ("cycling", "e_bike"),
    "radfahren": ("cycling", None), "radfahrt": ("cycling", None), "cykling": ("cycling", None),
    "kolarstwo": ("cycling", None), "jazda na rowerze": ("cycling", None),
    "velomobile": ("cycling", None), "handcycle": ("cycling", None),
    # swimming
    "swim": ("swimming", None), "swimming": ("swimming", None),
    "pool swimming": ("swimming", "lap_swimming"), "lap swimming": ("swimming", "lap_swimming"),
    "open water swimming": ("swimming", "open_water"), "schwimmen": ("swimming", None),
    "svømning": ("swimming", None), "pływanie": ("swimming", None),
    # strength and gym
    "weight training": ("strength", None), "weighttraining": ("strength", None),
    "strength training": ("strength", None), "strength": ("strength", None),
    "krafttraining": ("strength", None), "styrketræning": ("strength", None),
    "trening siłowy": ("strength", None), "crossfit": ("strength", None),
    "workout": ("fitness", None), "hiit": ("fitness", None), "elliptical": ("fitness", None),
    "stair stepper": ("fitness", None), "stairstepper": ("fitness", None),
    "cardio": ("fitness", None), "training": ("fitness", None),
    "fitness_equipment": ("fitness", None), "pilates": ("fitness", None),
    "yoga": ("yoga", None),
    # running in a pool: cross-training that spares the legs the impact, not a run
    "aqua jogging": ("fitness", "aqua_jogging"), "aqua running": ("fitness", "aqua_jogging"),
    "deep water running": ("fitness", "aqua_jogging"),
    "pool running": ("fitness", "aqua_jogging"),
    # rowing, paddling, skiing
    "rowing": ("rowing", None), "rowing_indoor": ("rowing", "indoor_rowing"),
    "indoor rowing": ("rowing", "indoor_rowing"), "rudern": ("rowing", None),
    "canoeing": ("paddling", None), "kayaking": ("paddling", None),
    "stand up paddling": ("paddling", None), "stand up paddleboarding": ("paddling", None),
    "stand_up_paddleboarding": ("paddling", None), "paddling": ("paddling", None),
    "alpine ski": ("skiing", "downhill"), "alpine_skiing": ("skiing", "downhill"),
    "backcountry ski": ("skiing", "backcountry"), "nordic ski": ("skiing", "cross_country"),
    "cross_country_skiing": ("skiing", "cross_country"),
    "cross country skiing": ("skiing", "cross_country"), "snowboard": ("skiing", "snowboard"),
    "resort skiing/snowboarding": ("skiing", "downhill"), "skiing": ("skiing", None),
    # multisport
    "multisport": ("other", "multisport"), "transition": ("transition", None),
    "generic": ("other", None), "other": ("other", None), "unknown": ("other", None),
}

# FIT sport enum names that differ from the table above.
_FIT_SPORTS: dict[str, str] = {
    "running": "running", "walking": "walking", "hiking": "hiking", "cycling": "cycling",
    "e_biking": "cycling", "swimming": "swimming", "training": "fitness",
    "fitness_equipment": "fitness", "rowing": "rowing", "paddling": "paddling",
    "stand_up_paddleboarding": "paddling", "kayaking": "paddling",
    "cross_country_skiing": "skiing", "alpine_skiing": "skiing", "snowboarding": "skiing",
    "transition": "transition", "generic": "other", "multisport": "other",
}

# FIT sub_sport values that move a FIT sport to another runlog sport.
_FIT_SUB_SPORTS: dict[str, str] = {"strength_training": "strength", "yoga": "yoga",
                                   "indoor_rowing": "rowing", "pilates": "fitness"}


def sport_from_type(text: str | None) -> tuple[str, str | None] | None:
    """Map an activity type string to (sport, sub_sport); None when it names nothing known."""
    if text is None:
        return None
    key = str(text).strip()
    if not key:
        return None
    key = STRAVA_GPX_TYPES.get(key, key)
    key = re.sub(r"\s+", " ", key.replace("_", " ").strip().lower())
    if key in _TYPES:
        return _TYPES[key]
    compact = key.replace(" ", "")
    for candidate, value in _TYPES.items():
        if candidate.replace(" ", "").replace("_", "") == compact:
            return value
    # A type the table lacks as a whole ("Fun Run", "Track Workout", "10K Race", "Pool Swim"):
    # its words, sports first ("Long Ride" is a ride), then the kinds of run.
    return sport_from_name(key) or _from_words(key, vague=True)


# Type words that say too little on their own in a title ("Track workout", "Trail day").
_VAGUE_NAME_WORDS = frozenset({"training", "workout", "cardio", "other", "unknown", "generic",
                               "trail", "track", "transition",
                               # "Easy spin", "Long ride", "Swim race", "Bike intervals"
                               "easy", "recovery", "long", "tempo", "intervals", "interval",
                               "repeats", "hills", "race", "strides"})


def sport_from_name(name: str | None) -> tuple[str, str | None] | None:
    """(sport, sub_sport) from the words of an activity's title ("Morning Run"), or None."""
    if not name:
        return None
    return _from_words(str(name), vague=False)


def _from_words(text: str, *, vague: bool) -> tuple[str, str | None] | None:
    """The first pair of words, else word, that the type table knows; the vague words only
    when ``vague`` (and then only those)."""
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())
    if not vague:
        for first, second in itertools.pairwise(words):
            if f"{first} {second}" in _TYPES:
                return _TYPES[f"{first} {second}"]
    for word in words:
        if word in _TYPES and (word in _VAGUE_NAME_WORDS) == vague:
            return _TYPES[word]
    return None


def sport_from_fit(sport: object, sub_sport: object) -> tuple[str, str | None]:
    """Map FIT sport and sub_sport (names as fitparse gives them, or numbers) to ours."""
    sport_name = str(sport) if sport is not None else "generic"
    sub_name = str(sub_sport) if sub_sport is not None else None
    if sub_name in ("generic", "None", "") or (sub_name and sub_name.isdigit() and sub_name == "0"):
        sub_name = None
    if sub_name in _FIT_SUB_SPORTS:
        return _FIT_SUB_SPORTS[sub_name], sub_name
    return _FIT_SPORTS.get(sport_name, "other"), sub_name


# FIT sub_sport / source sub-kinds -> surface (EVIDENCE.md: FIT sub_sport 1 treadmill,
# 2 street, 3 trail, 4 track).
_SUB_SPORT_SURFACE = {"treadmill": "treadmill", "indoor_running": "treadmill",
                      "virtual_activity": "treadmill", "street": "road", "trail": "trail",
                      "track": "track"}

# Words in an activity's name, checked in this order (first match wins).
_NAME_WORDS: list[tuple[str, str]] = [
    (r"treadmill|laufband|tredmølle|bieżni", "treadmill"),
    (r"\btrack\b|\bbahn\b|\boval\b|400 ?m repeats|\bpiste\b", "track"),
    (r"\btrail|\btrails\b|\bsingletrack|\bfell\b|\bmountain\b|\bgelände", "trail"),
    (r"\bgrass\b|\bturf\b|\bfield\b|\bpark run on grass\b|\brasen\b|\bwiese\b", "grass"),
    (r"\bsand\b|\bbeach\b|\bstrand\b|\bdune", "sand"),
    (r"\broad\b|\bstreet\b|\basphalt\b|\bpavement\b|\bconcrete\b|\bsidewalk\b|\bstraße\b", "road"),
]


def surface_from_sub_sport(sub_sport: str | None) -> str | None:
    if not sub_sport:
        return None
    return _SUB_SPORT_SURFACE.get(str(sub_sport))


def surface_from_name(name: str | None) -> str | None:
    if not name:
        return None
    lowered = str(name).lower()
    for pattern, surface in _NAME_WORDS:
        if re.search(pattern, lowered):
            return surface
    return None


def infer_surface(
    sport: str,
    sub_sport: str | None,
    name: str | None,
    *,
    sub_sport_origin: str,
) -> tuple[str, str | None]:
    """(surface, where it came from) for a run; ('unknown', None) when nothing says.

    ``sub_sport_origin`` names where ``sub_sport`` was read ("fit sub_sport",
    "strava activity type", ...), so the table keeps the provenance.
    """
    if sport not in ("running", "walking", "hiking"):
        return "unknown", None
    from_sub = surface_from_sub_sport(sub_sport)
    if from_sub:
        return from_sub, sub_sport_origin
    from_name = surface_from_name(name)
    if from_name:
        return from_name, "activity name"
    return "unknown", None
