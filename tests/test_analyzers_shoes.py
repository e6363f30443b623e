"""Shoe mileage against the 350-550 mi window, shoe assignment, projections and rotation.

As of Monday 2026-10-05 the report window (28 days) runs from 2026-09-08; the shoe's
projection looks at the same 4 weeks; shoe.single looks at 8 weeks (from 2026-08-11).
"""

from __future__ import annotations

from datetime import date

import pytest

from history import days, metres, only, report, run, unflagged
from runlog.config import Shoe
from runlog.model import Severity

AS_OF = "2026-10-05"


def pegasus(initial_mi: float | None = None, initial_km: float | None = None) -> Shoe:
    return Shoe("Pegasus", first_used=date(2026, 9, 1),
                initial_distance_m=metres(initial_km, initial_mi) or 0.0)


def two_runs(each: float, units: str) -> list:
    key = "km" if units == "km" else "mi"
    return [run("2026-09-10", **{key: each}), run("2026-09-20", **{key: each})]


# (units, initial distance in those units, each of two runs, total shown in the message)
APPROACHING_JUST_OVER = [
    # 340 + 5.5 + 5.5 = 351 mi > 350 mi
    ("mi", 340, 5.5, "351 mi", 351.0, 350.0, "(350-550 mi)"),
    # 550 + 7 + 7 = 564 km > 350 mi = 563.2704 km
    ("km", 550, 7.0, "564 km", 564.0, 563.2704, "(563-885 km)"),
]


@pytest.mark.parametrize("units, initial, each, shown, value, threshold, window",
                         APPROACHING_JUST_OVER)
def test_shoe_approaching_just_over_350_mi(units, initial, each, shown, value, threshold,
                                           window):
    shoe = pegasus(**{f"initial_{units}": initial})
    rep = report(two_runs(each, units), AS_OF, units=units, shoes=[shoe])
    flag = only(rep, "shoe.approaching")
    assert flag.severity is Severity.WARNING
    assert flag.value == pytest.approx(value)
    assert flag.threshold == pytest.approx(threshold)
    assert flag.date == date(2026, 9, 20)  # the shoe's last run
    assert flag.message.startswith(f"Pegasus has covered {shown}, inside the usual "
                                   f"replacement window {window}.")
    assert [s["status"] for s in rep.to_dict()["shoes"]] == ["approaching"]


@pytest.mark.parametrize("units, initial, each", [
    ("mi", 340, 4.75),  # 349.5 mi
    ("km", 550, 6.5),  # 563 km < 563.2704 km
])
def test_shoe_just_under_350_mi_is_ok(units, initial, each):
    rep = report(two_runs(each, units), AS_OF, units=units,
                 shoes=[pegasus(**{f"initial_{units}": initial})])
    assert not [f for f in rep.flags if f.code.startswith("shoe.")]
    assert rep.to_dict()["shoes"][0]["status"] == "ok"


@pytest.mark.parametrize("units, initial, each, shown, value, threshold", [
    # 545 + 3 + 3 = 551 mi > 550 mi
    ("mi", 545, 3.0, "551 mi, past the 550 mi end", 551.0, 550.0),
    # 875 + 5.5 + 5.5 = 886 km > 550 mi = 885.1392 km
    ("km", 875, 5.5, "886 km, past the 885 km end", 886.0, 885.1392),
])
def test_shoe_replace_just_over_550_mi(units, initial, each, shown, value, threshold):
    rep = report(two_runs(each, units), AS_OF, units=units,
                 shoes=[pegasus(**{f"initial_{units}": initial})])
    flag = only(rep, "shoe.replace")
    assert flag.severity is Severity.ALERT
    assert flag.value == pytest.approx(value)
    assert flag.threshold == pytest.approx(threshold)
    assert flag.message.startswith(f"Pegasus has covered {shown}")
    assert unflagged(rep, "shoe.approaching")
    assert rep.to_dict()["shoes"][0]["status"] == "replace"


@pytest.mark.parametrize("units, initial, each", [
    ("mi", 545, 2.25),  # 549.5 mi
    ("km", 875, 5.0),  # 885 km < 885.1392 km
])
def test_shoe_just_under_550_mi_is_only_approaching(units, initial, each):
    rep = report(two_runs(each, units), AS_OF, units=units,
                 shoes=[pegasus(**{f"initial_{units}": initial})])
    assert [f.code for f in rep.flags if f.code.startswith("shoe.")] == ["shoe.approaching"]


def test_shoe_replace_threshold_setting_moves_the_flag():
    # 545 + 3 + 3 = 551 mi = 886.7 km: past 550 mi, but not past a 1000 km setting
    shoes = [pegasus(initial_mi=545)]
    rep = report(two_runs(3.0, "mi"), AS_OF, units="mi", shoes=shoes, shoe_replace_km=1000.0)
    flag = only(rep, "shoe.approaching")
    assert "(350-621 mi)" in flag.message  # 1000 km / 1.609344 = 621.4 mi
    rep = report(two_runs(3.0, "mi"), AS_OF, units="mi", shoes=shoes,
                 shoe_approaching_km=900.0, shoe_replace_km=1000.0)
    assert not [f for f in rep.flags if f.code.startswith("shoe.")]


def test_retired_shoe_shows_retired_and_raises_no_flag():
    worn = Shoe("Worn", first_used=date(2026, 1, 1), retired=date(2026, 9, 30),
                initial_distance_m=metres(mi=600))
    rep = report([run("2026-09-20", mi=5)], AS_OF, units="mi", shoes=[worn])
    assert not [f for f in rep.flags + rep.history if f.code.startswith("shoe.")]
    assert rep.to_dict()["shoes"][0]["status"] == "retired"

    old = Shoe("Old", first_used=date(2026, 1, 1), retired=date(2026, 9, 15),
               initial_distance_m=metres(mi=300))
    # 09-10 falls inside Old's dates; 09-20 is after it was retired and no other shoe covers it
    rep = report([run("2026-09-10", mi=5), run("2026-09-20", mi=4)], AS_OF, units="mi",
                 shoes=[old])
    assert not [f for f in rep.flags + rep.history if f.code.startswith("shoe.")]
    (shoe,) = rep.to_dict()["shoes"]
    assert shoe["status"] == "retired"
    assert shoe["distance"] == pytest.approx(305.0)  # 300 before tracking + 5
    assert shoe["runs"] == 1
    # a retired shoe is not worn any more: nothing to project
    assert shoe["projected_approach_date"] is None
    assert shoe["projected_replace_date"] is None
    assert rep.figures["shoes_unassigned"] == {"runs": 1, "distance": 4.0}


def test_worn_shoe_not_run_in_lately_is_listed_but_not_flagged():
    shoe = Shoe("Attic", first_used=date(2026, 1, 1), initial_distance_m=metres(mi=600))
    rep = report([run("2026-08-01", mi=5), run("2026-09-20", mi=5, shoe="Other")], AS_OF,
                 units="mi", shoes=[shoe])
    assert unflagged(rep, "shoe.replace")
    attic = rep.to_dict()["shoes"][0]
    assert (attic["name"], attic["status"], attic["last_run"]) == ("Attic", "replace",
                                                                   "2026-08-01")


def test_shoe_assignment_rules():
    # Was: the most recently first-used shoe won every tie, so Racer took 09-20 as fact
    # (issue 11 item 9) and the trail run of 09-22 from the trail shoe (item 6).
    shoes = [
        Shoe("Road A", first_used=date(2026, 1, 1), retired=date(2026, 8, 31)),
        Shoe("Road B", first_used=date(2026, 9, 1)),
        Shoe("Trail", first_used=date(2026, 3, 1), surfaces=("trail",)),
        Shoe("Racer", first_used=date(2026, 9, 15)),
    ]
    runs = [
        run("2025-12-20", 5),  # before every shoe's first_used: unassigned
        run("2026-08-10", 6),  # Road A (Trail's surfaces do not match a road run)
        run("2026-08-12", 7, surface="trail"),  # Trail lists trail: it beats the general Road A
        run("2026-09-05", 8),  # Road B (Road A retired on 08-31)
        run("2026-09-20", 9),  # Road B and Racer, both general: shared, credited to neither
        run("2026-09-21", 10, surface="trail", shoe="Speedgoat"),  # named by its source
        run("2026-09-22", 11, surface="trail"),  # Trail lists trail: it beats Road B and Racer
    ]
    rep = report(runs, AS_OF, units="km", shoes=shoes)
    by_name = {s["name"]: s for s in rep.to_dict()["shoes"]}
    # configured shoes first, in config order, then shoes only the sources name
    assert list(by_name) == ["Road A", "Road B", "Trail", "Racer", "Speedgoat"]
    assert {n: (s["runs"], s["distance"]) for n, s in by_name.items()} == {
        "Road A": (1, 6.0), "Road B": (1, 8.0), "Trail": (2, 18.0), "Racer": (0, 0.0),
        "Speedgoat": (1, 10.0)}
    assert {n: (s["shared_runs"], s["distance_up_to"], s["shared_with"])
            for n, s in by_name.items() if s["shared_runs"]} == {
        "Road B": (1, 17.0, ["Racer"]), "Racer": (1, 9.0, ["Road B"])}
    assert (by_name["Trail"]["first_run"], by_name["Trail"]["last_run"]) == ("2026-08-12",
                                                                            "2026-09-22")
    assert by_name["Road A"]["status"] == "retired"
    assert rep.figures["shoes_unassigned"] == {"runs": 1, "distance": 5.0}
    assert any("1 run (9.0 km) names no shoe and could have been either Road B or Racer"
               in n for n in rep.data_notes)


@pytest.mark.parametrize("units, distance", [("mi", 450.0), ("km", 724.2)])
def test_projected_replace_date_from_last_four_weeks(units, distance):
    shoe = Shoe("Daily", first_used=date(2026, 8, 1), initial_distance_m=metres(mi=400))
    # 2026-08-10 counts toward the total but not toward the recent rate
    runs = [run("2026-08-10", mi=10)] + [
        run(d, mi=5) for d in ["2026-09-08", "2026-09-11", "2026-09-15", "2026-09-18",
                               "2026-09-22", "2026-09-25", "2026-09-29", "2026-10-02"]]
    rep = report(runs, AS_OF, units=units, shoes=[shoe])
    # total 400 + 10 + 8 x 5 = 450 mi (724.2 km); last 4 weeks (09-08..10-05) 40 mi = 10 mi a
    # week; 100 mi to 550 mi takes 10 weeks = 70 days: 2026-10-05 + 70 d = 2026-12-14
    (figure,) = rep.to_dict()["shoes"]
    assert figure["distance"] == pytest.approx(distance)
    assert figure["projected_replace_date"] == "2026-12-14"
    assert figure["projected_approach_date"] is None  # already past 350 mi
    assert "around 2026-12-14" in only(rep, "shoe.approaching").message


def test_projection_reaches_the_approach_point_too():
    shoe = Shoe("New", first_used=date(2026, 9, 1), initial_distance_m=metres(km=500))
    runs = [run(d, 14) for d in days("2026-09-08", 4, 7)]  # 56 km in 4 weeks: 14 km a week
    rep = report(runs, AS_OF, units="km", shoes=[shoe])
    (figure,) = rep.to_dict()["shoes"]
    # 556 km now; 563.2704 km is 7.2704 km away = 3.6 days at 2 km/day -> 4 days: 10-09;
    # 885.1392 km is 329.1392 km away = 164.6 days -> 165 days: 2027-03-19
    assert figure["projected_approach_date"] == "2026-10-09"
    assert figure["projected_replace_date"] == "2027-03-19"
    assert figure["status"] == "ok"


def single_shoe_history(main_km: float, other_km: float) -> list:
    # nine runs in one shoe and one in another, all inside the last 8 weeks (from 08-11)
    runs = [run(d, main_km, shoe="Daily") for d in days("2026-08-15", 9, 5)]
    return runs + [run("2026-09-30", other_km, shoe="Spare")]


@pytest.mark.parametrize("units", ["mi", "km"])
def test_single_shoe_just_over_90_percent(units):
    # 9 x 10.2 = 91.8 km of 100 km = 91.8%
    rep = report(single_shoe_history(10.2, 8.2), AS_OF, units=units)
    flag = only(rep, "shoe.single")
    assert flag.severity is Severity.INFO
    assert flag.value == pytest.approx(0.918)
    assert flag.threshold == pytest.approx(0.90)
    assert (flag.date, flag.end) == (date(2026, 8, 11), date(2026, 10, 5))
    assert flag.message.startswith("Daily carried 92% of your running in the last 8 weeks.")


def test_single_shoe_just_under_90_percent():
    # 9 x 9.8 = 88.2 km of 100 km = 88.2%
    rep = report(single_shoe_history(9.8, 11.8), AS_OF)
    assert unflagged(rep, "shoe.single")


def test_single_shoe_ignores_running_before_the_8_weeks():
    # the spare's 30 km run on 08-01 is before 08-11: the daily shoe carries 91.8/91.8
    runs = [run(d, 10.2, shoe="Daily") for d in days("2026-08-15", 9, 5)]
    rep = report(runs + [run("2026-08-01", 30, shoe="Spare")], AS_OF)
    assert only(rep, "shoe.single").value == pytest.approx(1.0)


def test_single_shoe_settings_move_the_flag():
    rep = report(single_shoe_history(10.2, 8.2), AS_OF, shoe_single_share=0.95)
    assert unflagged(rep, "shoe.single")
    rep = report(single_shoe_history(9.8, 11.8), AS_OF, shoe_single_share=0.85)
    assert only(rep, "shoe.single").value == pytest.approx(0.882)


def test_unassigned_running_counts_against_the_single_shoe_share():
    # 9 x 10.2 = 91.8 km in Daily of 91.8 + 8.2 unassigned = 100 km: still 91.8%
    runs = [run(d, 10.2, shoe="Daily") for d in days("2026-08-15", 9, 5)]
    rep = report(runs + [run("2026-09-30", 8.2)], AS_OF)
    assert only(rep, "shoe.single").value == pytest.approx(0.918)
    assert rep.figures["shoes_unassigned"] == {"runs": 1, "distance": 8.2}
